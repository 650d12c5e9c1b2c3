"""Names for the classification codes a record keeps, in the reader's language where the
standard has none: a code the tables do not hold (stored before they were checked) still
shows, marked as unknown. Used by pages (templatetags/codes.py), exports and admin."""

from django.utils.translation import gettext as _

from shuangsuiji.rules import code_tables


def region_label(code: str | None) -> str:
    """晋城市 沁水县; "未知代码" for a code not in the table; "" for none."""
    if not code:
        return ""
    return code_tables.region_label(code) or _("Unknown code")


def region_path(code: str | None) -> str:
    """山西省 晋城市 沁水县; "未知代码" for a code not in the table; "" for none."""
    if not code:
        return ""
    return code_tables.region_path(code) or _("Unknown code")


def industry_name(code: str | None) -> str:
    """物业管理; "未知代码" for a code not in the table; "" for none."""
    if not code:
        return ""
    return code_tables.industry_name(code) or _("Unknown code")


def industry_path(code: str | None) -> str:
    """房地产业 › 物业管理; "未知代码" for a code not in the table; "" for none."""
    if not code:
        return ""
    return code_tables.industry_path(code) or _("Unknown code")
