"""Departments and users: every change is audited (never a password, nor its hash).

`is_staff` (the key to Django's admin) follows the role: only system administrators have it,
so the admin is never reachable by anyone else, whatever was set by hand before.
"""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.snapshots import apply, diff, snapshot
from shuangsuiji.rules import claim_rules

from .choices import DepartmentKind, Role
from .models import ClaimRule, Department, EvaluatorGrant, ExternalIdentity, User
from .scoping import is_admin, organisation_id, user_organisation_id

DEPARTMENT_FIELDS = ["code", "name", "kind", "parent", "region_code", "is_active"]
# Fields a department keeps for life: draw records and the tree's `root` refer to them.
DEPARTMENT_FIXED = {"code", "kind", "parent"}
USER_FIELDS = ["username", "full_name", "email", "role", "department", "is_active", "is_staff"]
USER_EDITABLE = {"full_name", "email", "role", "department", "is_active"}


class DepartmentChanges(TypedDict, total=False):
    """What department_update is given; code, kind and parent only as they are."""

    code: str
    name: str
    kind: str
    parent: Department | int | None
    region_code: str
    is_active: bool


class UserChanges(TypedDict, total=False):
    """What user_update changes (USER_EDITABLE); a foreign key as an instance or an id."""

    full_name: str
    email: str
    role: str
    department: Department | int | None
    is_active: bool


@transaction.atomic
def department_create(*, actor: User | None, code: str, name: str, kind: str,
                      parent: Department | None = None, region_code: str = "") -> Department:
    """Add a department: an office, one of its sections, or a cooperating department."""
    department = Department(code=code.strip(), name=name.strip(), kind=kind, parent=parent,
                            region_code=region_code.strip())
    check_department_tree(department)
    department.full_clean()
    department.save()
    audit_record(actor=actor, action="department.create", obj=department,
                 organisation_id=organisation_id(department),
                 summary=_("Department {name} ({code}) created").format(
                     name=department.name, code=department.code),
                 data={"after": snapshot(department, DEPARTMENT_FIELDS)})
    return department


def check_department_tree(department: Department) -> None:
    """ValidationError unless the department's kind fits its parent's."""
    # A section belongs to an office; a brigade belongs to its cooperating department. Mixing
    # the two would let one organisation's users see the other's directories.
    parent = department.parent
    if department.kind == DepartmentKind.SECTION and parent is None:
        raise ValidationError({"parent": _("A section needs the office it belongs to.")})
    if parent is None:
        return
    parent_is_external = parent.kind == DepartmentKind.EXTERNAL
    if parent_is_external != (department.kind == DepartmentKind.EXTERNAL):
        raise ValidationError({"parent": _(
            "A cooperating department's unit must be of the kind \"cooperating department\", "
            "and an office's unit of the kind \"section\".")})


@transaction.atomic
def department_update(*, actor: User, department: Department,
                      data: DepartmentChanges) -> Department:
    """Rename, re-region or (de)activate a department; its code, kind and parent are fixed."""
    fixed = sorted(DEPARTMENT_FIXED & set(data))
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(department, DEPARTMENT_FIELDS)
    given: Mapping[str, object] = data
    for name in fixed:
        if given[name] != getattr(department, name):
            raise ValidationError({name: _("This cannot be changed once the department exists.")})
    apply(department, {k: v for k, v in data.items() if k not in DEPARTMENT_FIXED})
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if not changes:
        return department
    department.full_clean()
    department.save()
    audit_record(actor=actor, action="department.update", obj=department,
                 organisation_id=organisation_id(department),
                 summary=_("Department {name} changed: {fields}").format(
                     name=department.name, fields=", ".join(changes)),
                 data={"changes": changes})
    return department


