"""Changes to credit files: blacklist and credit repair, complaints, risk classes (by hand, by
import, by the office's rules), risk rules and partner keys; each one audited.

`risk_rules_apply(target)` is called by the services whose records can raise a class: a
complaint, a blacklist entry here; a penalty decision, an approved result with
refusal/concealment/falsification through `inspections.signals.risk_facts_recorded`
(`on_risk_facts_recorded`). It only ever raises a class (rules/risk.py).
"""

import csv
import hashlib
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import Action, Domain, can, is_admin, organisation_id, scope_for
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.entities.models import Target
from shuangsuiji.inspections.choices import FollowUpKind, ReviewState
from shuangsuiji.inspections.models import FollowUp, Inspection
from shuangsuiji.inspections.selectors import on_views, result_view
from shuangsuiji.rules import risk as R
from shuangsuiji.rules import xlsx_guard
from shuangsuiji.rules.dates import InvalidDate, parse_date
from shuangsuiji.rules.uscc import InvalidCode
from shuangsuiji.rules.uscc import validate as validate_code

from .models import (
    BlacklistEntry,
    Complaint,
    ComplaintSource,
    ComplaintState,
    PartnerToken,
    RiskClassChange,
    RiskRule,
    RiskSource,
    RiskTrigger,
)


def _require_change(actor: User, target: Target | None = None) -> None:
    """The office of the target's organisation (or a system administrator)."""
    if not can(actor, Domain.CREDIT, Action.CHANGE):
        raise PermissionDenied
    if target is not None:
        scope = scope_for(actor, Domain.CREDIT, Action.CHANGE)
        org = organisation_id(target.department)
        if not scope.everything and org not in scope.organisation_ids:
            raise PermissionDenied


def _require_org(actor: User | None, organisation_id: int) -> None:
    if actor is None:  # the system itself (the demo's setup, a scheduled job)
        return
    if not can(actor, Domain.CREDIT, Action.CHANGE):
        raise PermissionDenied
    scope = scope_for(actor, Domain.CREDIT, Action.CHANGE)
    if not scope.everything and organisation_id not in scope.organisation_ids:
        raise PermissionDenied


# -- Risk class --------------------------------------------------------------------------------

def _set_class(*, actor: User | None, target: Target, new: str, set_on: date, source: str,
               reason: str, rule: RiskRule | None = None, audit: bool = True
               ) -> RiskClassChange | None:
    """Write the class, its history row and (unless the caller audits in bulk) the audit entry.
    None when the class is already `new`."""
    locked = Target.objects.select_for_update().select_related("department").get(pk=target.pk)
    old = locked.risk_class
    if old == new and locked.risk_set_on == set_on:
        return None
    Target.objects.filter(pk=locked.pk).update(risk_class=new, risk_set_on=set_on,
                                               updated_at=timezone.now())
    target.risk_class, target.risk_set_on = new, set_on
    change = RiskClassChange.objects.create(
        target=locked, old=old, new=new, set_on=set_on, source=source, reason=reason,
        rule=rule, by=actor if getattr(actor, "pk", None) else None)
    if audit:
        audit_record(actor=actor, action=f"credit.risk_{source}", obj=locked,
                     organisation_id=organisation_id(locked.department),
                     summary=_("Credit risk class of {name}: {old} → {new}").format(
                         name=locked.name, old=old or "—", new=new),
                     data={"old": old, "new": new, "set_on": set_on, "source": source,
                           "reason": reason, "rule": rule.pk if rule else None})
    return change


@transaction.atomic
def risk_class_set(*, actor: User, target: Target, risk_class: str, reason: str,
                   set_on: date | None = None) -> RiskClassChange | None:
    """Set the class by hand (up or down), with a reason."""
    _require_change(actor, target)
    if risk_class not in RiskClass.values:
        raise ValidationError({"risk_class": _("Choose a class from A to D.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the class changes.")})
    set_on = set_on or timezone.localdate()
    if set_on > timezone.localdate():
        raise ValidationError({"set_on": _("The date is in the future.")})
    return _set_class(actor=actor, target=target, new=risk_class, set_on=set_on,
                      source=RiskSource.MANUAL, reason=reason.strip())


