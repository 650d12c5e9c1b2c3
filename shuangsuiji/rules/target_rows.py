"""Checking rows of licence and directory data for the 检查对象名录库.

A row becomes a flat tuple ready for the staging table (`STAGED_FIELDS` order), or a list of
(column, error) problems. Written for throughput (a million rows in seconds): no objects per
row, and whole chunks checked column by column, with the per-row rule as the reference.
"""

import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import code_tables, codes, columnar, uscc
from .dates import InvalidDate, parse_date
from .errors import RuleError, detached, gettext_noop
from .phones import PHONE_PATTERN, is_phone
from .tabular import Column, HeaderMap, spare_cells

# Entity fields, in the order they are fingerprinted and staged.
ENTITY_FIELDS = ("uscc", "no_code_reason", "name", "entity_type", "legal_rep", "address",
                 "region_code", "industry_code", "registration_authority", "locality",
                 "founded_on", "reg_status", "risk_class")
LICENCE_FIELDS = ("lic_number", "lic_decision_no", "lic_title", "lic_item", "lic_authority",
                  "lic_decided_on", "lic_valid_from", "lic_valid_to")
# The entity's contact person (entities.Contact), as the licensing bureau's exports give one.
CONTACT_FIELDS = ("contact_name", "contact_phone")
# What a checked row carries into the staging table, in this order.
STAGED_FIELDS = ("row", "entity_key", *ENTITY_FIELDS, "fingerprint", "lic_key", "lic_item",
                 "lic_decision_no", "lic_authority", "lic_decided_on", "lic_valid_from",
                 "lic_valid_to", *CONTACT_FIELDS)

COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", ("行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1",
                                "社会信用代码", "信用代码", "统一代码", "USCC")),
    Column("no_code_reason", "无代码原因", ("无统一社会信用代码原因", "无信用代码原因")),
    Column("name", "企业名称", ("单位名称", "行政相对人名称", "市场主体名称", "主体名称", "名称",
                              "检查对象名称", "对象名称"), required=True),
    Column("entity_type", "市场主体类型", ("行政相对人类别", "企业类型", "主体类型", "单位类型",
                                      "企业类型(性质)")),
    Column("legal_rep", "法定代表人", ("法定代表人(负责人)", "法定代表人姓名", "负责人",
                                   "法人代表")),
    Column("address", "住所", ("地址", "住所(经营场所)", "经营场所", "注册地址", "单位地址",
                             "经营地址")),
    Column("region_code", "行政区划代码", ("区划代码", "所属行政区划代码", "行政区划")),
    Column("industry_code", "行业代码(国民经济行业分类)", ("行业代码", "国民经济行业代码",
                                                  "国民经济行业分类代码", "行业分类代码")),
    Column("registration_authority", "登记机关", ("登记管理机关",)),
    Column("locality", "属地", ("所属区域", "所属辖区", "属地管辖")),
    Column("founded_on", "成立日期", ("设立日期", "注册日期", "成立时间")),
    Column("reg_status", "登记状态", ("当前状态", "经营状态", "企业状态", "登记状态(经营状态)")),
    Column("risk_class", "信用风险分类", ("信用风险等级", "风险等级", "风险分类",
                                      "信用风险分类结果")),
    Column("lic_number", "许可编号", ("许可证编号", "许可证号", "证书编号")),
    Column("lic_decision_no", "许可决定书文号", ("行政许可决定书文号", "决定书文号",
                                          "行政许可决定文书号")),
    Column("lic_title", "许可证书名称", ("证书名称", "许可证名称")),
    Column("lic_item", "许可内容", ("许可事项", "审批事项", "许可项目")),
    Column("lic_authority", "许可机关", ("发证机关", "审批机关", "许可决定机关")),
    Column("lic_decided_on", "许可决定日期", ("决定日期", "发证日期", "许可日期")),
    Column("lic_valid_from", "有效期自", ("有效期起", "有效期开始日期", "有效期起始日期")),
    Column("lic_valid_to", "有效期至", ("有效期止", "有效期截止日期", "有效期结束日期")),
    Column("contact_name", "联系人", ("联系人姓名", "企业联系人")),
    Column("contact_phone", "联系电话", ("联系人电话", "联系人手机", "联系方式", "电话")),
)
REQUIRED_ANY = (("uscc", "no_code_reason"),)

