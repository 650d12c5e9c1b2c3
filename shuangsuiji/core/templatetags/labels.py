"""`{% colon %}`: the colon after a label, as the language writes it (“：” in Chinese, “: ” in
English). A built-in of the templates (settings TEMPLATES builtins): no load needed."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    # Translators: the colon after a label ("Date: …"); Chinese writes a full-width "：".
    return gettext(": ")
