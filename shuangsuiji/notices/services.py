"""Notices written in the transaction of the event that causes them, and the office's changes
to the outbox and the templates.

Draws and inspections come before notices in the flow: they send signals
(draws.signals.groups_drawn, inspections.signals.visit_scheduled) in their transaction, and
the receivers here write the outbox rows there, so a rolled-back draw leaves no notice and a
committed one never lacks its notices. After the commit the worker is asked to deliver.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import Domain, may_change_in
from shuangsuiji.core import crypto
from shuangsuiji.core.audit import audit_record
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entities.models import Contact
from shuangsuiji.inspections.models import Visit
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.rules.masking import mask_name, mask_phone
from shuangsuiji.rules.notice_text import TemplateError, check, mask_email, render

from .choices import Channel, Kind, State
from .defaults import DEFAULTS
from .models import Notice, NoticeTemplate

# A notice to an inspector lists at most this many targets; the task page lists them all.
GROUPS_LISTED = 20


@dataclass(frozen=True)
class Recipient:
    # A role and a name, never an address; in Chinese like the notice itself, whatever the
    # language of the request or worker that wrote it.
    label: str
    user: User | None = None
    phone: str = ""
    email: str = ""


def _routes(recipient: Recipient) -> list[tuple[str, str, str]]:
    """(channel, address, masked address) for each enabled channel the recipient has an
    address for: only the contacts the directories recorded."""
    enabled = set(settings.SHUANGSUIJI_NOTICE_CHANNELS)
    routes: list[tuple[str, str, str]] = []
    if recipient.user is not None and Channel.INBOX in enabled:
        routes.append((Channel.INBOX, "", ""))
    email, phone = recipient.email.strip(), recipient.phone.strip()
    if email and Channel.EMAIL in enabled:
        routes.append((Channel.EMAIL, email, mask_email(email)))
    if phone and Channel.SMS in enabled:
        routes.append((Channel.SMS, phone, mask_phone(phone)))
    external = [r for r in routes if r[0] != Channel.INBOX]
    if not external and Channel.CONSOLE in enabled and (phone or email):
        routes.append((Channel.CONSOLE, phone or email,
                       mask_phone(phone) if phone else mask_email(email)))
    return routes


def wording(organisation_id: int, kind: str) -> tuple[str, str]:
    """The organisation's subject and text of a kind of notice, or the default's."""
    own = NoticeTemplate.objects.filter(organisation_id=organisation_id, kind=kind).first()
    if own is not None:
        return own.subject, own.body
    return DEFAULTS[kind].subject, DEFAULTS[kind].body


def day_text(day: date) -> str:
    """2023年4月1日, as offices write a date."""
    return f"{day.year}年{day.month}月{day.day}日"


def _task_values(task: InspectionTask) -> dict[str, str]:
    root = task.initiating.root or task.initiating
    return {"organisation": root.name,
            "task_code": task.code, "task_name": task.name,
            "period_start": day_text(task.period_start),
            "period_end": day_text(task.period_end)}


def notices_write(*, organisation_id: int, kind: str, task: InspectionTask | None,
                  letters: Iterable[tuple[Recipient, dict[str, str]]],
                  dedup: str = "") -> int:
    """Outbox rows for each recipient and each of their channels, in the caller's
    transaction; the worker is asked to deliver once it commits. With `dedup`, a notice
    already written under the same key (recipient and channel) is not written again."""
    subject_t, body_t = wording(organisation_id, kind)
    rows: list[Notice] = []
    for recipient, values in letters:
        subject, body = render(subject_t, values), render(body_t, values)
        for channel, address, masked in _routes(recipient):
            key = (f"{dedup}:{recipient.label}:{recipient.user.pk if recipient.user else ''}:"
                   f"{channel}:{masked}") if dedup else None
            rows.append(Notice(organisation_id=organisation_id, kind=kind, channel=channel,
                               task=task, recipient=recipient.label[:100],
                               user=recipient.user if channel == Channel.INBOX else None,
                               address=crypto.encrypt(address), address_masked=masked,
                               subject=subject[:200], body=body, dedup_key=key))
    if dedup:
        taken = set(Notice.objects.filter(dedup_key__in=[r.dedup_key for r in rows])
                    .values_list("dedup_key", flat=True))
        rows = [r for r in rows if r.dedup_key not in taken]
    # A concurrent run may write the same deduplicated notice meanwhile: the unique key keeps
    # one, and this run's copy is dropped rather than failing the run.
    Notice.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=bool(dedup))
    if rows:
        transaction.on_commit(kick)
    return len(rows)


def kick() -> None:
    """Ask the background worker to deliver (outbox.py); harmless when it runs already."""
    from .tasks import deliver_notices  # the task module imports this one

    deliver_notices.enqueue()


# -- Events ----------------------------------------------------------------------------------

def _inspector_recipient(inspector: Any) -> Recipient:
    user = inspector.user
    return Recipient(label=f"执法检查人员 {inspector.name}", user=user,
                     phone=inspector.phone, email=user.email if user is not None else "")


def on_groups_drawn(sender: Any, *, task: InspectionTask, drawn_target_ids: list[int],
                    replaced: dict[str, str] | None = None, **_kwargs: Any) -> dict[str, int]:
    """To each inspector of the new groups: the task and their groups (派发名单)."""
    assignments = list(Assignment.objects.filter(
        task=task, drawn_target_id__in=drawn_target_ids, released_at__isnull=True)
        .select_related("inspector__user", "drawn_target__target", "department")
        .order_by("drawn_target__position", "drawn_target_id", "department_id", "position"))
    members: dict[tuple[int, int], list[str]] = defaultdict(list)
    for a in assignments:
        members[(a.drawn_target_id, a.department_id)].append(a.inspector.name)
    lines: dict[int, list[str]] = defaultdict(list)
    inspectors: dict[int, Any] = {}
    for a in assignments:
        inspectors[a.inspector_id] = a.inspector
        lines[a.inspector_id].append("· {target}（{ident}），{department}检查组：{names}".format(
            target=a.drawn_target.target.name, ident=a.drawn_target.ident,
            department=a.department.name,
            names="、".join(members[(a.drawn_target_id, a.department_id)])))
    base = _task_values(task)
    drawn_at = timezone.localtime(task.draw.drawn_at)
    kind = Kind.TASK_REPLACED if replaced else Kind.TASK_DRAWN
    letters = []
    for pk, inspector in inspectors.items():
        listed = lines[pk][:GROUPS_LISTED]
        if len(lines[pk]) > GROUPS_LISTED:
            listed.append(f"…… 共{len(lines[pk])}个检查对象，详见任务页面")
        values = base | {"name": inspector.name, "groups": "\n".join(listed),
                         "drawn_at": f"{day_text(drawn_at.date())} {drawn_at:%H:%M}"}
        if replaced:
            values |= {"replaced": replaced["ident"], "reason": replaced["reason"]}
        letters.append((_inspector_recipient(inspector), values))
    written = notices_write(organisation_id=task_organisation_id(task), kind=kind, task=task,
                            letters=letters)
    if replaced:
        written += _tell_released(task, replaced, base)
    return {"notices_written": written}


def _tell_released(task: InspectionTask, replaced: dict[str, str],
                   base: dict[str, str]) -> int:
    """To the inspectors of the replaced target's groups: they no longer inspect it."""
    released = (Assignment.objects.filter(task=task, drawn_target__ident=replaced["ident"],
                                          released_at__isnull=False)
                .select_related("inspector__user", "department").order_by("pk"))
    letters = [(_inspector_recipient(a.inspector),
                base | {"name": a.inspector.name, "replaced": replaced["ident"],
                        "reason": replaced["reason"], "department": a.department.name})
               for a in released]
    return notices_write(organisation_id=task_organisation_id(task), kind=Kind.TASK_RELEASED,
                         task=task, letters=letters)


