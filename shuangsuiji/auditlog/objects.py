"""The object of each audit entry as a reader sees it: its kind, its name and, when the reader
may open it, a link to its page.

Names are loaded in bulk for a page of entries: one query per kind of object on the page and
one per kind that links, never one per entry. A link is shown only to a page the reader may
open (the same scoping the page itself applies), and an object that no longer exists shows its
stored id and “deleted”.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangsuiji.accounts.scoping import Action, Domain, can, scope_for
from shuangsuiji.core.audit_labels import action_label
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.core.web import viewable_ids
from shuangsuiji.credit.models import RiskRule
from shuangsuiji.credit.selectors import targets_for
from shuangsuiji.enforcement.models import IssuedDocument
from shuangsuiji.inspections.models import FollowUp
from shuangsuiji.inspections.permissions import viewable_results
from shuangsuiji.oversight.filings import filings_for
from shuangsuiji.plans.proposals import proposals_for
from shuangsuiji.portal.selectors import published_results


@dataclass(frozen=True)
class ObjectKind:
    """How to name an object of one type and where its page is."""

    related: tuple[str, ...] = ()
    name: Callable[[Any], str] = str
    url: str = ""  # the URL name of its page, taking `pk`
    link_pk: Callable[[Any], int | None] = lambda obj: obj.pk
    # Which of these link_pk values the reader may open; default: the model's scoped
    # queryset (`for_user`), as the page's own selector uses it.
    viewable: Callable[[Any, set[int]], set[int]] | None = None


def _task_name(task: Any) -> str:
    return f"{task.code} {task.name}"


def _inspection_name(inspection: Any) -> str:
    return f"{inspection.visit.drawn_target.target.name} · {inspection.department.name}"


def _visit_name(visit: Any) -> str:
    return f"{visit.task.code} · {visit.drawn_target.target.name}"


def _viewable_results(user: Any, ids: set[int]) -> set[int]:
    return set(viewable_results(user).filter(pk__in=ids).values_list("pk", flat=True))


def _viewable_follow_ups(user: Any, ids: set[int]) -> set[int]:
    return set(FollowUp.objects.filter(pk__in=ids).filter(
        models.Q(owner_id=user.pk) | models.Q(inspection__in=viewable_results(user)))
        .values_list("pk", flat=True))


def _viewable_documents(user: Any, ids: set[int]) -> set[int]:
    return set(IssuedDocument.objects.filter(pk__in=ids, inspection__in=viewable_results(user))
               .values_list("pk", flat=True))


def _viewable_credit_files(user: Any, ids: set[int]) -> set[int]:
    return set(targets_for(user).filter(pk__in=ids).values_list("pk", flat=True))


def _viewable_rules(user: Any, ids: set[int]) -> set[int]:
    if not can(user, Domain.CREDIT, Action.CHANGE):
        return set()
    rules = RiskRule.objects.filter(pk__in=ids)
    scope = scope_for(user, Domain.CREDIT, Action.CHANGE)
    if not scope.everything:
        rules = rules.filter(organisation_id__in=scope.organisation_ids)
    return set(rules.values_list("pk", flat=True))


def _viewable_public_results(user: Any, ids: set[int]) -> set[int]:
    return set(published_results().filter(pk__in=ids).values_list("pk", flat=True))


KINDS: dict[str, ObjectKind] = {
    "accounts.department": ObjectKind(name=lambda d: d.name),
    "accounts.user": ObjectKind(name=lambda u: u.full_name or u.username),
    "accounts.claimrule": ObjectKind(),
    "catalog.inspectionitem": ObjectKind(url="catalog:detail"),
    "entities.target": ObjectKind(name=lambda t: t.name, url="entities:detail"),
    "inspectors.inspector": ObjectKind(name=lambda i: i.name, url="inspectors:detail"),
    "inspectors.conflict": ObjectKind(related=("inspector", "target"),
                                      name=lambda c: f"{c.inspector.name} ↔ {c.target.name}"),
    "imports.importjob": ObjectKind(url="imports:detail"),
    "plans.annualplan": ObjectKind(name=lambda p: p.title, url="plans:detail"),
    "plans.inspectiontask": ObjectKind(name=_task_name, url="plans:task_detail"),
    "oversight.reportfiling": ObjectKind(
        related=("organisation",), name=lambda f: f"{f.organisation.name} {f.year}",
        url="oversight:filing_pdf",
        viewable=lambda user, ids: set(filings_for(user).filter(pk__in=ids)
                                       .values_list("pk", flat=True))),
    "plans.jointproposal": ObjectKind(
        name=lambda p: p.title, url="plans:proposal_detail",
        viewable=lambda user, ids: set(proposals_for(user).filter(pk__in=ids)
                                       .values_list("pk", flat=True))),
    "inspections.visit": ObjectKind(related=("task", "drawn_target__target"), name=_visit_name,
                                    url="inspections:visit"),
    "inspections.inspection": ObjectKind(
        related=("visit__drawn_target__target", "department"), name=_inspection_name,
        url="inspections:result", viewable=_viewable_results),
    "inspections.followup": ObjectKind(
        related=("inspection__visit__drawn_target__target",),
        name=lambda f: f"{f.get_kind_display()} · {f.inspection.visit.drawn_target.target.name}",
        url="inspections:followup", viewable=_viewable_follow_ups),
    "inspections.violationcategory": ObjectKind(),
    "enforcement.issueddocument": ObjectKind(
        related=("inspection__visit__drawn_target__target",),
        name=lambda d: f"{d.number} · {d.inspection.visit.drawn_target.target.name}",
        url="enforcement:document", viewable=_viewable_documents),
    "enforcement.numberingscheme": ObjectKind(),
    "publication.publishedresult": ObjectKind(
        name=lambda r: f"{r.entity_name or r.uscc} · {r.task_code}", url="portal:result",
        viewable=_viewable_public_results),
    "publication.redaction": ObjectKind(
        related=("inspection__visit__drawn_target__target",),
        name=lambda r: r.inspection.visit.drawn_target.target.name),
    "publication.exportbatch": ObjectKind(
        name=lambda b: f"{b.get_channel_display()} · {b.created_at:%Y-%m-%d}"),
    "credit.riskrule": ObjectKind(url="credit:rule", viewable=_viewable_rules),
    "credit.blacklistentry": ObjectKind(related=("target",), name=lambda e: e.target.name,
                                        url="credit:file", link_pk=lambda e: e.target_id,
                                        viewable=_viewable_credit_files),
    "credit.complaint": ObjectKind(related=("target",), name=lambda c: c.target.name,
                                   url="credit:file", link_pk=lambda c: c.target_id,
                                   viewable=_viewable_credit_files),
    "credit.partnertoken": ObjectKind(name=lambda t: t.name),
    "field.fieldsession": ObjectKind(related=("user",), name=lambda s: f"{s.user} · {s.device}"),
    "workdays.calendarday": ObjectKind(name=lambda d: d.date.isoformat()),
    "workdays.calendaryear": ObjectKind(name=lambda y: str(y.year)),
}

# Objects that are not rows of a model: what they are, and their stored id is their name.
NOT_MODELS: dict[str, Promise] = {
    "address": gettext_lazy("Network address"),
    "identity": gettext_lazy("Unified identity (sub)"),
    "credit.riskimport": gettext_lazy("Credit risk class import"),
}


@dataclass
class ShownObject:
    kind: str = ""
    name: str = ""
    url: str = ""
    deleted: bool = False


@dataclass
class ShownEvent:
    """An audit entry with its action's label and its object as shown on the page."""

    event: AuditEvent
    action_label: str
    object: ShownObject

    def __getattr__(self, name: str) -> Any:  # seq, at, action, summary… of the entry
        return getattr(self.event, name)

    @property
    def actor_name(self) -> str:
        """Who acted: the user's name, “system” for the platform itself, else as stored."""
        if self.event.actor is not None:
            return str(self.event.actor)
        return _("System") if self.event.actor_label == "system" else self.event.actor_label


