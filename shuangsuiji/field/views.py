"""The field app's pages: the list of phones holding a key (and revoking one); the app shell
(one page, the rest is done on the phone), its service worker and its web app manifest. The
shell holds nothing personal: it is cached on the phone and served from there underground;
the user's data comes from the day pack in IndexedDB."""

import hashlib
import json
from functools import cache
from pathlib import Path

from csp.decorators import csp_update
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .texts import texts

STATIC = Path(__file__).resolve().parent / "static" / "field"
# What the phone keeps to start without a network.
SHELL_ASSETS = ["field/app.js", "field/store.js", "field/sync.js", "field/pad.js",
                "field/field.css", "field/icon-192.png", "field/icon-512.png",
                "shuangsuiji/favicon.svg"]


@require_http_methods(["GET"])
@never_cache  # the network's copy when there is one; the service worker's otherwise
@csp_update({"img-src": ["blob:"]})  # photos shown from the phone's own storage
def app(request: HttpRequest) -> HttpResponse:
    return render(request, "field/app.html", {"texts": texts()})


@cache
def _worker_source() -> str:
    return (STATIC / "sw.js").read_text(encoding="utf-8")


@login_not_required  # the browser re-fetches it to update, signed in or not
@require_http_methods(["GET"])
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /field/ (not /static/) so that its scope is the app; the list of files to
    keep, and a version that changes with them, are written into it here."""
    shell = [reverse("field:app"), reverse("field:manifest"),
             *(static(asset) for asset in SHELL_ASSETS)]
    source = _worker_source()
    version = hashlib.sha256((json.dumps(shell) + source).encode()).hexdigest()[:16]
    head = f"const SHELL = {json.dumps(shell)};\nconst VERSION = {json.dumps(version)};\n"
    response = HttpResponse(head + source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field:app")
    return response


@login_not_required
@require_http_methods(["GET"])
def manifest(request: HttpRequest) -> JsonResponse:
    start = reverse("field:app")
    data = {
        "name": _("Field inspection · double-random, one-public"),
        "short_name": _("Field inspection"),
        "description": _("Inspect without a network: checklists, photos, signatures; "
                         "synced when back in signal."),
        "lang": "zh-CN", "start_url": start, "scope": start, "id": start,
        "display": "standalone", "orientation": "portrait",
        "background_color": "#ffffff", "theme_color": "#9b1c1c",
        "icons": [{"src": static(f"field/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any maskable"} for size in (192, 512)],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


@require_http_methods(["GET"])
def phones(request: HttpRequest) -> HttpResponse:
    """The phones holding a field key: one's own, or the organisation's for its office."""
    return render(request, "field/phones.html", {
        "sessions": selectors.revocable_sessions(request.user)[:200],
        "now": timezone.now(), "form": RevokeForm()})


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


@require_POST
def phone_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.revocable_sessions(request.user).filter(pk=pk).first()
    if session is None:
        raise Http404
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.field_session_revoke(actor=request.user, session=session,
                                          reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The phone's access is revoked: it can send nothing "
                                        "more."))
    else:
        messages.error(request, _("Say why the phone's access is revoked."))
    return redirect("field:phones")