def check_role(*, role: str, department: Department | None) -> None:
    """ValidationError unless the role may be held in that department."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role \"{role}\".").format(role=role)})
    if role == Role.ADMIN or (role in {Role.AUDITOR, Role.CITY, Role.EVALUATOR}
                              and department is None):
        # an auditor's scope is the organisations it audits; the city's, all of them; an
        # evaluator's, the periods it is granted (EvaluatorGrant)
        return
    if department is None:
        raise ValidationError({"department": _("Every role except the system administrator "
                                               "belongs to a department.")})
    root = department.root or department
    if role == Role.PARTNER and root.kind != DepartmentKind.EXTERNAL:
        raise ValidationError({"department": _(
            "A cooperating-department user must belong to a cooperating department.")})
    if role in {Role.OFFICE, Role.SECTION} and root.kind == DepartmentKind.EXTERNAL:
        raise ValidationError({"department": _(
            "The organising office and business sections belong to a regulating office.")})


@transaction.atomic
def user_create(*, actor: User | None, username: str, password: str | None, role: str,
                department: Department | None = None, full_name: str = "",
                email: str = "", source: str = "") -> User:
    """Open an account; the password must pass the configured password validators.

    With no password the account cannot sign in until one is set (an inspector's account
    opened with the directory, before the person activates it)."""
    check_role(role=role, department=department)
    user = User(username=username.strip(), full_name=full_name.strip(), email=email.strip(),
                role=role, department=department, is_staff=role == Role.ADMIN)
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        _validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user,
                 organisation_id=user_organisation_id(user),
                 summary=_("User {username} created with the role {role}").format(
                     username=user.username, role=user.get_role_display()),
                 data={"after": snapshot(user, USER_FIELDS),
                       **({"source": source} if source else {})})
    return user


@transaction.atomic
def user_update(*, actor: User | None, user: User, data: UserChanges,
                source: str = "") -> User:
    """Change a user's name, e-mail, role, department or whether the account is active."""
    unknown = sorted(set(data) - USER_EDITABLE)
    if unknown:
        raise ValidationError({unknown[0]: _("This field is not changed here.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_FIELDS)
    apply(user, data)
    check_role(role=user.role, department=user.department)
    check_self_lockout(actor=actor, user=user, role=user.role, is_active=user.is_active)
    user.is_staff = user.role == Role.ADMIN
    after = snapshot(user, USER_FIELDS)
    changes = diff(before, after)
    if not changes:
        return user
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.update", obj=user,
                 organisation_id=user_organisation_id(user),
                 summary=_("User {username} changed: {fields}").format(
                     username=user.username, fields=", ".join(changes)),
                 data={"changes": changes, **({"source": source} if source else {})})
    return user


@transaction.atomic
def user_set_audited_organisations(*, actor: User | None, user: User,
                                   organisations: list[Department]) -> User:
    """The organisations an auditor reads (its full draw records and audit log)."""
    if user.role != Role.AUDITOR and organisations:
        raise ValidationError({"audited_organisations": _(
            "Only an auditor is given organisations to audit.")})
    tops = [d for d in organisations if d.parent_id is not None]
    if tops:
        raise ValidationError({"audited_organisations": _(
            "{name} is part of an organisation: give the organisation itself.").format(
                name=tops[0].name)})
    before = sorted(user.audited_organisations.values_list("code", flat=True))
    user.audited_organisations.set(organisations)
    after = sorted(d.code for d in organisations)
    user._audited_ids = None
    if before != after:
        audit_record(actor=actor, action="user.audit_scope", obj=user, organisation_id=None,
                     summary=_("User {username} audits: {codes}").format(
                         username=user.username, codes=", ".join(after) or "—"),
                     data={"before": before, "after": after})
    return user


def check_self_lockout(*, actor: User | None, user: User, role: str, is_active: bool) -> None:
    """An administrator may not deactivate themselves or drop their own role (no lock-out)."""
    if getattr(actor, "pk", None) != user.pk:
        return
    if not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if role != Role.ADMIN and not user.is_superuser:
        raise ValidationError({"role": _("You cannot take away your own administrator role.")})


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Set a new password (validated); the audit entry says who set it, never what it is."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password", obj=user,
                 organisation_id=user_organisation_id(user),
                 summary=_("Password of {username} set").format(username=user.username),
                 data={})
    return user


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def login_unlock(*, actor: User, username: str = "", address: str = "") -> int:
    """End a sign-in lockout: forget the failed sign-ins of an account (from every address)
    and/or of an address (for every user name). Audited; returns the failures forgotten."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only a system administrator can unlock sign-ins."))
    if not username and not address:
        raise ValidationError({"username": _("Name the account or the address to unlock.")})
    match = Q()
    if username:
        match |= Q(username=username)
    if address:
        match |= Q(ip_address=address)
    attempts = AccessAttempt.objects.filter(match)
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    attempts.delete()
    user = User.objects.filter(username=username).select_related("department").first() \
        if username else None
    if username and address:
        summary = _("Sign-ins of {username} and from {address} unlocked").format(
            username=username, address=address)
    elif username:
        summary = _("Sign-in of {username} unlocked").format(username=username)
    else:
        summary = _("Sign-ins from the address {address} unlocked").format(address=address)
    target: dict[str, Any] = {"obj": user} if user is not None else (
        {"object_type": "address", "object_id": address} if address else {})
    audit_record(actor=actor, action="login.unlock", **target,
                 organisation_id=user_organisation_id(user) if user else None,
                 summary=summary,
                 data={"username": username or None, "address": address or None,
                       "failures": failures})
    return failures


# 统一身份认证: the administrator's sign-on rules and what a sign-in does with them.
CLAIM_RULE_FIELDS = ["position", "claim", "value", "is_pattern", "department", "role",
                     "update_existing", "is_active"]
SSO_SOURCE = "oidc"


class ClaimRuleData(TypedDict, total=False):
    """A sign-on rule's fields (CLAIM_RULE_FIELDS); the department as an instance or an id."""

    position: int
    claim: str
    value: str
    is_pattern: bool
    department: Department | int | None
    role: str
    update_existing: bool
    is_active: bool


class SignInRefused(PermissionDenied):
    """A unified-identity sign-in the rules do not admit; the message says why, in words."""


def _check_claim_rule(rule: ClaimRule) -> None:
    rule.claim = rule.claim.strip()
    if rule.is_pattern:
        problem = claim_rules.pattern_error(rule.value)
        if problem == "too_long":
            raise ValidationError({"value": _("A pattern has at most {n} characters.").format(
                n=claim_rules.MAX_PATTERN_LENGTH)})
        if problem is not None:
            raise ValidationError({"value": _("This is not a valid regular expression.")})
    check_role(role=rule.role, department=rule.department)


def _rule_organisation(rule: ClaimRule) -> int | None:
    return organisation_id(rule.department) if rule.department is not None else None


@transaction.atomic
def claim_rule_create(*, actor: User, data: ClaimRuleData) -> ClaimRule:
    """Add a sign-on rule (system administrators only)."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only a system administrator edits the sign-on rules."))
    rule = ClaimRule()
    apply(rule, dict(data))
    _check_claim_rule(rule)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="sso_rule.create", obj=rule,
                 organisation_id=_rule_organisation(rule),
                 summary=_("Sign-on rule added: {rule}").format(rule=rule),
                 data={"after": snapshot(rule, CLAIM_RULE_FIELDS)})
    return rule


@transaction.atomic
def claim_rule_update(*, actor: User, rule: ClaimRule, data: ClaimRuleData) -> ClaimRule:
    """Change a sign-on rule; it applies from the next sign-in."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only a system administrator edits the sign-on rules."))
    rule = ClaimRule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, CLAIM_RULE_FIELDS)
    apply(rule, dict(data))
    _check_claim_rule(rule)
    changes = diff(before, snapshot(rule, CLAIM_RULE_FIELDS))
    if not changes:
        return rule
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="sso_rule.update", obj=rule,
                 organisation_id=_rule_organisation(rule),
                 summary=_("Sign-on rule changed: {rule}").format(rule=rule),
                 data={"changes": changes})
    return rule


