"""The field app's pages: the app shell (one page, the rest is done on the phone), its service
worker and its web app manifest. Nothing here is personal: the shell is cached on the phone and
served from there underground; the user's data comes from the day pack in IndexedDB."""

import hashlib
import json
from functools import cache
from pathlib import Path

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

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