# Model field lengths (entities.Target, Licence, Contact); a test keeps them in step.
MAX_LENGTHS: dict[str, int] = {
    "no_code_reason": 200, "name": 200, "entity_type": 100, "legal_rep": 100, "address": 300,
    "region_code": 12, "industry_code": 10, "registration_authority": 100, "locality": 100,
    "lic_number": 100, "lic_decision_no": 100, "lic_item": 200, "lic_authority": 100,
    "contact_name": 50, "contact_phone": 30,
}
_TEXT_FIELDS = ("no_code_reason", "name", "entity_type", "legal_rep", "address",
                "registration_authority", "locality")
DATE_FIELDS = ("founded_on", "lic_decided_on", "lic_valid_from", "lic_valid_to")
DEFAULT_REG_STATUS = "active"
_DEFAULTS: dict[str, object] = {"founded_on": None}

# 信用风险分类 as the credit platform writes it: A (low) … D (high).
RISK_WORDS: dict[str, str] = {
    "A": "A", "B": "B", "C": "C", "D": "D",
    "A类": "A", "B类": "B", "C类": "C", "D类": "D",
    "低风险": "A", "一般风险": "B", "较高风险": "C", "高风险": "D",
    "低": "A", "一般": "B", "较高": "C", "高": "D",
}

# Empty, or the shape of rules/codes.py (the directory's forms and API check the same).
_REGION_PATTERN = f"(?:{codes.REGION_PATTERN})?"
_REGION = re.compile(_REGION_PATTERN)
_sha256 = hashlib.sha256
_hexdigest = operator.methodcaller("hexdigest")


_ENTITY_POS = {f: i for i, f in enumerate(ENTITY_FIELDS)}


class StagedColumns:
    """Checked rows column by column, in `STAGED_FIELDS` order (a chunk for the staging table)."""

    def __init__(self, columns: list[Sequence[Any]]) -> None:
        self.columns = columns

    @classmethod
    def empty(cls) -> "StagedColumns":
        return cls([[] for _ in STAGED_FIELDS])

    def __len__(self) -> int:
        return len(self.columns[0])

    def rows(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.columns, strict=True)

    def extend_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.columns = [[*column, *values] for column, values
                        in zip(self.columns, zip(*rows, strict=True), strict=True)]


def _unknown(values: Sequence[str], known: Callable[[str], bool]) -> set[int]:
    """Positions of codes the table does not hold (each distinct value looked up once)."""
    unknown = {v for v in set(values) if v and not known(v)}
    return {i for i, v in enumerate(values) if v in unknown} if unknown else set()


def _same(column: Sequence[Any]) -> Sequence[Any]:
    return column


def _picker(keep: list[int]) -> Callable[[Sequence[Any]], list[Any]]:
    """A function taking the kept positions out of a column (one C loop per column)."""
    if len(keep) == 1:
        return lambda column: [column[keep[0]]]
    take = operator.itemgetter(*keep)
    return lambda column: list(take(column))


def _combine(item: str, title: str) -> str:
    """许可内容 with the 许可证书名称 when both are given and differ; else whichever is."""
    if title and item and title != item:
        return f"{item}（{title}）"
    return item or title


def check_code(raw: str) -> str:
    """A valid, normalised code; InvalidCode with the reason otherwise.

    Clean codes (the usual case) are checked without normalising; anything else goes through
    rules.uscc.validate, which normalises and names the exact problem.
    """
    if columnar.is_clean_code(raw):
        return raw
    return uscc.validate(raw)


class CellError(RuleError):
    """A value that breaks a rule of its column."""


def _too_long(limit: int, length: int) -> CellError:
    return CellError(gettext_noop("too long: {length} characters, at most {limit}"),
                     length=length, limit=limit)


@dataclass(frozen=True)
class Vocabulary:
    """The words accepted for statuses and risk classes (the Django layer supplies statuses)."""

    reg_status: Mapping[str, str]
    risk_class: Mapping[str, str]

    def lookup(self, words: Mapping[str, str], raw: str) -> str | None:
        value = words.get(raw)
        if value is None:
            folded = unicodedata.normalize("NFKC", raw).replace(" ", "")
            value = words.get(folded) or words.get(folded.upper()) or words.get(folded.lower())
        return value


