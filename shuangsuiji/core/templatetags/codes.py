"""`{{ target.region_code|region_name }}`, `{{ target.industry_code|industry_name }}`: the
names of the standards' codes (core/codes.py), and `{% region target.region_code %}`,
`{% industry target.industry_code %}`: the name with its code beside it, the whole path as
its title (or shown, with full=True)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shuangsuiji.core import codes

register = template.Library()

register.filter("region_name", codes.region_label)
register.filter("region_path", codes.region_path)
register.filter("industry_name", codes.industry_name)
register.filter("industry_path", codes.industry_path)


def _named(name: str, path: str, code: str) -> SafeString:
    if not code:
        return format_html("{}", "—")
    return format_html('<span class="coded" title="{}">{} <span class="code">{}</span></span>',
                       path, name, code)


@register.simple_tag
def region(code: str | None, full: bool = False) -> SafeString:
    """晋城市 沁水县 140521; with full=True 山西省 晋城市 沁水县 140521."""
    path = codes.region_path(code)
    return _named(path if full else codes.region_label(code), path, code or "")


@register.simple_tag
def industry(code: str | None, full: bool = False) -> SafeString:
    """物业管理 7020; with full=True 房地产业 › 物业管理 7020."""
    path = codes.industry_path(code)
    return _named(path if full else codes.industry_name(code), path, code or "")