def facts_of(target: Target) -> R.Facts:
    """The entity's record as the pure rules read it: in the target's organisation's view
    (its departments' results on the entity, whichever organisation's row was drawn)."""
    penalties = (FollowUp.objects.filter(on_views([target], "inspection__"),
                                         kind=FollowUpKind.PENALTY,
                                         decision_date__isnull=False)
                 .exclude(decision_number="").values_list("decision_date", flat=True))
    # reviewed_at is set wherever inspected_on is not (the `if` below).
    refusals = [inspected_on or cast(datetime, reviewed_at).date()
                for inspected_on, reviewed_at in
                Inspection.objects.filter(on_views([target]), state=ReviewState.APPROVED)
                .exclude(conduct="").values_list("inspected_on", "reviewed_at")
                if inspected_on or reviewed_at]
    # Staff-entered complaints count as entered; a public or hotline one once closed as
    # substantiated (credit/complaints.py).
    complaints = (Complaint.objects.filter(target=target)
                  .filter(Q(source=ComplaintSource.STAFF)
                          | Q(state=ComplaintState.CLOSED, substantiated=True))
                  .values_list("received_on", flat=True))
    return R.Facts(penalties=tuple(cast("QuerySet[Any, date]", penalties)),  # not null
                   refusals=tuple(refusals),
                   complaints=tuple(complaints),
                   blacklisted=blacklist_in_force(target).exists())


def blacklist_in_force(target: Target, on: date | None = None) -> QuerySet[BlacklistEntry]:
    on = on or timezone.localdate()
    return BlacklistEntry.objects.filter(target=target, removed_on__isnull=True,
                                         listed_on__lte=on).filter(
        Q(until__isnull=True) | Q(until__gte=on))


@transaction.atomic
def risk_rules_apply(*, target: Target, actor: User | None = None) -> RiskClassChange | None:
    """Raise the class as the organisation's active rules require; never lowers it."""
    target = Target.objects.select_related("department").get(pk=target.pk)
    rules = {rule.pk: rule for rule in RiskRule.objects.filter(
        organisation_id=organisation_id(target.department), is_active=True)}
    if not rules:
        return None
    today = timezone.localdate()
    new, fired = R.required_class(
        target.risk_class, facts_of(target),
        [R.Rule(trigger=r.trigger, raise_to=r.raise_to, threshold=r.threshold,
                period_days=r.period_days, id=r.pk) for r in rules.values()], today)
    if fired is None:
        return None
    rule = rules[cast(int, fired.id)]  # the rules above were given their pk
    return _set_class(actor=actor, target=target, new=new, set_on=today,
                      source=RiskSource.RULE, rule=rule,
                      reason=str(RiskTrigger(rule.trigger).label))


def on_risk_facts_recorded(*, target: Target, actor: Any = None, **_kwargs: Any) -> None:
    """Receiver of inspections.signals.risk_facts_recorded: the risk loop."""
    risk_rules_apply(target=target, actor=actor)


# -- Risk rules --------------------------------------------------------------------------------

RULE_FIELDS = ("trigger", "threshold", "period_days", "raise_to", "is_active")


class RiskRuleFields(TypedDict, total=False):
    """A risk rule's fields as risk_rule_save takes them (RULE_FIELDS)."""

    trigger: str
    threshold: int
    period_days: int
    raise_to: str
    is_active: bool


@transaction.atomic
def risk_rule_save(*, actor: User | None, organisation_id: int, data: RiskRuleFields,
                   rule: RiskRule | None = None) -> RiskRule:
    """Create or change one of the office's risk rules."""
    _require_org(actor, organisation_id if rule is None else rule.organisation_id)
    created = rule is None
    rule = rule or RiskRule(organisation_id=organisation_id)
    before = {f: getattr(rule, f) for f in RULE_FIELDS} if not created else {}
    given: Mapping[str, object] = data
    for name in RULE_FIELDS:
        if name in given:
            setattr(rule, name, given[name])
    if rule.trigger == RiskTrigger.COMPLAINTS and rule.threshold < 1:
        raise ValidationError({"threshold": _("At least one complaint.")})
    if rule.period_days < 1:
        raise ValidationError({"period_days": _("At least one day.")})
    rule.full_clean()
    rule.save()
    after = {f: getattr(rule, f) for f in RULE_FIELDS}
    audit_record(actor=actor, action="credit.rule_create" if created else "credit.rule_update",
                 obj=rule, organisation_id=rule.organisation_id,
                 summary=_("Risk rule: {rule}").format(rule=str(rule)),
                 data={"before": before, "after": after})
    return rule


