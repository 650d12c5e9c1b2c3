"""企业端: the entity's own pages (sign-in by one-time code), and the office's answers.

Every entity page reads through selectors keyed on the signed-in entity's code: another
entity's visit, result or follow-up is simply not found (404).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.core.client import client_address
from shuangsuiji.core.web import add_service_errors, paginate, private_file
from shuangsuiji.inspections import qr
from shuangsuiji.inspections.choices import ResultCategory
from shuangsuiji.workdays.deadlines import days_left, traffic_light

from . import selectors, services, session
from .choices import RequestKind, RequestState
from .forms import AnswerForm, CodeForm, IntegrityForm, RecusalForm, StatementForm, VerifyForm
from .models import EntityRequest, RequestAttachment
from .services import Entity


def _address(request: HttpRequest) -> str:
    return client_address(request) or ""


def _page(request: HttpRequest, template: str, context: dict[str, Any],
          entity: Entity | None = None) -> HttpResponse:
    response = render(request, template, {"entity": entity, **context})
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- Sign-in ---------------------------------------------------------------------------------

@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the entity's code, then which recorded contact receives the sign-in code."""
    if request.user.is_authenticated:
        return _page(request, "entityportal/staff_signed_in.html", {})
    form = CodeForm(request.POST or None)
    contacts: list[Any] = []
    if request.method == "POST" and form.is_valid():
        uscc = form.cleaned_data["uscc"]
        contact_id = request.POST.get("contact", "")
        try:
            if contact_id.isdigit():
                services.code_send(uscc=uscc, contact_id=int(contact_id),
                                   address=_address(request))
                request.session[session.PENDING] = {"uscc": uscc, "contact": int(contact_id)}
                return redirect("entityportal:verify")
            contacts = services.contacts_lookup(uscc=uscc, address=_address(request))
            if not contacts:
                form.add_error("uscc", _("The office has no contact on record for this "
                                         "code. Please ask the office to record one."))
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _page(request, "entityportal/sign_in.html", {"form": form, "contacts": contacts})


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code the contact received."""
    pending = request.session.get(session.PENDING)
    if request.user.is_authenticated or not isinstance(pending, dict):
        return redirect("entityportal:sign_in")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entity = services.code_check(uscc=pending["uscc"], contact_id=pending["contact"],
                                         code=form.cleaned_data["code"],
                                         address=_address(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            session.start(request, entity)
            return redirect("entityportal:home")
    return _page(request, "entityportal/verify.html", {"form": form})


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if session.current(request) is not None:
        session.end(request)
    return redirect("entityportal:sign_in")


# -- The entity's pages ----------------------------------------------------------------------

def _labelled(results: Any) -> list[Any]:
    """Results with their categories' names, as `category_labels`."""
    names = dict(ResultCategory.choices)
    out = list(results)
    for r in out:
        r.category_labels = [str(names.get(c, c)) for c in r.categories]
    return out