def on_group_substituted(sender: Any, *, assignment: Assignment,
                         **_kwargs: Any) -> dict[str, int]:
    """换人 after a recusal: the one who takes the place learns the group; the one taken out
    that they no longer inspect the entity."""
    task, out = assignment.task, assignment.replaces
    if out is None:  # sent only for a substitution
        return {}
    target = assignment.drawn_target.target
    members = "、".join(Assignment.objects.filter(
        drawn_target=assignment.drawn_target, department=assignment.department,
        released_at__isnull=True).order_by("position").values_list("inspector__name", flat=True))
    base = _task_values(task) | {"target": target.name,
                                 "department": assignment.department.name}
    org = task_organisation_id(task)
    joined = notices_write(organisation_id=org, kind=Kind.GROUP_JOINED, task=task, letters=[
        (_inspector_recipient(assignment.inspector),
         base | {"name": assignment.inspector.name, "members": members})])
    left = notices_write(organisation_id=org, kind=Kind.GROUP_LEFT, task=task, letters=[
        (_inspector_recipient(out.inspector), base | {"name": out.inspector.name})])
    return {"notices_written": joined + left}


def _public_url(visit: Visit) -> str:
    return settings.SHUANGSUIJI_PUBLIC_URL.rstrip("/") + reverse("visit_public",
                                                                  args=[visit.token])