@transaction.atomic
def risk_rule_delete(*, actor: User, rule: RiskRule) -> None:
    _require_org(actor, rule.organisation_id)
    data = {f: getattr(rule, f) for f in RULE_FIELDS}
    label, pk, org = str(rule), rule.pk, rule.organisation_id
    if RiskClassChange.objects.filter(rule=rule).exists():
        raise ValidationError(_("This rule has raised classes; switch it off instead."))
    rule.delete()
    audit_record(actor=actor, action="credit.rule_delete", object_type="credit.riskrule",
                 object_id=str(pk), organisation_id=org,
                 summary=_("Risk rule removed: {rule}").format(rule=label), data=data)


# -- Blacklist and complaints ------------------------------------------------------------------

@transaction.atomic
def blacklist_add(*, actor: User, target: Target, basis: str, listed_on: date,
                  until: date | None = None, follow_up: Any = None) -> BlacklistEntry:
    """列入黑名单, directly or from a blacklist proposal (a follow-up of kind `blacklist`)."""
    _require_change(actor, target)
    if follow_up is not None:
        if follow_up.kind != FollowUpKind.BLACKLIST:
            raise ValidationError({"follow_up": _("Only a blacklist proposal lists an entity.")})
        if result_view(follow_up.inspection) != target:  # the organisation's row, by code
            raise ValidationError({"follow_up": _("The proposal is about another entity.")})
    if not basis.strip():
        raise ValidationError({"basis": _("State the facts and the legal provision.")})
    if listed_on > timezone.localdate():
        raise ValidationError({"listed_on": _("The date is in the future.")})
    if until is not None and until < listed_on:
        raise ValidationError({"until": _("The end is before the start.")})
    if blacklist_in_force(target).exists():
        raise ValidationError(_("This entity is already on the blacklist."))
    entry = BlacklistEntry(target=target, organisation_id=organisation_id(target.department),
                           basis=basis.strip(),
                           listed_on=listed_on, until=until, source_follow_up=follow_up,
                           created_by=actor)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action="credit.blacklist_add", obj=entry,
                 organisation_id=organisation_id(target.department),
                 summary=_("{name} put on the blacklist on {day}").format(
                     name=target.name, day=listed_on),
                 data={"target": target.pk, "basis": entry.basis, "listed_on": listed_on,
                       "until": until, "follow_up": follow_up.pk if follow_up else None})
    risk_rules_apply(target=target, actor=actor)
    return entry


@transaction.atomic
def blacklist_remove(*, actor: User, entry: BlacklistEntry, removed_on: date,
                     reason: str) -> BlacklistEntry:
    """移出黑名单 / 信用修复: with the reason (the repair done, or the period over)."""
    _require_change(actor, entry.target)
    entry = BlacklistEntry.objects.select_for_update().select_related(
        "target__department").get(pk=entry.pk)
    if entry.removed_on is not None:
        raise ValidationError(_("This entry was already removed."))
    if not reason.strip():
        raise ValidationError({"removal_reason": _("Say why the entity leaves the blacklist.")})
    if removed_on > timezone.localdate():
        raise ValidationError({"removed_on": _("The date is in the future.")})
    if removed_on < entry.listed_on:
        raise ValidationError({"removed_on": _("The end is before the start.")})
    entry.removed_on, entry.removal_reason = removed_on, reason.strip()
    entry.save(update_fields=["removed_on", "removal_reason"])
    audit_record(actor=actor, action="credit.blacklist_remove", obj=entry,
                 organisation_id=entry.organisation_id,
                 summary=_("{name} removed from the blacklist on {day}").format(
                     name=entry.target.name, day=removed_on),
                 data={"removed_on": removed_on, "reason": entry.removal_reason})
    return entry


@transaction.atomic
def complaint_add(*, actor: User, target: Target, received_on: date, summary: str,
                  substantiated: bool | None = None) -> Complaint:
    """投诉举报 about an entity; many of them raise its class (rules)."""
    _require_change(actor, target)
    if not summary.strip():
        raise ValidationError({"summary": _("Summarise the complaint.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date is in the future.")})
    complaint = Complaint(target=target, organisation_id=organisation_id(target.department),
                          received_on=received_on,
                          summary=summary.strip(), substantiated=substantiated, created_by=actor,
                          # a record of a complaint handled elsewhere: nothing left to do here
                          source=ComplaintSource.STAFF, state=ComplaintState.CLOSED,
                          closed_on=received_on)
    complaint.full_clean()
    complaint.save()
    audit_record(actor=actor, action="credit.complaint_add", obj=complaint,
                 organisation_id=organisation_id(target.department),
                 summary=_("Complaint about {name} received on {day}").format(
                     name=target.name, day=received_on),
                 data={"target": target.pk, "received_on": received_on,
                       "substantiated": substantiated})
    risk_rules_apply(target=target, actor=actor)
    return complaint