def object_kind_label(object_type: str) -> str:
    """The kind of object as the office calls it: the model's verbose name."""
    if not object_type:
        return ""
    if object_type in NOT_MODELS:
        return capfirst(str(NOT_MODELS[object_type]))
    model = _model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """The object filter's options: every kind of object the log names, by its name."""
    types = [*KINDS, *NOT_MODELS]
    return sorted(((t, object_kind_label(t)) for t in types), key=lambda c: c[1])


def shown_events(events: Iterable[AuditEvent], user: Any) -> list[ShownEvent]:
    """These entries with action labels, object names and links, loaded per kind of object."""
    events = list(events)
    by_type: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id:
            by_type[event.object_type].add(event.object_id)
    found: dict[tuple[str, str], ShownObject] = {}
    for object_type, ids in by_type.items():
        found.update(_load(object_type, ids, user))
    shown = []
    for event in events:
        obj = found.get((event.object_type, event.object_id)) or ShownObject(
            kind=object_kind_label(event.object_type), name=event.object_id)
        shown.append(ShownEvent(event, action_label(event.action), obj))
    return shown


def object_labels(events: Iterable[AuditEvent], user: Any) -> dict[int, str]:
    """Each entry's object as one line of text (kind, name, “deleted”), by sequence number."""
    return {e.seq: _one_line(e.object) for e in shown_events(events, user)}


def _one_line(obj: ShownObject) -> str:
    text = " ".join(part for part in (obj.kind, obj.name) if part)
    return _("{object} (deleted)").format(object=text) if obj.deleted else text


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _load(object_type: str, ids: set[str], user: Any) -> dict[tuple[str, str], ShownObject]:
    model = _model(object_type)
    if model is None:
        return {}
    kind = KINDS.get(object_type, ObjectKind())
    label = capfirst(str(model._meta.verbose_name))
    pks = {pk for pk in ids if pk.isdigit()}
    rows = {str(obj.pk): obj
            for obj in model._default_manager.select_related(*kind.related).filter(pk__in=pks)}
    links: dict[str, str] = {}
    if kind.url and rows:
        targets = {key: kind.link_pk(obj) for key, obj in rows.items()}
        wanted = {pk for pk in targets.values() if pk is not None}
        if kind.viewable is not None:
            allowed = kind.viewable(user, wanted)
        else:
            allowed = viewable_ids(model._default_manager, user, wanted)
        links = {key: reverse(kind.url, kwargs={"pk": pk}) for key, pk in targets.items()
                 if pk in allowed}
    out = {}
    for pk in ids:
        obj = rows.get(pk)
        out[(object_type, pk)] = (
            ShownObject(kind=label, name=f"#{pk}", deleted=True) if obj is None else
            ShownObject(kind=label, name=kind.name(obj), url=links.get(pk, "")))
    return out
