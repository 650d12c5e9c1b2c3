"""What a published result says: personal data masked in free text, withheld fields left out,
and the row layout of the export files for the national and city credit platforms.

Pure Python: the services build a `Snapshot` from the database and call these functions; the
export writers (Excel, CSV) only lay out what `export_row` returns.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from . import code_tables
from .masking import mask_id_number, mask_name, mask_phone
from .spreadsheet import neutralise

# -- Masking personal data in free text (个人隐私) -------------------------------------------------

# 18-character identity numbers: 6-digit region, a birth date 18xx–20xx, 3 digits, a check
# character. The date test keeps 18-digit codes that are not identity numbers (a USCC written
# in digits only starts with a registration type such as 91, never a date at position 7).
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Mobile numbers (optionally +86 / 86 in front, spaces or hyphens in 3-4-4 groups).
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?![0-9])")
# Landlines with their area code: 0356-1234567, (0356)12345678, 0356 1234567, 03561234567.
_LANDLINE = re.compile(r"(?<![0-9])(\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[- ]?)(\d{7,8})(?![0-9])")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def mask_text(text: str) -> str:
    """Mask identity numbers and phone numbers wherever they appear in free text.

    Identity numbers keep their region and last four characters (110101********1234), mobile
    numbers their first three and last four digits (138****5678), landlines their area code
    and last two digits (0356-*****67). Other numbers (amounts, decision numbers) are untouched.
    """
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    text = _MOBILE.sub(lambda m: mask_phone(_digits(m.group(1))), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * (len(m.group(2)) - 2) + m.group(2)[-2:],
                         text)


def mask_names(text: str, names: Iterable[str]) -> str:
    """Mask the given people's names wherever they appear (张三 → 张*).

    Free text cannot be searched for every possible name; the names the platform knows belong
    to private persons on this result — the legal representative, the entity's contacts, the
    representative who signed — are the ones a findings text mentions. Longest first, so
    "欧阳娜娜" is not left as "欧阳**娜" by a shorter "欧阳娜".
    """
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len,
                       reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def contains_personal_data(text: str) -> bool:
    """Whether masking would change the text (for checks and tests)."""
    return mask_text(text) != text


# -- The fields of a published result that an approved redaction can withhold ------------------

# Public field name → the snapshot attributes it covers.
REDACTABLE: dict[str, tuple[str, ...]] = {
    "entity_name": ("entity_name",),
    "uscc": ("uscc",),
    "region_code": ("region_code",),
    "inspected_on": ("inspected_on",),
    "result": ("categories", "category_text"),
    "findings": ("findings",),
}
# Refusal, concealment and falsification are published as such (拒绝检查、隐瞒真实情况、
# 弄虚作假 … 向社会公开): no redaction withholds them.


def check_fields(fields: Iterable[str]) -> list[str]:
    """The redactable fields named, in the canonical order; unknown names are refused."""
    wanted = set(fields)
    unknown = sorted(wanted - set(REDACTABLE))
    if unknown:
        raise ValueError(", ".join(unknown))
    return [name for name in REDACTABLE if name in wanted]


def chinese_term(label: str) -> str:
    """The official Chinese term of a label written `English (中文)`; the label otherwise.

    The labels of the result categories end with the national system's wording in
    parentheses, which may itself contain full-width parentheses: （经营场所）.
    """
    match = re.search(r"\(([^()]+)\)\s*$", label)
    return match.group(1) if match else label


@dataclass
class Snapshot:
    """The public content of one result before redaction."""

    entity_name: str
    uscc: str
    region_code: str
    department_name: str
    task_code: str
    task_name: str
    inspected_on: date | None
    categories: list[str]
    category_text: str
    conduct: str
    conduct_text: str
    findings: str
    withheld_fields: list[str] = field(default_factory=list)
    # 检查类型: 双随机抽查, or the kind of an inspection the office chose (INSPECTION_TYPES).
    inspection_type: str = "双随机抽查"


_EMPTY: dict[str, object] = {"inspected_on": None, "categories": []}


def redact(snapshot: Snapshot, withheld: Iterable[str]) -> Snapshot:
    """The snapshot with the withheld fields' values removed and their names recorded.

    Free text is masked whatever is withheld: personal data is never published.
    """
    names = check_fields(withheld)
    values = dict(snapshot.__dict__)
    values["findings"] = mask_text(values["findings"])
    for name in names:
        for attr in REDACTABLE[name]:
            values[attr] = _EMPTY.get(attr, "")
    values["withheld_fields"] = names
    return Snapshot(**values)


# -- The export files (国家企业信用信息公示系统 抽查检查结果 template; the city platform) ---

INSPECTION_TYPE = "双随机抽查"
# 检查类型 of each kind of task (plans.choices.TaskKind), as the export and the portal show it.
INSPECTION_TYPES = {"random": INSPECTION_TYPE, "key": "重点检查", "special": "专项检查",
                    "complaint": "投诉举报核查", "assigned": "上级交办"}
WITHHELD_NOTE = "依法不予公示："

# Column headers, in order, as the national system's import template names them.
EXPORT_COLUMNS: Sequence[str] = (
    "统一社会信用代码",
    "企业名称",
    "检查实施机关",
    "检查类型",
    "检查日期",
    "检查结果",
    "检查任务编号",
    "检查任务名称",
    "拒绝检查、隐瞒真实情况、弄虚作假",
    "检查情况说明",
    "行政区划代码",
    "行政区划名称",
    "公示日期",
    "备注",
)

# How the withheld field names read in the 备注 column.
FIELD_TERMS = {"entity_name": "企业名称", "uscc": "统一社会信用代码",
               "region_code": "行政区划代码", "inspected_on": "检查日期", "result": "检查结果",
               "findings": "检查情况说明"}


@dataclass(frozen=True)
class ExportSource:
    """What the export needs of one published result (already redacted and masked)."""

    uscc: str
    entity_name: str
    department_name: str
    inspected_on: date | None
    category_text: str
    task_code: str
    task_name: str
    conduct_text: str
    findings: str
    region_code: str
    published_on: date
    withheld_fields: Sequence[str] = ()
    inspection_type: str = INSPECTION_TYPE


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def export_row(source: ExportSource) -> list[str]:
    """One line of the export file, in the order of EXPORT_COLUMNS (all text)."""
    note = ""
    if source.withheld_fields:
        note = WITHHELD_NOTE + "、".join(FIELD_TERMS[f] for f in source.withheld_fields
                                         if f in FIELD_TERMS)
    return [source.uscc, source.entity_name, source.department_name, source.inspection_type,
            _day(source.inspected_on), source.category_text, source.task_code, source.task_name,
            source.conduct_text, mask_text(source.findings), source.region_code,
            region_name(source.region_code), _day(source.published_on), note]


def region_name(code: str) -> str:
    """山西省 晋城市 城区 for the 行政区划名称 column; 未知代码 for a code not in the table."""
    if not code:
        return ""
    return code_tables.region_path(code) or "未知代码"


def csv_safe(value: str) -> str:
    """A cell that spreadsheet programs would read as a formula gets a leading apostrophe."""
    return neutralise(value)
