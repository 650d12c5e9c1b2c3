"""Checking a block of licence rows with polars: whole columns at once, in compiled code.

The per-row rule (`TargetRowChecker.check`) costs several microseconds of interpreter time
per row; a million-row import needs the common case to cost far less. This module runs the
same rules over whole columns of a block of raw lines and hands every row it cannot vouch
for to `TargetRowChecker.check`, which names the problem or accepts the row.

It is a filter, not a second rulebook: a row is accepted here only when every cell is in a
plain form on which both agree (clean codes, ASCII digits, ISO or 年月日 dates, words exactly
as the vocabulary writes them). Anything else goes to the per-row rule.
tests/rules/test_frame_check.py holds both to the same answers on messy data.

Blocks it does not take (`check` returns None) are checked the per-row way: quoted fields,
backslashes or tabs in cells (COPY's text format would need escapes), stray carriage
returns, rows with more cells than headers, bytes that are not UTF-8.
"""

import io
import sys
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import polars as pl
import polars_hash  # noqa: F401 - registers the `chash` namespace (SHA-256 in Rust)

from . import code_tables, codes, uscc
from .columnar import CODE_PATTERN, LEGAL_PREFIXES
from .errors import RuleError
from .pgcopy import copy_text
from .phones import PHONE_PATTERN
from .target_rows import (
    CONTACT_FIELDS,
    DATE_FIELDS,
    DEFAULT_REG_STATUS,
    ENTITY_FIELDS,
    MAX_LENGTHS,
    TargetRowChecker,
)

# What Python's str.strip() takes off, so that stripped cells are the same on both sides.
_WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
_BLANK = "^[ \t\r\n\u3000]*$"  # a line of nothing but these and delimiters is not a row
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_CHINESE_DAY = r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$"
_REGION = f"^(?:{codes.REGION_PATTERN})?$"
_CODE = f"^{CODE_PATTERN}$"
_PREFIXES = sorted(LEGAL_PREFIXES)
# Byte → value of a code character (GB 32100), and the weights of the first 17.
_VALUE = np.zeros(256, np.int32)
_VALUE[[ord(c) for c in uscc.ALPHABET]] = np.arange(len(uscc.ALPHABET))
_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), np.int32)
_LICENCE_OUT = ("lic_key", "lic_item", "lic_decision_no", "lic_authority", "lic_decided_on",
                "lic_valid_from", "lic_valid_to")
_PHONE = f"^(?:{PHONE_PATTERN})?$"


def _wrong_check_characters(codes: pl.Series) -> npt.NDArray[np.bool_]:
    """True where the 18th character is not the one GB 32100 gives (codes of 18 ASCII
    characters, as the code pattern guarantees)."""
    chars = np.frombuffer(codes.str.join("").item().encode("ascii"), np.uint8)
    values = _VALUE[chars.reshape(-1, 18)]
    expected = (31 - (values[:, :17] @ _WEIGHTS) % 31) % 31
    wrong: npt.NDArray[np.bool_] = expected != values[:, 17]
    return wrong


