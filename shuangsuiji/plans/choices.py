from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    MERGED = "merged", _("Merged into the plan")
    DECLINED = "declined", _("Declined")


class TaskState(models.TextChoices):
    """A task only moves forward, through plans.services / draws.services."""

    DRAFT = "draft", _("Draft")
    FROZEN = "frozen", _("Frozen (pools fixed, commitment published)")
    DRAWN = "drawn", _("Drawn")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    CLOSED = "closed", _("Closed")


TASK_STATE_ORDER = [s.value for s in TaskState]


class TaskKind(models.TextChoices):
    """How a task's targets were chosen: drawn at random, or by the office for a reason."""

    RANDOM = "random", _("Random inspection")
    KEY = "key", _("Key inspection")
    SPECIAL = "special", _("Special inspection")
    COMPLAINT = "complaint", _("Complaint or report check")
    ASSIGNED = "assigned", _("Assigned by a superior")


# Kinds whose target is chosen, not drawn; the last two need the complaint or assignment's
# reference.
NONRANDOM_KINDS = [TaskKind.KEY, TaskKind.SPECIAL, TaskKind.COMPLAINT, TaskKind.ASSIGNED]
KINDS_NEEDING_REFERENCE = {TaskKind.COMPLAINT, TaskKind.ASSIGNED}


class Stratification(models.TextChoices):
    NONE = "none", _("Not stratified")
    RISK = "risk", _("By credit-risk class")


class Verification(models.TextChoices):
    """Who can check a draw in full (draw protocol §9), chosen before the freeze."""

    PUBLIC = "public", _("Public verification: the secret, the seed and the tickets are "
                         "published")
    AUDITOR = "auditor", _("Auditor verification: the full record goes to auditors only")


class Invitation(models.TextChoices):
    """A department of another organisation takes part in a joint task once it accepts."""

    INVITED = "invited", _("Invited, awaiting its answer")
    ACCEPTED = "accepted", _("Takes part (invitation accepted)")
    DECLINED = "declined", _("Declined the invitation")


class DepartmentRole(models.TextChoices):
    INITIATING = "initiating", _("Initiating department (发起部门)")
    COOPERATING = "cooperating", _("Cooperating department (配合部门)")


DEFAULT_METHOD_TEXT = """1.各检查人员登录平台领取任务，打印检查单。
2.发起部门检查人员与配合部门检查人员联络确定检查时间。联合进入检查对象工作区。与检查对象相关人员见面，召开工作布置会议。
3.对照检查单的检查事项，按照各部门抽查工作指引，查看现场、查看相关资料，填写随机抽查检查表。
4.结果确认：检查人员、企业代表签字，企业盖章，并给检查对象反馈情况。
5.在本次抽查任务完成后20个工作日内，各检查组将检查结果录入“双随机一公开”监管工作平台。
6.做好后续监管，发现违法线索的，及时处理或移交执法部门。"""