def _deadline(day: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {"day": day, "left": days_left(day, today).days, "light": traffic_light(day, today)}


@session.entity_required
@require_http_methods(["GET"])
def home(request: HttpRequest, entity: Entity) -> HttpResponse:
    follow_ups = list(selectors.follow_ups(entity.uscc))
    return _page(request, "entityportal/home.html", {
        "names": sorted(set(selectors.targets(entity.uscc).values_list("name", flat=True))),
        "upcoming": selectors.upcoming(entity.uscc),
        "visits": list(selectors.visits(entity.uscc)[:50]),
        "results": _labelled(selectors.results(entity.uscc)[:50]),
        "follow_ups": [(f, _deadline(f.rectify_by or f.due_on)) for f in follow_ups],
        "requests": list(selectors.requests(entity.uscc)[:50]),
        "blacklist": list(selectors.blacklist(entity.uscc)),
        "public_file": selectors.public_file(entity.uscc) is not None,
    }, entity)


def _own(queryset: Any, pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _file(request: HttpRequest, entity: Entity, kind: str, form: Any,
          data: services.RequestFields) -> EntityRequest | None:
    try:
        made = services.request_file(entity=entity, kind=kind, data=data,
                                     files=form.cleaned_data.get("files") or [])
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, _("Filed. The office answers by {day}.").format(
        day=made.due_on.isoformat()))
    return made


@session.entity_required
@require_http_methods(["GET", "POST"])
def visit_detail(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    """The inspection notice: date, items, materials, inspectors and certificates, QR check;
    and the recusal request before the visit."""
    visit = _own(selectors.visits(entity.uscc), pk)
    inspectors = selectors.visit_inspectors(visit)
    form = RecusalForm(request.POST or None, request.FILES or None)
    form.fields["inspector"].choices = [  # type: ignore[attr-defined]
        (i.pk, i.name) for i in inspectors]
    if request.method == "POST" and form.is_valid():
        chosen = next(i for i in inspectors if i.pk == form.cleaned_data["inspector"])
        if _file(request, entity, RequestKind.RECUSAL, form,
                 {"visit": visit, "inspector": chosen, "text": form.cleaned_data["text"]}):
            return redirect("entityportal:visit", pk=visit.pk)
    url = qr.public_url(request, visit)
    today = timezone.localdate()
    return _page(request, "entityportal/visit.html", {
        "visit": visit, "task": visit.task, "sections": selectors.visit_sections(visit),
        "materials": [m.strip() for m in visit.materials.splitlines() if m.strip()],
        "public_url": url, "qr_svg": qr.svg(url),
        "may_recuse": visit.agreed_date is None or visit.agreed_date > today,
        "form": form,
        "results": [r for r in selectors.results(entity.uscc) if r.visit_id == visit.pk],
        "requests": list(selectors.requests(entity.uscc).filter(visit=visit,
                                                                kind=RequestKind.RECUSAL)),
    }, entity)


@session.entity_required
@require_http_methods(["GET", "POST"])
def result_detail(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    """One approved result with its lines and follow-ups; objection and integrity rating."""
    result = _labelled([_own(selectors.results(entity.uscc), pk)])[0]
    action = request.POST.get("action") if request.method == "POST" else None
    objection = StatementForm(request.POST if action == "objection" else None,
                              request.FILES if action == "objection" else None,
                              prefix="objection")
    integrity = IntegrityForm(request.POST if action == "integrity" else None,
                              request.FILES if action == "integrity" else None,
                              prefix="integrity")
    repair_form = StatementForm(request.POST if action == "repair" else None,
                                request.FILES if action == "repair" else None, prefix="repair")
    published = selectors.published_of(entity.uscc, result)
    filed = None
    if action == "objection" and objection.is_valid():
        filed = _file(request, entity, RequestKind.OBJECTION, objection,
                      {"inspection": result, "text": objection.cleaned_data["text"]})
    elif action == "integrity" and integrity.is_valid():
        filed = _file(request, entity, RequestKind.INTEGRITY, integrity,
                      {"inspection": result, "text": integrity.cleaned_data["text"],
                       "rating": integrity.cleaned_data["rating"]})
    elif action == "repair" and published is not None and repair_form.is_valid():
        filed = _file(request, entity, RequestKind.REPAIR, repair_form,
                      {"published_result": published,
                       "text": repair_form.cleaned_data["text"]})
    elif action == "repair" and published is None:
        raise Http404
    if filed is not None:
        return redirect("entityportal:result", pk=result.pk)
    until = services.objection_open_until(result)
    return _page(request, "entityportal/result.html", {
        "result": result, "findings": result.findings.select_related("item").order_by(
            "item__matter", "pk"),
        "follow_ups": [f for f in selectors.follow_ups(entity.uscc)
                       if f.inspection_id == result.pk],
        "objection_until": until,
        "may_object": until is not None and timezone.localdate() <= until,
        "objection": objection, "integrity": integrity,
        "requests": list(selectors.requests(entity.uscc).filter(inspection=result)
                         .exclude(kind=RequestKind.INTEGRITY)),
        "rated": selectors.requests(entity.uscc).filter(
            inspection=result, kind=RequestKind.INTEGRITY).exists(),
        **_repair_context(entity, published, repair_form),
    }, entity)


def _repair_context(entity: Entity, published: Any, form: StatementForm) -> dict[str, Any]:
    """信用修复 of the published result: done (its day), awaiting the office, open (the form),
    or not yet possible (the rules' reasons)."""
    if published is None:
        return {"published": None}
    repaired = selectors.repair_of(published)
    pending = selectors.requests(entity.uscc).filter(
        published_result=published, kind=RequestKind.REPAIR,
        state=RequestState.SUBMITTED).exists()
    refusals = [] if repaired or pending else services.repair_refusals(published)
    return {"published": published, "repaired": repaired, "repair_pending": pending,
            "repair_refusals": refusals, "repair_form": form}


@session.entity_required
@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    """A follow-up and its deadline; the rectification report for an order to rectify."""
    follow_up = _own(selectors.follow_ups(entity.uscc), pk)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and _file(
            request, entity, RequestKind.RECTIFICATION, form,
            {"follow_up": follow_up, "text": form.cleaned_data["text"]}):
        return redirect("entityportal:follow_up", pk=follow_up.pk)
    return _page(request, "entityportal/follow_up.html", {
        "follow_up": follow_up, "deadline": _deadline(follow_up.rectify_by or follow_up.due_on),
        "form": form,
        "requests": list(selectors.requests(entity.uscc).filter(follow_up=follow_up)),
    }, entity)


@session.entity_required
@require_http_methods(["GET", "POST"])
def repair(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    """信用修复 of a blacklist entry in force on the entity."""
    entry = _own(selectors.blacklist(entity.uscc), pk)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and _file(
            request, entity, RequestKind.REPAIR, form,
            {"blacklist_entry": entry, "text": form.cleaned_data["text"]}):
        return redirect("entityportal:home")
    return _page(request, "entityportal/repair.html", {
        "entry": entry, "form": form,
        "requests": list(selectors.requests(entity.uscc).filter(blacklist_entry=entry)),
    }, entity)


@session.entity_required
@require_http_methods(["GET"])
def attachment(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    found = _own(RequestAttachment.objects.filter(request__uscc=entity.uscc), pk)
    return private_file(found.file, found.content_type, found.original_name)


# -- The office's answers --------------------------------------------------------------------

@require_http_methods(["GET"])
def office_list(request: HttpRequest) -> HttpResponse:
    requests = selectors.office_requests(request.user)
    state = request.GET.get("state", RequestState.SUBMITTED)
    if state in RequestState.values:
        requests = requests.filter(state=state)
    today = timezone.localdate()
    page = paginate(request, requests.order_by("due_on", "pk"))
    return render(request, "entityportal/office_list.html", {
        "page": page, "state": state, "states": RequestState.choices,
        "rows": [(r, traffic_light(r.due_on, today)) for r in page]})


@require_http_methods(["GET", "POST"])
def office_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(selectors.office_requests(request.user), pk=pk)
    states = sorted(services.ANSWERS.get(found.kind, services.DEFAULT_ANSWERS))
    form = AnswerForm(request.POST or None, states=states)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_answer(actor=request.user, request=found,  # type: ignore[arg-type]
                                    state=form.cleaned_data["state"],
                                    answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # A recused inspector still in the group: the page says so until it is seen to.
            messages.success(request, _("Answered."))
            return redirect("entityportal:office_detail", pk=found.pk)
    return render(request, "entityportal/office_detail.html", {
        "item": found, "form": form, "attachments": list(found.attachments.all()),
        "deadline": _deadline(found.due_on),
        "attention": _groups_needing_attention(found),
        "substitutions": list(selectors.substitutions_for(found))
        if found.kind == RequestKind.RECUSAL else [],
        "repair_refusals": services.repair_refusals(found.published_result)
        if found.published_result is not None and found.state == RequestState.SUBMITTED
        else []})


def _groups_needing_attention(found: EntityRequest) -> list[str]:
    """The tasks in whose group a recused inspector (recusal accepted) still stands."""
    found.refresh_from_db(fields=["state"])
    if found.kind != RequestKind.RECUSAL or found.state != RequestState.ACCEPTED:
        return []
    return sorted({a.task.code for a in selectors.recused_in_groups(found)})


@require_http_methods(["GET"])
def office_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(RequestAttachment.objects.filter(
        request__in=selectors.office_requests(request.user)), pk=pk)
    return private_file(found.file, found.content_type, found.original_name)
