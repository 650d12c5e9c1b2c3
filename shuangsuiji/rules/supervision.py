"""监管行为数据: one inspection as the provincial 互联网+监管 system takes it.

The elements follow the two local standards that list them, DB33/T 2392-2021 (“互联网+监管”
数据规范, Zhejiang) and DB23/T 2833-2021 (“互联网+监管”系统监管数据规范 第2部分:监管行为数据,
Heilongjiang); docs/data-exchange.md says, element by element, which standard and version it
follows and where the key was inferred. Pure Python: the Django side gathers `Facts`, this
module decides what leaves the platform.

What never leaves: credit-risk classes (信用风险分类结果不对外), inspectors' identity numbers
and phones, the entity's contacts, and any field an approved redaction withholds. `record`
refuses facts that carry any of them rather than silently dropping them.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .publication import mask_text

STANDARD_ZJ = "DB33/T 2392-2021"
STANDARD_HLJ = "DB23/T 2833-2021"
INFERRED = "inferred"
SCHEMA_VERSION = "1"

# 检查方式 as the 54号 rules and issue 23 name the kinds of inspection: a random draw
# (双随机抽查) and the non-random kinds that will slot in.
KIND_RANDOM = "random"
KINDS: dict[str, str] = {
    KIND_RANDOM: "双随机抽查",
    "key": "重点检查",
    "special": "专项检查",
    "complaint": "投诉举报核查",
    "assigned": "上级交办",
}


@dataclass(frozen=True)
class Element:
    """One element of a 监管行为数据 record: its key, its name in the standards, where from."""

    key: str
    name: str
    standards: tuple[str, ...]
    required: bool = True
    # The element's own key in the standard could not be checked against the published text:
    # the key here is this platform's, the name is the standard's.
    key_inferred: bool = True
    redactable_as: str = ""  # the publication field whose withholding removes this element


ELEMENTS: tuple[Element, ...] = (
    Element("record_id", "监管行为编号", (INFERRED,)),
    Element("implementation_code", "检查实施清单编码", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("regulatory_code", "监管事项编码", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("item_name", "检查事项名称", (INFERRED,)),
    Element("target_name", "检查对象名称", (STANDARD_HLJ, STANDARD_ZJ),
            redactable_as="entity_name"),
    Element("target_uscc", "检查对象统一社会信用代码", (STANDARD_HLJ, STANDARD_ZJ),
            redactable_as="uscc"),
    Element("target_region_code", "检查对象所在行政区划代码", (INFERRED,), required=False,
            redactable_as="region_code"),
    Element("inspectors", "检查人员", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("inspected_on", "检查时间", (STANDARD_HLJ, STANDARD_ZJ),
            redactable_as="inspected_on"),
    Element("kind", "检查方式", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("methods", "检查手段", (INFERRED,), required=False),
    Element("result", "检查结果", (STANDARD_HLJ, STANDARD_ZJ), redactable_as="result"),
    Element("findings", "检查情况", (INFERRED,), required=False, redactable_as="findings"),
    Element("measures", "处理措施", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("authority_name", "检查机关", (STANDARD_HLJ, STANDARD_ZJ)),
    Element("authority_code", "检查机关统一社会信用代码", (INFERRED,), required=False),
    Element("task_code", "检查任务编号", (INFERRED,)),
    Element("task_name", "检查任务名称", (INFERRED,)),
    Element("joint", "是否联合检查", (INFERRED,)),
)
KEYS: tuple[str, ...] = tuple(e.key for e in ELEMENTS)
# Keys of one inspector within `inspectors`: a name and a 执法证号, nothing else.
INSPECTOR_KEYS = ("name", "certificate_number")
# What a record may never carry, whatever the facts hold.
FORBIDDEN_KEYS = frozenset({"risk_class", "id_number", "phone", "contact_name",
                            "contact_phone", "legal_rep", "address"})


class RecordError(ValueError):
    """Facts that cannot become a record (named: the element and why)."""


@dataclass(frozen=True)
class Inspector:
    name: str
    certificate_number: str


@dataclass(frozen=True)
class Item:
    name: str
    implementation_code: str
    regulatory_code: str


@dataclass(frozen=True)
class Facts:
    """What the Django side knows of one approved inspection."""

    inspection_id: int
    kind: str
    task_code: str
    task_name: str
    joint: bool
    authority_name: str
    authority_code: str
    target_name: str
    target_uscc: str
    target_region_code: str
    inspected_on: date | None
    methods: tuple[str, ...]
    result: tuple[str, ...]  # category wording, as the publicity system writes it
    findings: str  # already masked (rules.publication.mask_names)
    measures: tuple[str, ...]  # 后续处置 wording
    items: tuple[Item, ...]
    inspectors: tuple[Inspector, ...]
    withheld: frozenset[str] = field(default_factory=frozenset)


def record_id(inspection_id: int, item_index: int) -> str:
    """Stable: the same inspection and item give the same id in every batch and push."""
    return f"SSJ-{inspection_id}-{item_index + 1}"


def records(facts: Facts) -> list[dict[str, object]]:
    """One record per checklist item (the standards key each behaviour by its 检查实施清单编码);
    an inspection with no coded item still gives one record, its codes empty."""
    if facts.kind not in KINDS:
        raise RecordError(f"kind: unknown kind of inspection {facts.kind!r}")
    items = facts.items or (Item(name="", implementation_code="", regulatory_code=""),)
    return [_record(facts, i, item) for i, item in enumerate(items)]


def _record(facts: Facts, index: int, item: Item) -> dict[str, object]:
    out: dict[str, object] = {
        "record_id": record_id(facts.inspection_id, index),
        "implementation_code": item.implementation_code,
        "regulatory_code": item.regulatory_code,
        "item_name": item.name,
        "target_name": facts.target_name,
        "target_uscc": facts.target_uscc,
        "target_region_code": facts.target_region_code,
        "inspectors": [{"name": p.name, "certificate_number": p.certificate_number}
                       for p in facts.inspectors],
        "inspected_on": facts.inspected_on.isoformat() if facts.inspected_on else "",
        "kind": KINDS[facts.kind],
        "methods": list(facts.methods),
        "result": "；".join(facts.result),
        # Masked again here: whatever the caller did, no identity or phone number leaves.
        "findings": mask_text(facts.findings),
        "measures": "；".join(facts.measures),
        "authority_name": facts.authority_name,
        "authority_code": facts.authority_code,
        "task_code": facts.task_code,
        "task_name": facts.task_name,
        "joint": facts.joint,
    }
    for element in ELEMENTS:
        if element.redactable_as and element.redactable_as in facts.withheld:
            out[element.key] = ""
    out["withheld"] = sorted(e.key for e in ELEMENTS
                             if e.redactable_as and e.redactable_as in facts.withheld)
    check(out)
    return out


def check(record: Mapping[str, object]) -> None:
    """Refuse a record that carries a forbidden key or lacks an element."""
    keys = set(record)
    bad = keys & FORBIDDEN_KEYS
    if bad:
        raise RecordError(f"forbidden elements: {', '.join(sorted(bad))}")
    missing = [k for k in KEYS if k not in keys]
    if missing:
        raise RecordError(f"missing elements: {', '.join(missing)}")
    unknown = keys - set(KEYS) - {"withheld"}
    if unknown:
        raise RecordError(f"unknown elements: {', '.join(sorted(unknown))}")
    for person in record["inspectors"]:  # type: ignore[attr-defined]
        if set(person) != set(INSPECTOR_KEYS):
            raise RecordError("inspectors: only a name and a certificate number")


def header() -> list[str]:
    """The elements' names, in order (the first line a reader of the file may show)."""
    return [e.name for e in ELEMENTS]


def element_table(elements: Iterable[Element] = ELEMENTS) -> Sequence[tuple[str, str, str]]:
    """(key, name, standards) rows, as docs/data-exchange.md lists them."""
    return [(e.key, e.name, ", ".join(e.standards)) for e in elements]
