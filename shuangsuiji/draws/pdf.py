"""The printed draw record (抽取记录) as a PDF, rendered by WeasyPrint from the print page.

The record is signed on paper by everyone present and archived (抽查过程应书面记录，并经现场
参加人员签字后存档), so it must print the same everywhere: a PDF, not the browser's print.
"""

from typing import Any

from django.utils.translation import gettext as _


class NoFetching(ValueError):
    """The record's HTML is self-contained; it never loads anything from anywhere."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise NoFetching(_("The printed record loads no external resource ({url}).").format(url=url))


def html_to_pdf(html: str) -> bytes:
    """A4 PDF of a self-contained HTML document (its CSS inline, fonts from the system)."""
    from weasyprint import HTML  # imported on demand: it loads Pango, which takes a while

    return HTML(string=html, url_fetcher=_refuse).write_pdf()