def on_visit_scheduled(sender: Any, *, visit: Visit, **_kwargs: Any) -> dict[str, int]:
    """To the entity's recorded contacts: the inspection notice (告知检查对象)."""
    task = visit.task
    target = visit.drawn_target.target
    if visit.agreed_date is None:  # visit_schedule always sets it; nothing to tell otherwise
        return {}
    items = [item.matter for part in task.participants.prefetch_related("items")
             .order_by("order", "pk") for item in part.items.all()]
    inspectors = [f"{a.inspector.name}（{a.department.name}）" for a in
                  Assignment.objects.filter(drawn_target=visit.drawn_target,
                                            released_at__isnull=True)
                  .select_related("inspector", "department").order_by("department_id",
                                                                      "position")]
    values = _task_values(task) | {
        "entity": target.name, "date": day_text(visit.agreed_date),
        "items": "；".join(dict.fromkeys(items)) or "—",
        "materials": visit.materials or "无", "inspectors": "、".join(inspectors),
        "verify_url": _public_url(visit)}
    letters = [(Recipient(label=f"{target.name}联系人 {mask_name(c.name)}", phone=c.phone),
                values)
               for c in Contact.objects.filter(target=target).exclude(phone="").order_by("pk")]
    return {"notices_written": notices_write(organisation_id=task_organisation_id(task),
                                             kind=Kind.INSPECTION_NOTICE, task=task,
                                             letters=letters)}


# -- The office's changes ----------------------------------------------------------------------

def _require(actor: User, organisation_id: int) -> None:
    if not may_change_in(actor, Domain.NOTICES, organisation_id):
        raise PermissionDenied


@transaction.atomic
def notice_retry(*, actor: User, notice: Notice) -> Notice:
    """Send a failed notice again (the office checked it did not go out)."""
    _require(actor, notice.organisation_id)
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.state != State.FAILED:
        raise ValidationError(_("Only a failed notice can be sent again."))
    attempts, error = locked.attempts, locked.last_error
    locked.state, locked.attempts, locked.next_attempt_at = State.PENDING, 0, None
    locked.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(actor=actor, action="notice.retry", obj=locked,
                 organisation_id=locked.organisation_id,
                 summary=_("Notice {pk} ({kind}) to {recipient}: to be sent again").format(
                     pk=locked.pk, kind=locked.get_kind_display(), recipient=locked.recipient),
                 data={"channel": locked.channel, "attempts": attempts, "last_error": error})
    transaction.on_commit(kick)
    return locked


@transaction.atomic
def notice_template_save(*, actor: User, organisation: Department, kind: str, subject: str,
                         body: str) -> NoticeTemplate:
    """The organisation's wording of a kind of notice; only the kind's placeholders."""
    _require(actor, organisation.pk)
    if kind not in DEFAULTS:
        raise ValidationError({"kind": _("Unknown kind of notice.")})
    allowed = set(DEFAULTS[kind].placeholders)
    subject, body = subject.strip(), body.strip()
    for field, text in (("subject", subject), ("body", body)):
        if not text:
            raise ValidationError({field: _("This field is required.")})
        try:
            check(text, allowed)
        except TemplateError as exc:
            raise ValidationError({field: _("{reason}. Placeholders of this notice: {names}")
                                   .format(reason=exc, names=", ".join(
                                       "{" + n + "}" for n in DEFAULTS[kind].placeholders))}
                                  ) from exc
    for name in DEFAULTS[kind].required:
        if "{" + name + "}" not in body:
            raise ValidationError({"body": _("The text must keep {placeholder}.").format(
                placeholder="{" + name + "}")})
    before = wording(organisation.pk, kind)
    template, _created = NoticeTemplate.objects.update_or_create(
        organisation=organisation, kind=kind,
        defaults={"subject": subject, "body": body, "updated_by": actor})
    audit_record(actor=actor, action="notice.template", obj=template,
                 organisation_id=organisation.pk,
                 summary=_("Notice template changed: {kind}").format(
                     kind=template.get_kind_display()),
                 data={"kind": kind, "before": {"subject": before[0], "body": before[1]},
                       "after": {"subject": subject, "body": body}})
    return template


def inbox_mark_read(*, user: User, notice_ids: list[int] | None = None) -> int:
    """Mark the user's in-site messages read (all, or those given); a reader's own act,
    of no consequence to others, so not audited."""
    unread = Notice.objects.inbox(user).filter(read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    return unread.update(read_at=timezone.now())
