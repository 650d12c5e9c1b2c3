"""The fixed vocabularies of an inspection, as the national publicity system uses them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    """检查方式 (multi-select)."""

    ON_SITE = "on_site", _("On-site inspection (实地检查)")
    DOCUMENTS = "documents", _("Document review (书面检查)")
    ONLINE = "online", _("Online monitoring (网络监测)")
    TESTING = "testing", _("Inspection and testing (检验检测)")
    AGENCY = "agency", _("Assisted by a professional agency (委托专业机构辅助)")
    ADOPTED = "adopted", _("Adopting other authorities' results or expert opinions "
                           "(采信行政部门检查结果或专业意见)")


class ResultCategory(models.TextChoices):
    """检查结果 categories of 国家企业信用信息公示系统 (multi-select)."""

    NO_PROBLEM = "no_problem", _("No problem found (未发现问题)")
    CORRECTED = "corrected", _("Problem found, ordered to correct (发现问题已责令改正)")
    PENDING = "pending", _("Problem found, follow-up pending (发现问题待后续处理)")
    NOT_DISCLOSED = "not_disclosed", _(
        "Information that must be disclosed was not (未按规定公示应当公示的信息)")
    FALSE_DISCLOSURE = "false_disclosure", _(
        "Disclosed information conceals facts or is falsified (公示信息隐瞒真实情况弄虚作假)")
    UNREACHABLE = "unreachable", _(
        "Cannot be contacted at the registered address (通过登记的住所（经营场所）无法联系)")
    NO_ACTIVITY = "no_activity", _(
        "No business activity covered by this inspection (未发现开展本次抽查涉及的经营活动)")
    CLOSED = "closed", _("Closed, suspended or in liquidation (已关闭停业或正在组织清算)")
    REFUSED = "refused", _("Seriously uncooperative with the inspection (不配合检查情节严重)")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")
    REVOKED_LICENCE = "revoked_licence", _("Licence revoked (被吊销)")
    CANCELLED = "cancelled", _("Registration cancelled (被撤销)")
    MOVED = "moved", _("Moved out (迁出)")


# A target in one of these could not be inspected: the office may replace it instead (#3).
NOT_INSPECTABLE = {ResultCategory.UNREACHABLE, ResultCategory.CLOSED,
                   ResultCategory.DEREGISTERED, ResultCategory.REVOKED_LICENCE,
                   ResultCategory.CANCELLED, ResultCategory.MOVED}
# "No problem" cannot stand beside a finding.
PROBLEMS = {ResultCategory.CORRECTED, ResultCategory.PENDING, ResultCategory.NOT_DISCLOSED,
            ResultCategory.FALSE_DISCLOSURE, ResultCategory.REFUSED}


class Conduct(models.TextChoices):
    """拒绝检查、隐瞒真实情况、弄虚作假: recorded as such and flagged for publication."""

    NONE = "", _("None")
    REFUSED = "refused", _("Refused the inspection (拒绝接受检查)")
    CONCEALED = "concealed", _("Concealed facts (隐瞒真实情况)")
    FALSIFIED = "falsified", _("Falsified (弄虚作假)")


class Outcome(models.TextChoices):
    """One checklist line's finding."""

    COMPLIANT = "compliant", _("Compliant (符合)")
    NON_COMPLIANT = "non_compliant", _("Not compliant (不符合)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (不涉及)")


class ReviewState(models.TextChoices):
    """审核: entered → submitted → returned (→ submitted …) | approved (ready for publication)."""

    ENTERED = "entered", _("Entered")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved, ready for publication")


# Legal moves of the review; anything else is refused by the service.
REVIEW_MOVES: dict[str, set[str]] = {
    ReviewState.ENTERED: {ReviewState.SUBMITTED},
    ReviewState.RETURNED: {ReviewState.SUBMITTED},
    ReviewState.SUBMITTED: {ReviewState.RETURNED, ReviewState.APPROVED},
    ReviewState.APPROVED: set(),
}


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    RECORDING = "recording", _("Recording")
    DOCUMENT = "document", _("Document")
    SIGNED_CHECKLIST = "signed_checklist", _("Scan of the signed and sealed checklist")


class SignerRole(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector")
    REPRESENTATIVE = "representative", _("Entity's representative")
    SEAL = "seal", _("Entity's seal")


class FollowUpKind(models.TextChoices):
    """后续处置."""

    NONE = "none", _("No follow-up needed (无需后续处置)")
    RECTIFY = "rectify", _("Ordered to rectify (责令改正)")
    PENALTY = "penalty", _("Case opened / administrative penalty (移送办案机构 / 立案查处)")
    JUDICIAL = "judicial", _("Transferred to the judicial organs (移送司法机关)")
    REFER = "refer", _("Referred to the competent department (抄告/移送相关部门)")
    BLACKLIST = "blacklist", _("Blacklist proposal (列入黑名单建议)")


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