# -- Import of a classification ----------------------------------------------------------------

CODE_COLUMN, CLASS_COLUMN, DATE_COLUMN = "统一社会信用代码", "风险等级", "分类日期"
_SYNONYMS = {
    CODE_COLUMN: {"统一社会信用代码", "社会信用代码", "信用代码", "uscc"},
    CLASS_COLUMN: {"风险等级", "信用风险分类", "风险分类", "分类结果", "等级", "risk_class"},
    DATE_COLUMN: {"分类日期", "日期", "分类时间", "date"},
}
_CLASS_WORDS = {"A": "A", "B": "B", "C": "C", "D": "D"}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class RiskImportResult:
    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    not_in_directory: list[int] = field(default_factory=list)  # row numbers
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def _read_rows(name: str, data: bytes) -> list[list[Any]]:
    if name.lower().endswith(".xlsx"):
        try:  # no zip bombs: what the workbook expands to is checked before it is read
            xlsx_guard.check_archive(io.BytesIO(data), xlsx_guard.Limits(
                max_bytes=settings.SHUANGSUIJI_XLSX_MAX_BYTES,
                max_cells=settings.SHUANGSUIJI_XLSX_MAX_CELLS))
        except xlsx_guard.ArchiveError as exc:
            raise ValidationError({"file": _("“{file}” is refused: {reason}.").format(
                file=name, reason=rule_reason(exc))}) from None
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a corrupt or foreign file
            raise ValidationError({"file": _("The file is not an Excel workbook (.xlsx).")}
                                  ) from exc
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GB18030.")})
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise ValidationError({"file": _("Upload an Excel (.xlsx) or CSV file.")})


