"""The public portal (一公开): no login, read only, no JavaScript needed to read.

Every view is `@login_not_required` and GET only; what it shows comes from `selectors`, which
publish field by field.
"""

from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.core import anchors as audit_anchors
from shuangsuiji.core import keys as office_keys
from shuangsuiji.core import signing
from shuangsuiji.core.models import AnchorReason, SignedSubject
from shuangsuiji.core.web import json_bytes_response, paginate
from shuangsuiji.rules import sm2
from shuangsuiji.rules.draw.verify import (
    BROWSER_DISCREPANCIES,
    LEFT_TO_AUDITORS,
    LEFT_TO_AUDITORS_SECRET,
)

from . import selectors
from .cards import result_cards
from .forms import ResultSearchForm

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _public(response: _Response) -> _Response:
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "same-origin"
    return response


def _render(request: HttpRequest, template: str, context: dict[str, Any],
            section: str) -> HttpResponse:
    return _public(render(request, template, context | {"section": section}))


@login_not_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    page = selectors.search_results(selectors.ResultQuery(), limit=10)
    context = {"cards": result_cards(page.rows), "tasks": selectors.tasks()[:8],
               "plans": selectors.plans()[:5]}
    return _render(request, "portal/index.html", context, "home")


@login_not_required
@require_http_methods(["GET"])
def item_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/item_list.html",
                   {"groups": selectors.items_by_organisation()}, "items")


@login_not_required
@require_http_methods(["GET"])
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item, versions = selectors.item_get(pk)
    return _render(request, "portal/item_detail.html", {"item": item, "versions": versions},
                   "items")


@login_not_required
@require_http_methods(["GET"])
def plan_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/plan_list.html", {"plans": selectors.plans()}, "plans")


@login_not_required
@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, "portal/plan_detail.html", {"plan": selectors.plan_get(pk)},
                   "plans")


@login_not_required
@require_http_methods(["GET"])
def task_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/task_list.html",
                   {"page": paginate(request, selectors.tasks())}, "tasks")


@login_not_required
@require_http_methods(["GET"])
def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    task = selectors.task_get(code)
    context: dict[str, Any] = {"task": task,
                               "participants": sorted(task.participants.all(),
                                                      key=lambda p: p.order)}
    if selectors.is_drawn(task):
        context["draw"] = selectors.public_draw(task)
        context["anchor"] = audit_anchors.anchor_of(task, AnchorReason.DRAW)
        context["signature"] = signing.signature_of(task, SignedSubject.DRAW)
    else:
        context["announcement"] = selectors.public_announcement(task)
    return _render(request, "portal/task_detail.html", context, "tasks")


@login_not_required
@require_http_methods(["GET"])
def task_record(request: HttpRequest, code: str) -> HttpResponseBase:
    """The public record as a file: what `shuangsuiji draw verify` and the browser check."""
    task = selectors.task_get(code)
    response = json_bytes_response(selectors.public_record_stream(task))
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{task.code}-public-record.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return _public(response)


@login_not_required
@require_http_methods(["GET"])
def result_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    # Addresses of the separate name and code boxes this page once had: one box now.
    for old in ("code", "name"):
        value = params.pop(old, [""])[-1]
        if value and not params.get("q"):
            params["q"] = value
    form = ResultSearchForm(params or None)
    if form.is_bound and not form.is_valid():
        # Not every result: the form says what to type.
        page = selectors.ResultPage([], None)
    else:
        query = form.query() if form.is_bound else selectors.ResultQuery()
        page = selectors.search_results(query, cursor=request.GET.get("after", ""))
    params.pop("after", None)
    first_url = "?" + params.urlencode() if request.GET.get("after") else None
    next_url = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_url = "?" + params.urlencode()
    return _render(request, "portal/result_list.html",
                   {"form": form, "cards": result_cards(page.rows), "next_url": next_url,
                    "first_url": first_url,
                    "searched": any(params.get(k) for k in form.fields)}, "results")