@transaction.atomic
def claim_rule_delete(*, actor: User, rule: ClaimRule) -> None:
    """Remove a sign-on rule (the accounts it made stay; an account no rule admits any longer
    is refused at its next sign-in)."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only a system administrator edits the sign-on rules."))
    before = snapshot(rule, CLAIM_RULE_FIELDS)
    audit_record(actor=actor, action="sso_rule.delete", obj=rule,
                 organisation_id=_rule_organisation(rule),
                 summary=_("Sign-on rule removed: {rule}").format(rule=rule),
                 data={"before": before})
    rule.delete()


def _active_rules() -> list[claim_rules.ClaimRule]:
    return [claim_rules.ClaimRule(claim=r.claim, value=r.value, is_pattern=r.is_pattern,
                                  department_code=r.department.code if r.department else "",
                                  role=r.role, key=r.pk)
            for r in ClaimRule.objects.filter(is_active=True).select_related("department")]


def _text_claim(claims: Mapping[str, object], name: str, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _free_username(claims: Mapping[str, object]) -> str:
    """A user name for a new account: the provider's preferred one when it is free (never an
    existing local account's: that would hand it to whoever the provider names so)."""
    wanted = re.sub(r"[^\w.@+-]", "", _text_claim(claims, "preferred_username", 140))
    base = wanted or "sso-" + re.sub(r"[^\w.@+-]", "", str(claims.get("sub", "")))[:40]
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _identity_summary(claims: Mapping[str, object]) -> dict[str, str]:
    """What the audit log keeps of a sign-in: who, never the claims' other personal data."""
    return {"issuer": str(claims.get("iss", "")), "subject": str(claims.get("sub", "")),
            "preferred_username": _text_claim(claims, "preferred_username", 150)}


