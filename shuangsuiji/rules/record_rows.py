"""Checking rows of the smaller imports (inspectors, items) field by field.

These files have hundreds of rows, not millions: each row becomes a dict of clean values,
with every problem named by the file's column header.
"""

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import parse_date
from .errors import RuleError, detached, gettext_noop
from .tabular import Column, HeaderMap, spare_cells

TEXT, DATE, CHOICE, CODE = "text", "date", "choice", "code"
# A code from a national system (监管事项编码, 检查实施清单编码): letters, digits and hyphens.
_CODE = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")


@dataclass(frozen=True)
class FieldRule:
    """How one field's cells are read: text up to a length, a date, or one of some words."""

    field: str
    kind: str = TEXT
    max_length: int | None = None
    required: bool = False
    words: Mapping[str, str] = dataclasses.field(default_factory=dict)
    default: Any = ""


class FieldError(RuleError):
    """A cell that breaks its field's rule."""


def required_error() -> FieldError:
    return FieldError(gettext_noop("a value is required"))


def lookup_word(words: Mapping[str, str], raw: str) -> str | None:
    """The value for a word, ignoring width, case and spaces ("重点 " == "重点")."""
    if raw in words:
        return words[raw]
    folded = unicodedata.normalize("NFKC", raw).replace(" ", "")
    for candidate in (folded, folded.lower(), folded.upper()):
        if candidate in words:
            return words[candidate]
    return None


class RecordChecker:
    """Reads rows into dicts of clean values; `check` returns (values, problems)."""

    def __init__(self, header_map: HeaderMap, columns: Sequence[Column],
                 rules: Sequence[FieldRule]) -> None:
        self.map = header_map
        self.rules = [r for r in rules if r.field in header_map.fields or r.required]
        self.defaults = {r.field: r.default for r in rules if r.field not in header_map.fields}
        self.header = {c.field: header_map.header_of(c.field, columns) for c in columns}

    def cell(self, cells: Sequence[str], name: str) -> str:
        index = self.map.fields.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def check(self, cells: Sequence[str]) -> tuple[dict[str, Any], list[tuple[str, RuleError]]]:
        values: dict[str, Any] = dict(self.defaults)
        problems: list[tuple[str, RuleError]] = list(spare_cells(cells, self.map))
        for rule in self.rules:
            raw = self.cell(cells, rule.field)
            try:
                values[rule.field] = self._read(rule, raw)
            except RuleError as exc:
                problems.append((self.header[rule.field], detached(exc)))
        return values, problems

    def _read(self, rule: FieldRule, raw: str) -> Any:
        if not raw:
            if rule.required:
                raise required_error()
            return rule.default
        if rule.kind == DATE:
            return parse_date(raw)  # InvalidDate names the problem
        if rule.kind == CHOICE:
            value = lookup_word(rule.words, raw)
            if value is None:
                allowed = "、".join(k for k in rule.words if not k.isascii())
                raise FieldError(gettext_noop('"{value}" is not one of: {allowed}'),
                                 value=raw, allowed=allowed)
            return value
        if rule.kind == CODE:
            raw = unicodedata.normalize("NFKC", raw).replace(" ", "").upper()
            if not _CODE.fullmatch(raw):
                raise FieldError(gettext_noop('"{value}" is not a code: letters, digits and '
                                              'hyphens only'), value=raw)
        if rule.max_length is not None and len(raw) > rule.max_length:
            raise FieldError(gettext_noop("too long: {length} characters, at most {limit}"),
                             length=len(raw), limit=rule.max_length)
        return raw


def check_period(start: date | None, end: date | None) -> FieldError | None:
    """The end of a validity period must not come before its start."""
    if start and end and end < start:
        return FieldError(gettext_noop("the end of validity ({end}) is before its start "
                                       "({start})"), end=end.isoformat(),
                          start=start.isoformat())
    return None