def _header(cells: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = str(cell or "").strip().replace(" ", "")
        for column, names in _SYNONYMS.items():
            if text in names or text.lower() in names:
                found.setdefault(column, index)
    return found


def _check_row(number: int, code_cell: Any, class_cell: Any, date_cell: Any,
               today: date) -> tuple[list[RowError], str, str | None, date | None]:
    """One row's errors, and its code, class and date as far as they could be read."""
    errors: list[RowError] = []
    raw_code = str(code_cell or "").strip()
    code = ""
    if not raw_code:
        errors.append(RowError(number, CODE_COLUMN, _("Empty.")))
    else:
        try:
            code = validate_code(raw_code)
        except InvalidCode as exc:
            errors.append(RowError(number, CODE_COLUMN, rule_reason(exc)))
    word = str(class_cell or "").strip()
    risk_class = _CLASS_WORDS.get(word.upper().removesuffix("类").removesuffix("级"))
    if risk_class is None:
        errors.append(RowError(
            number, CLASS_COLUMN,
            _("“{value}” is not a risk class: use A, B, C or D.").format(value=word)))
    day = None
    try:
        day = parse_date(date_cell)
    except InvalidDate as exc:
        errors.append(RowError(number, DATE_COLUMN, rule_reason(exc)))
    else:
        if day is None:
            errors.append(RowError(number, DATE_COLUMN, _("Empty.")))
        elif day > today:
            errors.append(RowError(number, DATE_COLUMN, _("The date is in the future.")))
    return errors, code, risk_class, day


def risk_import_check(*, organisation_id: int, name: str, data: bytes
                      ) -> tuple[RiskImportResult, list[tuple[int, list[Target], str, date]]]:
    """Read and check every row; the rows to apply (row, targets, class, date)."""
    rows = _read_rows(name, data)
    result = RiskImportResult()
    if not rows:
        result.errors.append(RowError(1, "", _("The file is empty.")))
        return result, []
    columns = _header(rows[0])
    missing = [c for c in (CODE_COLUMN, CLASS_COLUMN, DATE_COLUMN) if c not in columns]
    result.errors += [RowError(1, column, _("Column missing.")) for column in missing]
    if missing:
        return result, []
    parsed: list[tuple[int, str, str, date]] = []
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for number, cells in enumerate(rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        result.rows += 1
        values = [cells[columns[c]] if columns[c] < len(cells) else None
                  for c in (CODE_COLUMN, CLASS_COLUMN, DATE_COLUMN)]
        errors, code, risk_class, day = _check_row(number, values[0], values[1], values[2],
                                                   today=today)
        if code and code in seen:
            errors.append(RowError(
                number, CODE_COLUMN,
                _("The same code is already on row {row}.").format(row=seen[code])))
        elif code:
            seen[code] = number
        result.errors += errors
        if not errors and risk_class and day:
            parsed.append((number, code, risk_class, day))
    targets: dict[str, list[Target]] = {}
    for target in Target.objects.filter(department__root_id=organisation_id,
                                        uscc__in=[p[1] for p in parsed]):
        targets.setdefault(target.uscc or "", []).append(target)
    plan = []
    for number, code, risk_class, day in parsed:
        if code not in targets:
            result.not_in_directory.append(number)
            continue
        plan.append((number, targets[code], risk_class, day))
    return result, plan


@transaction.atomic
def risk_import(*, actor: User, organisation_id: int, name: str, data: bytes
                ) -> RiskImportResult:
    """The market regulator's monthly classification (统一社会信用代码, 风险等级, 分类日期).

    All or nothing: any rejected row and nothing is written; the result names each row,
    column and reason. Codes not in the directory are counted, not rejected. After the
    import the office's rules apply again (a rule never lets an import lower a class below
    what the entity's record requires)."""
    _require_org(actor, organisation_id)
    result, plan = risk_import_check(organisation_id=organisation_id, name=name, data=data)
    if result.errors:
        return result
    touched: list[Target] = []
    for number, targets, risk_class, day in plan:
        for target in targets:
            change = _set_class(actor=actor, target=target, new=risk_class, set_on=day,
                                source=RiskSource.IMPORT, audit=False,
                                reason=_("{file}, row {row}").format(file=name, row=number))
            if change is None:
                result.unchanged += 1
            else:
                result.changed += 1
                touched.append(target)
    audit_record(actor=actor, action="credit.risk_import", object_type="credit.riskimport",
                 object_id=hashlib.sha256(data).hexdigest()[:16],
                 organisation_id=organisation_id,
                 summary=_("Risk classes imported from {file}: {changed} changed").format(
                     file=name, changed=result.changed),
                 data={"file": name, "sha256": hashlib.sha256(data).hexdigest(),
                       "rows": result.rows, "changed": result.changed,
                       "unchanged": result.unchanged,
                       "not_in_directory": result.not_in_directory})
    for target in touched:
        risk_rules_apply(target=target, actor=actor)
    return result


# -- Partner keys ------------------------------------------------------------------------------

def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def partner_token_create(*, actor: User, name: str, organisation_id: int,
                         rate_per_minute: int = 60) -> tuple[PartnerToken, str]:
    """A new key for a partner system: returned once, only its hash is kept."""
    _require_org(actor, organisation_id)
    if not name.strip():
        raise ValidationError({"name": _("Name the partner.")})
    if not 1 <= rate_per_minute <= 10000:
        raise ValidationError({"rate_per_minute": _("Between 1 and 10000 requests a minute.")})
    key = secrets.token_urlsafe(32)
    token = PartnerToken.objects.create(name=name.strip(), organisation_id=organisation_id,
                                        key_hash=key_hash(key), prefix=key[:8],
                                        rate_per_minute=rate_per_minute, created_by=actor)
    audit_record(actor=actor, action="credit.partner_token_create", obj=token,
                 organisation_id=organisation_id,
                 summary=_("Partner key issued to {name} ({prefix}…)").format(
                     name=token.name, prefix=token.prefix),
                 data={"name": token.name, "prefix": token.prefix,
                       "rate_per_minute": rate_per_minute})
    return token, key


@transaction.atomic
def partner_token_revoke(*, actor: User, token: PartnerToken) -> PartnerToken:
    _require_org(actor, token.organisation_id)
    token = PartnerToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This key was already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="credit.partner_token_revoke", obj=token,
                 organisation_id=token.organisation_id,
                 summary=_("Partner key of {name} ({prefix}…) revoked").format(
                     name=token.name, prefix=token.prefix), data={})
    return token


def may_manage(user: User) -> bool:
    return is_admin(user) or can(user, Domain.CREDIT, Action.CHANGE)
