"""Departments and users: every change is audited (never a password, nor its hash).

`is_staff` (the key to Django's admin) follows the role: only system administrators have it,
so the admin is never reachable by anyone else, whatever was set by hand before.
"""

from collections.abc import Mapping
from typing import Any, TypedDict

from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.snapshots import apply, diff, snapshot

from .choices import DepartmentKind, Role
from .models import Department, User
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
    if role == Role.ADMIN or (role in {Role.AUDITOR, Role.CITY} and department is None):
        return  # an auditor's scope is the organisations it audits; the city's, all of them
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
                email: str = "") -> User:
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
                 data={"after": snapshot(user, USER_FIELDS)})
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: UserChanges) -> User:
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
                 data={"changes": changes})
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


def check_self_lockout(*, actor: User, user: User, role: str, is_active: bool) -> None:
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
