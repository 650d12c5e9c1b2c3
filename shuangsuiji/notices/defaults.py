"""The wording each kind of notice starts with, and the placeholders it offers.

Notices are written in Chinese, for the people who receive them; the office may change each
text (NoticeTemplate, audited) but keeps the legal wording of the task sheet: 检查对象名单和执法
检查人员名单确定后，必须在规定时限内将名单派发至检查单位；执法检查人员适时与检查对象进行联系，告知
检查时间安排、检查内容事项，同时告知检查对象应准备的材料。
"""

from dataclasses import dataclass

from .choices import Kind


@dataclass(frozen=True)
class Default:
    subject: str
    body: str
    placeholders: tuple[str, ...]
    # Placeholders the office's wording must keep (the sign-in code: a notice without it is
    # of no use).
    required: tuple[str, ...] = ()


_TASK = ("organisation", "task_code", "task_name", "period_start", "period_end")

DEFAULTS: dict[str, Default] = {
    Kind.TASK_DRAWN: Default(
        "抽查任务{task_code}：您已被随机抽取为执法检查人员",
        "{name}：\n"
        "{organisation}组织的抽查任务{task_code}《{task_name}》已于{drawn_at}完成随机抽取。"
        "检查对象名单和执法检查人员名单确定后，必须在规定时限内将名单派发至检查单位，现将"
        "您所在检查组的名单派发如下（检查期间{period_start}至{period_end}）：\n"
        "{groups}\n"
        "请适时与检查对象进行联系，告知检查时间安排、检查内容事项，同时告知检查对象应准备的材料，"
        "提出配合检查的相关要求。",
        (*_TASK, "name", "drawn_at", "groups")),
    Kind.TASK_REPLACED: Default(
        "抽查任务{task_code}：检查对象替补，检查组已调整",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》的检查对象{replaced}因{reason}无法检查，已按抽取"
        "规则由同类备选对象替补。您被编入替补检查对象的检查组：\n"
        "{groups}\n"
        "请在规定时限内与检查对象联系，告知检查对象检查时间、检查事项和需准备的材料。",
        (*_TASK, "name", "replaced", "reason", "groups")),
    Kind.TASK_RELEASED: Default(
        "抽查任务{task_code}：检查对象已替补，您不再负责该对象",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》的检查对象{replaced}因{reason}无法检查，已按抽取"
        "规则由同类备选对象替补。您所在的{department}检查组不再负责对{replaced}的检查，"
        "请勿再与其联系；尚未使用的检查单、检查通知书作废。",
        (*_TASK, "name", "replaced", "reason", "department")),
    Kind.GROUP_JOINED: Default(
        "抽查任务{task_code}：您已接替{target}检查组的执法检查人员",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》中，{target}的{department}检查组有人员依法回避，"
        "已按抽取规则由您接替（检查期间{period_start}至{period_end}）。检查组：{members}\n"
        "请适时与检查对象进行联系，告知检查时间安排、检查内容事项，同时告知检查对象应准备的材料。",
        (*_TASK, "name", "target", "department", "members")),
    Kind.GROUP_LEFT: Default(
        "抽查任务{task_code}：您已回避，不再负责{target}的检查",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》中，您与{target}的回避关系已登记，您不再参加"
        "{department}检查组对该单位的检查，请勿再与其联系；已按抽取规则由其他人员接替。",
        (*_TASK, "name", "target", "department")),
    Kind.INSPECTION_NOTICE: Default(
        "检查通知：{task_name}",
        "{entity}：\n"
        "根据“双随机、一公开”抽查工作安排，{organisation}将对贵单位开展监督检查，现告知如下：\n"
        "检查时间：{date}\n"
        "检查事项：{items}\n"
        "需准备的材料：{materials}\n"
        "执法检查人员：{inspectors}\n"
        "检查人员到达时将出示检查通知书，请扫描通知书上的二维码（或访问 {verify_url}）核验"
        "检查人员及其执法证信息。请予以配合。",
        (*_TASK, "entity", "date", "items", "materials", "inspectors", "verify_url")),
    Kind.ENTRY_REMINDER: Default(
        "抽查任务{task_code}：检查结果录入期限将至",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》的检查结果应于{deadline}前录入并提交（还有{days_left}"
        "个工作日）。尚未提交的检查结果：{count}项。",
        (*_TASK, "name", "deadline", "days_left", "count")),
    Kind.PUBLICATION_REMINDER: Default(
        "检查结果公示期限将至",
        "{name}：\n"
        "抽查任务{task_code}《{task_name}》有{count}项检查结果应于{deadline}前审核并公示（还有"
        "{days_left}个工作日）。请及时审核，谁检查、谁公示。",
        (*_TASK, "name", "deadline", "days_left", "count")),
    Kind.OVERDUE: Default(
        "逾期事项提醒（{today}）",
        "{name}：\n"
        "截至{today}，{organisation}有逾期事项：逾期未录入的检查结果{late_entries}项，逾期未公示"
        "的检查结果{late_publications}项，逾期未办结的后续处置{late_follow_ups}项。请登录平台"
        "查看逾期清单。",
        ("organisation", "name", "today", "late_entries", "late_publications",
         "late_follow_ups")),
    Kind.ENTITY_CODE: Default(
        "{organisation}企业端登录验证码",
        "{entity}：\n"
        "您的企业端登录验证码为{code}，{minutes}分钟内有效，仅可使用一次。如非本单位人员操作，"
        "请勿将验证码告知他人，并联系{organisation}。",
        ("organisation", "entity", "code", "minutes"), required=("code",)),
    Kind.ENTITY_REQUEST: Default(
        "企业申请待答复：{kind}（{entity}）",
        "{name}：\n"
        "{entity}通过企业端提交了{kind}，请于{due_on}前登录平台“企业申请”页面答复。",
        ("organisation", "name", "entity", "kind", "due_on")),
}
