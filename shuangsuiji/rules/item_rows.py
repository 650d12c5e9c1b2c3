"""Rows of the 抽查事项清单 import and export: the item list's columns, in Chinese."""

from .record_rows import CHOICE, CODE, FieldRule, RecordChecker
from .tabular import Column, HeaderMap

COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", ("事项编码", "编号", "序号编码"), required=True),
    Column("category", "抽查类别", ("类别",), required=True),
    Column("matter", "抽查事项", ("事项名称", "检查事项"), required=True),
    Column("sub_item", "抽查子项", ("子项", "检查子项")),
    Column("target_type", "检查对象", ("抽查对象",), required=True),
    Column("basis", "检查依据", ("抽查依据", "法律依据"), required=True),
    Column("department", "检查主体", ("检查主体(部门代码或名称)", "抽查主体", "实施主体"),
           required=True),
    Column("content", "检查内容", ("抽查内容",), required=True),
    Column("method", "检查方式", ("抽查方式",), required=True),
    Column("kind", "事项类别", ("事项类型", "重点/一般")),
    Column("ratio_guidance", "抽查比例", ("比例",)),
    Column("frequency_guidance", "抽查频次", ("频次",)),
    Column("inspector_requirements", "检查人员要求", ("人员要求",)),
    Column("remarks", "备注", ("说明",)),
    # The codes the 互联网+监管 system gives an item: its 监管事项 and its 检查实施清单.
    Column("regulatory_code", "监管事项编码", ("监管事项代码", "事项编码(互联网+监管)")),
    Column("implementation_code", "检查实施清单编码", ("实施清单编码", "检查实施清单代码")),
)

KIND_WORDS = {"重点": "key", "重点检查事项": "key", "重点事项": "key", "一般": "general",
              "一般检查事项": "general", "一般事项": "general", "key": "key",
              "general": "general"}
KIND_HEADERS = {"key": "重点", "general": "一般"}

RULES = (
    FieldRule("code", max_length=40, required=True),
    FieldRule("category", max_length=100, required=True),
    FieldRule("matter", max_length=200, required=True),
    FieldRule("sub_item", max_length=200),
    FieldRule("target_type", max_length=200, required=True),
    FieldRule("basis", required=True),
    FieldRule("department", max_length=100, required=True),
    FieldRule("content", required=True),
    FieldRule("method", max_length=200, required=True),
    FieldRule("kind", CHOICE, words=KIND_WORDS, default="general"),
    FieldRule("ratio_guidance", max_length=200),
    FieldRule("frequency_guidance", max_length=200),
    FieldRule("inspector_requirements", max_length=300),
    FieldRule("remarks"),
    FieldRule("regulatory_code", CODE, max_length=64),
    FieldRule("implementation_code", CODE, max_length=64),
)


class ItemRowChecker(RecordChecker):
    def __init__(self, header_map: HeaderMap) -> None:
        super().__init__(header_map, COLUMNS, RULES)
