"""Small helpers the directory pages share: permission checks, form plumbing, field diffs."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, ScopedQuerySet, can, scope_for

PAGE_SIZE = 50
# A list counts its rows up to this many and says "more than" past it: counting a province's
# 10 million targets for every page took a second of the database's time (benchmarks/load.py).
COUNT_LIMIT = 10_000


def bounded_count(items: Any, limit: int | None = None) -> tuple[int, bool]:
    """How many rows, reading at most `limit` (COUNT_LIMIT) + 1 of them; and whether there
    were more."""
    limit = COUNT_LIMIT if limit is None else limit
    n = items[: limit + 1].count() if hasattr(items, "query") else len(items[: limit + 1])
    return min(n, limit), n > limit


class BoundedPaginator(Paginator):
    """Pages over a count that stops at COUNT_LIMIT: past it, `more` is true and the pages
    end at the limit (narrow the search to go further)."""

    more = False

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_bounded"):
            self._bounded, self.more = bounded_count(self.object_list)
        return self._bounded


def require(user: Any, domain: Domain, action: Action = Action.VIEW) -> None:
    """403 unless the user's role may do `action` somewhere in `domain`."""
    if not can(user, domain, action):
        raise PermissionDenied


def may_change(queryset: ScopedQuerySet, user: Any, obj: models.Model) -> bool:
    """Whether `user` may change this very object (the same rule the server enforces on POST)."""
    return queryset.for_user(user, Action.CHANGE).filter(pk=obj.pk).exists()


def viewable_ids(queryset: ScopedQuerySet, user: Any, ids: Iterable[int | None]) -> set[int]:
    """Which of these records the user may open: a page links only to those (a link it shows
    must never answer 403 or 404 to its reader)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(queryset.for_user(user, Action.VIEW).filter(pk__in=wanted)
               .values_list("pk", flat=True))


def departments_in_scope(user: Any, domain: Domain,
                         action: Action = Action.VIEW) -> models.QuerySet[Department]:
    """Departments of the organisations the user may act on in `domain`."""
    scope = scope_for(user, domain, action)
    departments = Department.objects.filter(is_active=True).order_by("code")
    if scope.everything:
        return departments
    return departments.filter(root_id__in=scope.organisation_ids)


def paginate(request: Any, items: Any, *, param: str = "page", per_page: int = PAGE_SIZE,
             bounded: bool = False) -> Page:
    """A page of `items`; `bounded` for lists that may hold millions (BoundedPaginator)."""
    paginator = (BoundedPaginator if bounded else Paginator)(items, per_page)
    return paginator.get_page(request.GET.get(param))


def service_data(cleaned: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """Form values as services take them: related objects by primary key."""
    out: dict[str, Any] = {}
    for name in fields:
        value = cleaned.get(name)
        out[name] = value.pk if isinstance(value, models.Model) else value
    return out


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class TriState(forms.TypedChoiceField):
    """A yes / no / either filter (a plain BooleanField cannot say "either")."""

    def __init__(self, **kwargs: Any) -> None:
        choices = [("", gettext_lazy("All")), ("1", gettext_lazy("Yes")),
                   ("0", gettext_lazy("No"))]
        super().__init__(choices=choices, coerce=lambda v: v == "1", empty_value=None,
                         required=False, **kwargs)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


def display_value(field: models.Field | None, value: Any,
                  names: Mapping[str, Mapping[Any, str]] | None = None) -> str:
    """A stored snapshot value as a person reads it: choice labels, names for ids, yes/no."""
    if value is None or value == "":
        return "—"
    related = (names or {}).get(field.name) if field is not None else None
    if related is not None:
        shown: Any = related.get(value, value)
    elif field is not None and field.choices:
        shown = dict(field.flatchoices).get(value, value)
    elif isinstance(field, models.BooleanField):
        shown = _("Yes") if value else _("No")
    elif isinstance(value, list):
        shown = ", ".join(str(v) for v in value)
    else:
        shown = value
    return str(shown)


def field_changes(model: type[models.Model], before: Mapping[str, Any],
                  after: Mapping[str, Any],
                  names: Mapping[str, Mapping[Any, str]] | None = None) -> list[FieldChange]:
    """The fields that differ between two snapshots, labelled with the model's verbose names."""
    changes = []
    for key in sorted(set(before) | set(after), key=_field_order(model)):
        old, new = before.get(key), after.get(key)
        if old == new or ({old, new} <= {None, ""}):
            continue
        field = _field(model, key)
        label = capfirst(str(field.verbose_name)) if field is not None else key
        changes.append(FieldChange(label, display_value(field, old, names),
                                   display_value(field, new, names)))
    return changes


def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except Exception:  # a key written by an older version of the model
        return None


def _field_order(model: type[models.Model]) -> Any:
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
    return lambda name: (order.get(name, len(order)), name)


def private_file(stored: Any, content_type: str, download_name: str, *,
                 as_attachment: bool = False, images: bool = False) -> FileResponse:
    """A stored private file (evidence, signatures, export batches) for a user the caller has
    checked: never cached by shared caches, never sniffed or rendered as something else."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=download_name,
                            as_attachment=as_attachment)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; sandbox"
                                           if images else "default-src 'none'; sandbox")
    return response


def json_bytes_response(pieces: Iterable[bytes]) -> HttpResponseBase:
    """A JSON document already encoded (a canonical draw record), sent as it is: no renderer,
    so the bytes are the ones a verifier checks. One piece is sent whole (with its length);
    more are streamed as they are made (a large draw's record is hundreds of megabytes)."""
    rest = iter(pieces)
    first, second = next(rest, b""), next(rest, None)
    content_type = "application/json; charset=utf-8"
    if second is None:
        return HttpResponse(first, content_type=content_type)
    return StreamingHttpResponse(chain((first, second), rest), content_type=content_type)
