from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    """The enforcement documents (执法文书) an inspection may give rise to; the value's word
    goes into the document's number (see WORDS)."""

    SITE_RECORD = "site_record", _("On-site inspection record")  # 现场检查笔录
    RECTIFY = "rectify", _("Notice to rectify within a time limit")  # 责令限期整改通知书
    RECHECK = "recheck", _("Rectification re-check opinion")  # 整改复查意见书
    CASE_TRANSFER = "case", _("Case transfer letter")  # 案件移送函
    LEAD_TRANSFER = "lead", _("Lead transfer letter")  # 线索移送函
    REFUSAL = "refusal", _("Record of refusal of inspection")  # 拒绝检查记录


# The character each kind adds to the office's abbreviation in a number: 晋人防检〔2026〕12号.
WORDS = {
    DocumentKind.SITE_RECORD: "检",
    DocumentKind.RECTIFY: "改",
    DocumentKind.RECHECK: "复",
    DocumentKind.CASE_TRANSFER: "移",
    DocumentKind.LEAD_TRANSFER: "移",
    DocumentKind.REFUSAL: "拒",
}
