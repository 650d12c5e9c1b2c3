"""`{% stylesheet "shuangsuiji/x.css" %}`: a static stylesheet, linked on a page and inlined in
a document rendered to PDF (WeasyPrint fetches nothing, draws/pdf.py). One file serves both,
and pages stay free of inline styles, as the Content-Security-Policy requires."""

from functools import cache
from pathlib import Path
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@cache
def _text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"no static file {path}")
    return Path(found).read_text(encoding="utf-8")


@register.simple_tag(takes_context=True)
def stylesheet(context: Any, path: str) -> SafeString:
    if context.get("for_pdf"):
        # The project's own file, read from its static folders: not user input.
        return mark_safe(f"<style>\n{_text(path)}</style>")
    return format_html('<link rel="stylesheet" href="{}">', static(path))