def sso_sign_in(*, claims: Mapping[str, object]) -> User:
    """The account of a unified-identity sign-in, by the verified claims (ID token and user
    info): found by its issuer and `sub`, made on the first sign-in when a rule matches, its
    department and role brought to the rule's; SignInRefused, audited, when no rule matches."""
    try:
        return _sso_account(claims)
    except SignInRefused as refused:
        # Its own transaction: the refusal stays recorded whatever the caller does.
        with transaction.atomic():
            audit_record(actor=None, action="login.sso_refused", object_type="identity",
                         object_id=str(claims.get("sub", ""))[:64],
                         summary=_("Unified sign-in refused: {reason}").format(
                             reason=refused.args[0]),
                         data=_identity_summary(claims))
        raise


@transaction.atomic
def _sso_account(claims: Mapping[str, object]) -> User:
    subject = claim_rules.stable_subject(claims)
    if subject is None:
        raise SignInRefused(_("The identity platform did not say who you are (no issuer or "
                              "subject)."))
    rule = claim_rules.first_match(_active_rules(), claims)
    if rule is None:
        raise SignInRefused(_("Your unified identity account has no access to this platform: "
                              "no sign-on rule matches it. Ask a system administrator."))
    department = Department.objects.filter(code=rule.department_code).first() \
        if rule.department_code else None
    issuer, sub = subject
    identity = (ExternalIdentity.objects.select_for_update().select_related("user")
                .filter(issuer=issuer, subject=sub).first())
    if identity is None:
        user = user_create(actor=None, username=_free_username(claims), password=None,
                           role=rule.role, department=department,
                           full_name=_text_claim(claims, "name", 50),
                           email=_text_claim(claims, "email", 254), source=SSO_SOURCE)
        ExternalIdentity.objects.create(user=user, issuer=issuer, subject=sub)
        return user
    user = identity.user
    if not user.is_active:
        raise SignInRefused(_("This account is deactivated. Ask a system administrator."))
    stored = ClaimRule.objects.filter(pk=rule.key).values_list("update_existing", flat=True)
    if stored.first() and (user.role != rule.role or user.department_id != (
            department.pk if department else None)):
        user = user_update(actor=None, user=user, source=SSO_SOURCE,
                           data={"role": rule.role, "department": department})
    return user


def may_grant_evaluator(actor: User | None, organisation: Department) -> bool:
    """An administrator, or the office of the organisation whose records are opened (a
    cooperating department's staff for their own)."""
    if actor is None or is_admin(actor):
        return True
    return (actor.role in {Role.OFFICE, Role.PARTNER}
            and user_organisation_id(actor) == organisation.pk)


@transaction.atomic
def evaluator_grant_create(*, actor: User | None, user: User, organisation: Department,
                           period_from: date, period_to: date, expires_on: date | None,
                           reason: str) -> EvaluatorGrant:
    """Open one organisation's records of a period to a third-party evaluator; audited."""
    if not may_grant_evaluator(actor, organisation):
        raise PermissionDenied
    if user.role != Role.EVALUATOR:
        raise ValidationError({"user": _("Only a third-party evaluator's account is given a "
                                         "period to read.")})
    if organisation.parent_id is not None:
        raise ValidationError({"organisation": _(
            "{name} is part of an organisation: give the organisation itself.").format(
                name=organisation.name)})
    if period_from > period_to:
        raise ValidationError({"period_to": _("The period ends before it begins.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the evaluator reads these records.")})
    grant = EvaluatorGrant.objects.create(
        user=user, organisation=organisation, period_from=period_from, period_to=period_to,
        expires_on=expires_on, reason=reason.strip(),
        granted_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action="evaluator_grant.create", obj=grant,
                 organisation_id=organisation.pk,
                 summary=_("{username} may read {organisation}'s records of {start} to {end}")
                 .format(username=user.username, organisation=organisation.name,
                         start=period_from, end=period_to),
                 data={"user": user.username, "organisation": organisation.code,
                       "period_from": period_from.isoformat(),
                       "period_to": period_to.isoformat(),
                       "expires_on": expires_on.isoformat() if expires_on else None,
                       "reason": grant.reason})
    return grant


@transaction.atomic
def evaluator_grant_revoke(*, actor: User | None, grant: EvaluatorGrant) -> EvaluatorGrant:
    """End a grant now (it stays on record); audited."""
    grant = EvaluatorGrant.objects.select_for_update().get(pk=grant.pk)
    if not may_grant_evaluator(actor, grant.organisation):
        raise PermissionDenied
    if grant.revoked_at is not None:
        raise ValidationError(_("The grant has already been revoked."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor if getattr(actor, "pk", None) else None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="evaluator_grant.revoke", obj=grant,
                 organisation_id=grant.organisation_id,
                 summary=_("{username} no longer reads {organisation}'s records of {start} to "
                           "{end}").format(username=grant.user.username,
                                           organisation=grant.organisation.name,
                                           start=grant.period_from, end=grant.period_to),
                 data={"user": grant.user.username})
    return grant