class TargetRowChecker:
    """Checks the rows of one file against its header map.

    `check` is the rule for one row: it normalises each cell, names every problem, or
    returns the staged tuple. `check_chunk` gives the same answers for thousands of rows at
    once: column-wide tests find the rows that might be wrong (rules.columnar), only those go
    through `check`, and the rest are assembled column by column.
    """

    def __init__(self, header_map: HeaderMap, vocabulary: Vocabulary) -> None:
        self.map = header_map
        self.vocabulary = vocabulary
        fields = header_map.fields
        self.header = {c.field: header_map.header_of(c.field, COLUMNS) for c in COLUMNS}
        self.text_idx = [(f, fields[f], MAX_LENGTHS[f]) for f in _TEXT_FIELDS if f in fields]
        self.date_idx = {f: fields[f] for f in DATE_FIELDS if f in fields}
        self.idx = fields
        self.mapped_entity = tuple(f for f in ENTITY_FIELDS if f in fields)
        # The fingerprint covers the fields this file carries, named, so a file with other
        # columns never looks "unchanged" by accident.
        self.fp_prefix = ("|".join(self.mapped_entity) + "\x1e").encode()
        self.has_spare = bool(header_map.unnamed)
        self.width = len(header_map.headers)
        self.status_words = vocabulary.reg_status
        self.risk_words = vocabulary.risk_class
        self.has_licence = any(f in fields for f in LICENCE_FIELDS)

    def cell(self, cells: Sequence[str], field: str) -> str:
        index = self.idx.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def check_chunk(self, rows: Sequence[tuple[int, list[str]]]
                    ) -> tuple["StagedColumns", list[tuple[int, str, RuleError]]]:
        """The good rows column by column, and (row, column, error) for each problem."""
        staged, recheck = self._by_columns(rows)
        problems: list[tuple[int, str, RuleError]] = []
        good: list[tuple[Any, ...]] = []
        for i in sorted(recheck):
            row, cells = rows[i]
            checked, found = self.check(row, cells)
            if checked is not None:
                good.append(checked)
            problems.extend((row, column, error) for column, error in found)
        staged.extend_rows(good)
        return staged, problems

    def _by_columns(self, rows: Sequence[tuple[int, list[str]]]
                    ) -> tuple["StagedColumns", set[int]]:
        n, width = len(rows), self.width
        if not n or self.has_spare:
            return StagedColumns.empty(), set(range(n))
        cells_list = [cells for _, cells in rows]
        bad: set[int] = set()
        if set(map(len, cells_list)) != {width}:
            bad = {i for i, c in enumerate(cells_list) if len(c) != width}
            cells_list = [c if len(c) == width else (c + [""] * width)[:width]
                          for c in cells_list]
        raw = list(zip(*cells_list, strict=True))
        empty = ("",) * n
        col: dict[str, Sequence[str]] = {f: tuple(map(str.strip, raw[i]))
                                         for f, i in self.idx.items()}
        get: Callable[[str], Sequence[str]] = lambda f: col.get(f, empty)  # noqa: E731
        bad |= columnar.suspect_codes(get("uscc")) | columnar.suspect_empty(get("name"))
        for field, limit in MAX_LENGTHS.items():
            if field in col:
                bad |= columnar.suspect_lengths(col[field], limit)
        if "region_code" in col:
            bad |= columnar.suspect_pattern(col["region_code"], _REGION_PATTERN)
            bad |= _unknown(col["region_code"], code_tables.region_known)
        if "industry_code" in col:
            bad |= _unknown(col["industry_code"], code_tables.industry_spellings().__contains__)
        for field in DATE_FIELDS:
            if field in col:
                col[field], odd_dates = columnar.suspect_dates(col[field])
                bad |= odd_dates
        status, odd = columnar.translate(get("reg_status"), {**self.status_words,
                                                               "": DEFAULT_REG_STATUS})
        risk, odd_risk = columnar.translate(get("risk_class"), {**self.risk_words, "": ""})
        licence, odd_licence = self._licence_columns(get)
        bad |= odd | odd_risk | odd_licence | self._odd_contacts(get)
        if len(bad) == n:
            return StagedColumns.empty(), bad
        pick = _picker([i for i in range(n) if i not in bad]) if bad else _same
        normalised = {**col, "reg_status": status, "risk_class": risk}
        entity = [pick(normalised.get(f, empty)) for f in ENTITY_FIELDS]
        texts = map("\x1f".join, zip(*(entity[_ENTITY_POS[f]] for f in self.mapped_entity),
                                      strict=True))
        fingerprints = list(map(_hexdigest, map(_sha256, map(self.fp_prefix.__add__,
                                                              map(str.encode, texts)))))
        for field in ("founded_on",):
            entity[_ENTITY_POS[field]] = [d or None for d in entity[_ENTITY_POS[field]]]
        lic_dates = [[d or None for d in pick(get(f))] for f in DATE_FIELDS[1:]]
        numbers = pick([r for r, _ in rows])
        columns = [numbers, entity[0], *entity, fingerprints, *map(pick, licence), *lic_dates,
                   *(pick(get(f)) for f in CONTACT_FIELDS)]
        return StagedColumns(columns), bad

    @staticmethod
    def _odd_contacts(get: Callable[[str], Sequence[str]]) -> set[int]:
        """Rows whose phone is not of a phone's shape, or has no name to go with it."""
        names, phones = get("contact_name"), get("contact_phone")
        if not any(phones):
            return set()
        return ({i for i, p in enumerate(phones) if p and not names[i]}
                | columnar.suspect_pattern(phones, f"(?:{PHONE_PATTERN})?"))

    def _licence_columns(self, get: Callable[[str], Sequence[str]]
                         ) -> tuple[tuple[Sequence[str], ...], set[int]]:
        """(key, item, decision number, authority) columns, and rows to look at closely."""
        numbers, decisions = get("lic_number"), get("lic_decision_no")
        titles, items, authority = get("lic_title"), get("lic_item"), get("lic_authority")
        if not self.has_licence:
            return (numbers, items, decisions, authority), set()
        keys = [n or d for n, d in zip(numbers, decisions, strict=True)]
        if "lic_title" in self.idx:
            items = [i if not t or t == i else f"{i}（{t}）" if i else t
                     for i, t in zip(items, titles, strict=True)]  # _combine, inlined
        bad = columnar.suspect_lengths(items, MAX_LENGTHS["lic_item"])
        if "" in keys:
            loose = list(zip(items, authority, get("lic_decided_on"), get("lic_valid_from"),
                             get("lic_valid_to"), strict=True))
            bad |= {i for i, k in enumerate(keys) if not k and any(loose[i])}
        starts, ends = get("lic_valid_from"), get("lic_valid_to")
        bad |= {i for i, (s, e) in enumerate(zip(starts, ends, strict=True))
                if s and e and e < s}
        return (keys, items, decisions, authority), bad

    def check(self, row: int, cells: list[str]
              ) -> tuple[tuple[Any, ...] | None, list[tuple[str, RuleError]]]:
        """(staged tuple, []) for a good row; (None, [(column, error), ...]) for a bad one."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        problems: list[tuple[str, RuleError]] = []
        values: dict[str, object] = {}
        for field, index, limit in self.text_idx:
            value = cells[index].strip()
            if len(value) > limit:
                problems.append((self.header[field], _too_long(limit, len(value))))
            values[field] = value
        self._check_code(cells, values, problems)
        self._check_codes_of_place(cells, values, problems)
        self._check_dates(cells, values, problems)
        self._check_words(cells, values, problems)
        licence = self._licence(cells, values, problems)
        contact = self._contact(cells, problems)
        if len(cells) > self.width or self.has_spare:
            problems.extend(spare_cells(cells, self.map))
        if problems:
            return None, problems
        entity = tuple(values.get(f, _DEFAULTS.get(f, "")) for f in ENTITY_FIELDS)
        fp_text = "\x1f".join(str(values[f] or "") for f in self.mapped_entity)
        fingerprint = hashlib.sha256(self.fp_prefix + fp_text.encode()).hexdigest()
        code = values["uscc"]
        entity_key = code if code else "#" + str(values["name"])
        return (row, entity_key, *entity, fingerprint, *licence, *contact), problems

    def _contact(self, cells: list[str], problems: list[tuple[str, RuleError]]
                 ) -> tuple[str, str]:
        """联系人 and 联系电话: a phone needs a name, and must look like a phone number."""
        name, phone = self.cell(cells, "contact_name"), self.cell(cells, "contact_phone")
        for field, value in (("contact_name", name), ("contact_phone", phone)):
            if len(value) > MAX_LENGTHS[field]:
                problems.append((self.header[field], _too_long(MAX_LENGTHS[field], len(value))))
        if phone and not is_phone(phone):
            problems.append((self.header["contact_phone"], CellError(gettext_noop(
                '"{value}" is not a phone number'), value=phone)))
        elif phone and not name:
            problems.append((self.header["contact_name"], CellError(gettext_noop(
                "a contact phone without the contact's name"))))
        return name, phone

    def _check_code(self, cells: list[str], values: dict[str, object],
                    problems: list[tuple[str, RuleError]]) -> None:
        raw = self.cell(cells, "uscc")
        code: str | None = None
        if raw:
            try:
                code = check_code(raw)
            except uscc.InvalidCode as exc:
                problems.append((self.header["uscc"], detached(exc)))
        elif not values.get("no_code_reason"):
            problems.append((self.header["uscc"] if "uscc" in self.idx
                             else self.header["no_code_reason"], CellError(gettext_noop(
                                 "a unified social credit code, or the reason for having "
                                 "none, is required"))))
        values["uscc"] = code
        values.setdefault("no_code_reason", "")
        if not values.get("name"):
            problems.append((self.header["name"], CellError(gettext_noop(
                "the name is required"))))

    def _check_codes_of_place(self, cells: list[str], values: dict[str, object],
                              problems: list[tuple[str, RuleError]]) -> None:
        region = unicodedata.normalize("NFKC", self.cell(cells, "region_code"))
        if _REGION.fullmatch(region) is None:
            problems.append((self.header["region_code"], CellError(gettext_noop(
                'the region code "{value}" must be 6, 9 or 12 digits (GB/T 2260)'),
                value=region)))
        elif region and not code_tables.region_known(region):
            problems.append((self.header["region_code"], CellError(codes.UNKNOWN_REGION,
                                                                   value=region)))
        values["region_code"] = region
        industry = unicodedata.normalize("NFKC", self.cell(cells, "industry_code")).upper()
        if industry and not code_tables.industry_known(industry):
            # Of the wrong shape (7A20) or not in the table (7099): either way not a code.
            problems.append((self.header["industry_code"], CellError(codes.UNKNOWN_INDUSTRY,
                                                                     value=industry)))
        values["industry_code"] = industry

    def _check_dates(self, cells: list[str], values: dict[str, object],
                     problems: list[tuple[str, RuleError]]) -> None:
        for field, index in self.date_idx.items():
            try:
                day = parse_date(cells[index])
            except InvalidDate as exc:
                problems.append((self.header[field], detached(exc)))
                continue
            values[field] = day.isoformat() if day else None
        start, end = values.get("lic_valid_from"), values.get("lic_valid_to")
        if start and end and str(end) < str(start):
            problems.append((self.header["lic_valid_to"], CellError(gettext_noop(
                "the end of validity ({end}) is before its start ({start})"),
                end=end, start=start)))

    def _check_words(self, cells: list[str], values: dict[str, object],
                     problems: list[tuple[str, RuleError]]) -> None:
        status = self.cell(cells, "reg_status")
        if status:
            found = self.vocabulary.lookup(self.status_words, status)
            if found is None:
                problems.append((self.header["reg_status"], CellError(gettext_noop(
                    'unknown status "{value}"; use one of: {allowed}'), value=status,
                    allowed="、".join(sorted({k for k in self.status_words if not k.isascii()}
                                             )))))
            values["reg_status"] = found
        else:
            values["reg_status"] = DEFAULT_REG_STATUS
        risk = self.cell(cells, "risk_class")
        if risk:
            found = self.vocabulary.lookup(self.risk_words, risk)
            if found is None:
                problems.append((self.header["risk_class"], CellError(gettext_noop(
                    'unknown credit risk class "{value}"; use A, B, C or D (低风险, 一般风险, '
                    "较高风险, 高风险)"), value=risk)))
            values["risk_class"] = found
        else:
            values["risk_class"] = ""

    def _licence(self, cells: list[str], values: dict[str, object],
                 problems: list[tuple[str, RuleError]]
                 ) -> tuple[str, str, str, str, object, object, object]:
        number = self.cell(cells, "lic_number")
        decision = self.cell(cells, "lic_decision_no")
        item = _combine(self.cell(cells, "lic_item"), self.cell(cells, "lic_title"))
        authority = self.cell(cells, "lic_authority")
        for field, value in (("lic_number", number), ("lic_decision_no", decision),
                             ("lic_item", item), ("lic_authority", authority)):
            if len(value) > MAX_LENGTHS[field]:
                column = "lic_title" if field == "lic_item" and "lic_item" not in self.idx \
                    else field
                problems.append((self.header[column], _too_long(MAX_LENGTHS[field], len(value))))
        dates = (values.get("lic_decided_on"), values.get("lic_valid_from"),
                 values.get("lic_valid_to"))
        key = number or decision
        if not key and (item or authority or any(dates)):
            problems.append((self.header["lic_number"], CellError(gettext_noop(
                "licence data without a licence number or decision number"))))
        return (key, item, decision, authority, *dates)
