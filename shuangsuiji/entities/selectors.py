"""Reads of the 检查对象名录库 for pages. The directory may hold a million rows: every filter
here is an indexed equality or prefix match, and text search narrows by code before name."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from shuangsuiji.accounts.scoping import Action, Domain, can, get_for_user
from shuangsuiji.core import search
from shuangsuiji.core.web import FieldChange, bounded_count, field_changes
from shuangsuiji.rules import code_tables, uscc

from .models import Contact, Target, TargetChange

# The GIN index over the names' bigrams (migration 0003).
NAME_INDEX = "entities_target_name_bigrams"
# The risk-class filter value for targets not yet classified.
UNCLASSIFIED = "none"
# What a code (or the start of one) looks like once normalised: no CJK, at least one digit.
_CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Z]{4,18}")
# The identifier draw records give a target without a code (Target.draw_id, "X-123"), once
# normalised ("X123"); no code starts with X, so it cannot be mistaken for one.
_DRAW_ID = re.compile(r"X(\d{1,18})")


def target_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Target]:
    """Targets the user may see, filtered by the list page's criteria."""
    filters = filters or {}
    targets = Target.objects.for_user(user).select_related("department")
    for key in ("reg_status", "source", "department"):
        value = filters.get(key)
        if value not in (None, ""):
            targets = targets.filter(**{key: value})
    risk = filters.get("risk_class")
    if risk:
        targets = targets.filter(risk_class="" if risk == UNCLASSIFIED else risk)
    # Codes are hierarchical (140500 city ⊃ 140502 district): a prefix selects a subtree.
    if region := (filters.get("region_code") or "").strip():
        targets = targets.filter(region_code__startswith=_region_prefix(region))
    if industry := (filters.get("industry_code") or "").strip():
        targets = targets.filter(_industry_prefix(industry.upper()))
    return target_search(targets, filters.get("q") or "")


def target_search(targets: QuerySet[Target], text: str) -> QuerySet[Target]:
    """A code (whole or its start), a draw id X-123, or else part of the name."""
    text = text.strip()
    if not text:
        return targets
    normalised = uscc.normalise(text)
    if match := _DRAW_ID.fullmatch(normalised):
        return targets.filter(pk=int(match.group(1)), uscc__isnull=True)
    if _CODE_LIKE.fullmatch(normalised):
        if len(normalised) == 18:
            return targets.filter(uscc=normalised)
        return targets.filter(uscc__startswith=normalised)
    # Any part of the name: on PostgreSQL the bigram index (migration 0003) finds it, from two
    # characters on; LIKE wildcards in the text are taken literally.
    return search.name_contains(targets, "name", text, index=NAME_INDEX)


def _industry_prefix(code: str) -> Q:
    """Industry codes are kept as written, with their section letter or without (K7020 or
    7020): a filter matches both ways, and a section matches its divisions' digits."""
    if code.isalpha():
        match = Q(industry_code__startswith=code)
        for division in (e.code for e in code_tables.industries().values() if e.parent == code):
            match |= Q(industry_code__startswith=division)
        return match
    digits = code.lstrip("ABCDEFGHIJKLMNOPQRST")
    section = code_tables.section_of(digits)
    if not digits or not section or (code != digits and code[0] != section):
        return Q(industry_code__startswith=code)
    return Q(industry_code__startswith=digits) | Q(industry_code__startswith=section + digits)


def _region_prefix(code: str) -> str:
    # 140500 means "the city 1405": drop the trailing zero pairs of a higher-level code.
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def organisation_targets(*, organisation_ids: Collection[int] | None) -> QuerySet[Target]:
    """The targets in these organisations' directories (None: every directory), unscoped: for
    reads whose right is not the directory's (conflicts, partner systems' keys)."""
    targets = Target.objects.all()
    if organisation_ids is None:
        return targets
    return targets.filter(department__root_id__in=organisation_ids)


def target_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> Target:
    return get_for_user(Target.objects.select_related("department"), user, action, pk=pk)


def contact_get(*, target: Target, pk: int) -> Contact:
    """A contact of a target the caller has already fetched with the right permission."""
    return get_object_or_404(target.contacts, pk=pk)


@dataclass(frozen=True)
class HistoryEntry:
    change: TargetChange
    changes: list[FieldChange]


def target_history(*, target: Target) -> QuerySet[TargetChange]:
    return target.changes.select_related("actor", "import_job")


def history_entries(changes: Any) -> list[HistoryEntry]:
    """Field diffs for one page of TargetChange rows."""
    return [HistoryEntry(c, field_changes(Target, c.before, c.after)) for c in changes]


def target_licences(*, target: Target) -> QuerySet[Any]:
    return target.licences.select_related("import_job").order_by("-valid_to", "number")


def target_summary(*, user: Any) -> dict[str, Any] | None:
    """The home page's panel: the total and the targets not yet risk-classified, each counted
    up to core.web.COUNT_LIMIT (a province's directory is 10 million rows: "10000+")."""
    if not can(user, Domain.TARGETS):
        return None
    targets = Target.objects.for_user(user).order_by()
    total, more = bounded_count(targets)
    unclassified, more_unclassified = bounded_count(targets.filter(risk_class=""))
    counts = {"total": total, "more": more, "unclassified": unclassified,
              "more_unclassified": more_unclassified}
    return counts | {"unclassified_filter": UNCLASSIFIED,
                     "can_change": can(user, Domain.TARGETS, Action.CHANGE)}


# -- The city's shared directory: one entity, each organisation's view ------------------------

def view_of(*, target: Target, organisation_id: int | None) -> Target | None:
    """The organisation's own row of the entity `target` stands for: `target` itself when it
    is in that organisation's directory, else the organisation's row with the same
    统一社会信用代码 (the oldest, should it have two); None when the organisation does not
    know the entity, or `target` has no code (it cannot be matched across directories)."""
    if organisation_id is None:
        return None
    if target.department.root_id == organisation_id:
        return target
    if not target.uscc:
        return None
    return (Target.objects.filter(department__root_id=organisation_id, uscc=target.uscc)
            .select_related("department").order_by("pk").first())


def same_entity(target: Target, prefix: str = "") -> Q:
    """Rows of the entity `target` stands for, in any directory, through `prefix`: those with
    its code; a target without one is only itself."""
    if target.uscc:
        return Q(**{f"{prefix}uscc": target.uscc})
    return Q(**{f"{prefix}pk": target.pk})


@dataclass(frozen=True)
class KnownTo:
    """An organisation's row of an entity, with the facts any organisation may read of it."""

    organisation_id: int
    organisation: str
    target_id: int
    name: str
    reg_status: str
    reg_status_label: str


def known_to(*, uscc: str) -> list[KnownTo]:
    """Every organisation whose directory holds the entity, and its row's public facts (name,
    registration status), by the organisation's name; never a risk class or a contact.
    Unscoped: callers decide who may read it (entities.views: the city and administrators
    for every organisation, staff for the names alone)."""
    rows = (Target.objects.filter(uscc=uscc).select_related("department__root")
            .order_by("department__root__name", "pk"))
    seen: dict[int, KnownTo] = {}
    for row in rows:
        org = row.department.root or row.department
        seen.setdefault(org.pk, KnownTo(org.pk, org.name, row.pk, row.name, row.reg_status,
                                        str(row.get_reg_status_display())))
    return list(seen.values())