@login_not_required
@require_http_methods(["GET"])
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, "portal/result_detail.html",
                   {"result": selectors.result_get(pk)}, "results")


@login_not_required
@require_http_methods(["GET"])
def entity_detail(request: HttpRequest, code: str) -> HttpResponse:
    file = selectors.entity_file(code)
    return _render(request, "portal/entity_detail.html",
                   {"file": file, "cards": result_cards(file.results)}, "results")


@login_not_required
@require_http_methods(["GET"])
def verify(request: HttpRequest) -> HttpResponse:
    task = None
    code = request.GET.get("task", "")
    if code:
        candidate = selectors.tasks().filter(code=code).first()
        if candidate is not None and selectors.is_drawn(candidate):
            task = candidate
    drawn = [t for t in selectors.tasks().filter(state__in=selectors.DRAWN_STATES)[:50]]
    messages = {"empty": _("Paste a public record, load its file, or fetch it first."),
                "busy": _("Checking…"),
                "discrepancy": _("Discrepancy:"),
                "full": _("This is a full record: the browser checked its commitment only. "
                          "Check it completely with the command-line verifier."),
                "ok": _("Verified: nothing in this record departs from the draw protocol."),
                "steps": {"public_digest": _("The public digest covers every byte of this "
                                             "record:"),
                          "drawn_order": _("The {n} drawn targets are listed by their codes, "
                                           "which tells nothing of the order they were drawn "
                                           "in."),
                          "commitment": _("The server secret revealed at the draw is the one "
                                          "committed to before it (commitment):"),
                          "seed": _("The seed follows from the secret, the witnesses' input and "
                                    "both pool digests; nobody could choose it alone (seed):"),
                          "tickets": _("The tickets of all {n} drawn targets follow from the "
                                       "seed: the targets were drawn by it, not chosen."),
                          "replacements": _("{n} replacements, each chained to the one before: "
                                            "none was removed or changed afterwards.")},
                "public_mode": _("Public verification. Not checked here — an auditor with the "
                                 "full record checks:"),
                "auditor_mode": _("Auditor verification: the secret, the seed and the tickets "
                                  "are not public. Not checked here — an auditor with the full "
                                  "record checks:"),
                "left_secret": [_(text) for text in LEFT_TO_AUDITORS_SECRET],
                "left_auditors": [_(text) for text in LEFT_TO_AUDITORS],
                "discrepancies": {text: _(text) for text in BROWSER_DISCREPANCIES}}
    return _render(request, "portal/verify.html",
                   {"task": task, "drawn_tasks": drawn, "messages_json": messages,
                    "record_url": reverse("portal:task_record", args=[task.code])
                    if task else ""}, "verify")


@login_not_required
@require_http_methods(["GET"])
def anchors(request: HttpRequest) -> HttpResponse:
    """审计锚点: the audit chain's head as published, daily and at each draw and publication."""
    page = paginate(request, audit_anchors.published())
    signatures = signing.signatures_of(SignedSubject.ANCHOR, list(page))
    rows = [(anchor, signatures.get(str(anchor.pk), "")) for anchor in page]
    return _render(request, "portal/anchors.html", {"page": page, "rows": rows}, "anchors")


@login_not_required
@require_http_methods(["GET"])
def keys(request: HttpRequest) -> HttpResponse:
    """The office's SM2 public key (国密): what its signatures verify with."""
    public = office_keys.signing_public_key()
    return _render(request, "portal/keys.html",
                   {"public_key": public, "pem": sm2.public_key_pem(public) if public else ""},
                   "keys")


@login_not_required
@require_http_methods(["GET"])
def keys_pem(request: HttpRequest) -> HttpResponse:
    public = office_keys.signing_public_key()
    if public is None:
        raise Http404
    response = HttpResponse(sm2.public_key_pem(public), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="office-sm2-public.pem"'
    response["Access-Control-Allow-Origin"] = "*"
    return _public(response)