def _dates(cells: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(the cells as ISO dates, null for empty ones; true where the per-row rule must look)."""
    empty = cells == ""
    iso = cells.str.contains(_ISO)
    if not (iso | empty).all():
        parts = pl.col("c").str.extract_groups(_CHINESE_DAY).struct
        chinese = pl.concat_str([parts.field("1"), pl.lit("-"), parts.field("2").str.zfill(2),
                                 pl.lit("-"), parts.field("3").str.zfill(2)])
        cells = pl.DataFrame({"c": cells, "iso": iso}).select(
            pl.when(pl.col("iso")).then(pl.col("c")).otherwise(chinese)).to_series()
    # to_date gives null for dates that do not exist; Python's date() starts at year 1.
    dates = cells.str.to_date("%Y-%m-%d", strict=False)
    odd = ~empty & (dates.is_null() | (dates.dt.year() < 1)).fill_null(True)
    # Kept as ISO text, null for empty cells: written out faster than dates.
    return cells.zip_with(~empty, pl.repeat(None, len(cells), dtype=pl.String, eager=True)), odd


class FrameChecker:
    """The column-wise side of one file's checks (the same header map as `checker`)."""

    def __init__(self, checker: TargetRowChecker, delimiter: str) -> None:
        self.checker = checker
        self.delimiter = delimiter
        self.names = [f"c{i}" for i in range(checker.width)]
        self.column = {f: f"c{i}" for f, i in checker.idx.items()}
        words = checker.vocabulary
        self.status_words = {**{k: str(v) for k, v in words.reg_status.items()},
                             "": DEFAULT_REG_STATUS}
        self.risk_words = {**{k: str(v) for k, v in words.risk_class.items()}, "": ""}
        self.mapped = [f for f in ENTITY_FIELDS if f in self.column]
        self.fp_prefix = checker.fp_prefix.decode()
        # Files with unnamed columns carry spare cells, which only the per-row rule reports.
        # polars splits on one byte: a full-width "，" goes the per-row way.
        self.usable = not checker.has_spare and len(delimiter.encode()) == 1

    def check(self, data: bytes, first_line: int, job_id: int
              ) -> tuple[int, bytes, list[tuple[int, str, RuleError]]] | None:
        """(rows, good rows as COPY text, problems) for a block of whole lines, or None."""
        if (not self.usable or b'"' in data or b"\\" in data
                or (self.delimiter != "\t" and b"\t" in data)
                or data.count(b"\r") != data.count(b"\r\n")):
            return None
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        try:
            frame = pl.read_csv(data, has_header=False, separator=self.delimiter,
                                schema=dict.fromkeys(self.names, pl.String), quote_char=None,
                                encoding="utf8", raise_if_empty=False)
        except pl.exceptions.PolarsError:
            return None  # more cells than headers, or not UTF-8
        if frame.height != lines:
            return None
        frame = self._without_blank_lines(
            frame.with_columns(_row=pl.int_range(first_line, first_line + lines, eager=True)))
        if not frame.height:
            return 0, b"", []
        values, bad = self._checked(frame)
        good = values.filter(~bad) if bad.any() else values
        text = self._copy_text(good, job_id)
        problems: list[tuple[int, str, RuleError]] = []
        rechecked: list[tuple[Any, ...]] = []
        for row, *cells in frame.filter(bad).select("_row", *self.names).iter_rows():
            staged, found = self.checker.check(row, [c or "" for c in cells])
            if staged is not None:
                rechecked.append(staged)
            problems.extend((row, column, error) for column, error in found)
        if rechecked:
            columns = [[job_id] * len(rechecked), *zip(*rechecked, strict=True)]
            text += copy_text(columns).encode()
        return frame.height, text, problems

    def _without_blank_lines(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Blank lines are not rows; a blank line's first cell is blank, which few others are."""
        first = frame[self.names[0]]
        if not (first.is_null() | first.str.contains(_BLANK)).any():
            return frame
        line = pl.concat_str([pl.col(n).fill_null("") for n in self.names])
        return frame.filter(~line.str.contains(_BLANK))

    def _cell(self, frame: pl.DataFrame, field: str) -> pl.Series:
        """The stripped cells of `field`; "" when the file has no such column."""
        name = self.column.get(field)
        if name is None:
            return pl.repeat("", frame.height, dtype=pl.String, eager=True)
        cells = frame[name]
        return (cells.fill_null("") if cells.null_count() else cells).str.strip_chars(_WHITESPACE)

    def _checked(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
        """The staged values of every row, and which rows the per-row rule must look at."""
        n = frame.height
        bad = np.zeros(n, bool)
        v = {f: self._cell(frame, f) for f in (*ENTITY_FIELDS, *DATE_FIELDS, "lic_number",
                                                "lic_title", "lic_item", "lic_decision_no",
                                                "lic_authority", *CONTACT_FIELDS)}
        for field, limit in MAX_LENGTHS.items():
            if field in self.column and cast(int, v[field].str.len_bytes().max()) > limit:
                bad |= (v[field].str.len_chars() > limit).to_numpy()
        code = v["uscc"]
        clean = code.str.contains(_CODE) & code.str.slice(0, 2).is_in(_PREFIXES)
        bad |= ~clean.to_numpy()
        if clean.any():
            wrong = np.ones(n, bool)
            wrong[clean.to_numpy()] = _wrong_check_characters(code.filter(clean))
            bad |= wrong
        bad |= (v["name"] == "").to_numpy()
        # Of the standard's shape and in its table (rules/code_tables.py), or empty.
        region, industry = v["region_code"], v["industry_code"]
        known_region = region.str.slice(0, 6).is_in(list(code_tables.region_codes()))
        known_industry = industry.is_in(list(code_tables.industry_spellings()))
        bad |= ~(region.str.contains(_REGION) & ((region == "") | known_region)).to_numpy()
        bad |= ~((industry == "") | known_industry).to_numpy()
        v["reg_status"] = v["reg_status"].replace_strict(self.status_words, default=None)
        v["risk_class"] = v["risk_class"].replace_strict(self.risk_words, default=None)
        bad |= (v["reg_status"].is_null() | v["risk_class"].is_null()).to_numpy()
        for field in DATE_FIELDS:
            if field in self.column:
                v[field], odd = _dates(v[field])
                bad |= odd.to_numpy()
            else:
                v[field] = pl.repeat(None, n, dtype=pl.String, eager=True)
        bad |= self._licence(v)
        name, phone = v["contact_name"], v["contact_phone"]
        bad |= (~phone.str.contains(_PHONE) | ((phone != "") & (name == ""))).to_numpy()
        out = pl.DataFrame({"_row": frame["_row"], **{f: v[f] for f in (
            *ENTITY_FIELDS, *_LICENCE_OUT, *CONTACT_FIELDS)}})
        return out, pl.Series(bad)

    @staticmethod
    def _licence(v: dict[str, pl.Series]) -> np.ndarray:
        """Licence key and item as the per-row rule makes them; rows to look at closely."""
        number, decision, item, title = (v["lic_number"], v["lic_decision_no"], v["lic_item"],
                                         v["lic_title"])
        v["lic_key"] = pl.select(pl.when(number != "").then(number).otherwise(decision)
                                 ).to_series()
        if (title != "").any():
            v["lic_item"] = pl.select(
                pl.when((title == "") | (title == item)).then(item)
                .when(item == "").then(title)
                .otherwise(pl.concat_str([item, pl.lit("（"), title, pl.lit("）")]))).to_series()
        bad = (v["lic_item"].str.len_chars() > MAX_LENGTHS["lic_item"]).to_numpy()
        keyless = v["lic_key"] == ""
        if keyless.any():
            loose = ((v["lic_item"] != "") | (v["lic_authority"] != "")
                     | v["lic_decided_on"].is_not_null() | v["lic_valid_from"].is_not_null()
                     | v["lic_valid_to"].is_not_null())
            bad |= (keyless & loose).to_numpy()
        bad |= (v["lic_valid_to"] < v["lic_valid_from"]).fill_null(False).to_numpy()
        return bad

    def _copy_text(self, good: pl.DataFrame, job_id: int) -> bytes:
        """The accepted rows in the staging table's column order, COPY text format."""
        if not good.height:
            return b""
        fingerprint = (pl.lit(self.fp_prefix) + pl.concat_str(
            [pl.col(f).fill_null("") for f in self.mapped], separator="\x1f")).chash.sha2_256()  # type: ignore[attr-defined]
        out = io.BytesIO()
        good.select(pl.lit(job_id).alias("job_id"), "_row", pl.col("uscc").alias("entity_key"),
                    *ENTITY_FIELDS, fingerprint.alias("fingerprint"), *_LICENCE_OUT,
                    *CONTACT_FIELDS
                    ).write_csv(out, separator="\t", null_value="\\N", quote_style="never",
                                include_header=False, line_terminator="\n")
        return out.getvalue()
