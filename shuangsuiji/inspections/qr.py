"""扫码入企 QR codes (国办发〔2024〕54号): the public page of a visit, printed on its documents.

The code is inline SVG, in the pages and in the PDFs alike: WeasyPrint draws inline SVG
itself, so the PDF renderer still fetches nothing (even a data: URI would go through its URL
fetcher, which the documents refuse), and the print stays sharp at any size.
"""

import io

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .models import Visit

# Level M restores 15% of the modules: a printed sheet survives a fold or a smudge, and the
# code stays small enough to scan from a phone at arm's length.
ERROR_LEVEL = "m"


def public_url(request: HttpRequest, visit: Visit) -> str:
    """The absolute address the code carries, as the entity's phone will open it.

    Staff often print from an intranet address a phone outside cannot reach, so the public
    address of the site (SHUANGSUIJI_PUBLIC_URL) wins over the one the request came in on.
    """
    path = reverse("visit_public", args=[visit.token])
    base = settings.SHUANGSUIJI_PUBLIC_URL.rstrip("/")
    return base + path if base else request.build_absolute_uri(path)


def make(url: str) -> segno.QRCode:
    """The code for `url`; the same URL always gives the same code (tests rebuild it)."""
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


def svg(url: str, *, title: str = "") -> SafeString:
    """The code as an inline <svg> element, sized by CSS (it has a viewBox, no width)."""
    out = io.BytesIO()
    make(url).save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True,
                   border=2, svgclass="qr", lineclass=None, title=title or None)
    # segno writes only path data from the URL, and escapes the title.
    return mark_safe(out.getvalue().decode())
