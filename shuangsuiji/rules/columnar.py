"""Checks over a whole column of a chunk of rows at once, for million-row imports.

Checking a cell costs a handful of interpreter steps; checking a column of 5,000 cells with
one regular expression or one `map` costs about as much as a few of them. These helpers answer
"which positions of this column might be wrong?" quickly: when the whole column passes (the
usual case) the answer is the empty set; otherwise one more scan names the failing cells
(`mismatches`). Callers re-check those positions with their per-row rules, which name the
problem.
"""

import operator
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import accumulate, repeat

from . import uscc
from .dates import InvalidDate, parse_date

CODE_PATTERN = r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}"
_CODE = re.compile(CODE_PATTERN)
LEGAL_PREFIXES = frozenset(a + k for a, (_, kinds) in uscc.AUTHORITIES.items() for k in kinds)
# Code characters → base-34 digits of the same value. 34 ≡ 3 (mod 31) and the GB 32100
# weights are 3^i mod 31, so the weighted sum mod 31 equals int(reversed digits, 34) mod 31.
_BASE34 = str.maketrans(uscc.ALPHABET, "0123456789abcdefghijklmnopqrstu")
# Remainder r of that sum → the check character, ALPHABET[(31 - r) % 31].
_CHECK_FOR_REMAINDER = "".join(uscc.ALPHABET[-r % 31] for r in range(31))
_FIRST17_REVERSED = operator.itemgetter(slice(16, None, -1))
_LAST = operator.itemgetter(17)
_FIRST2 = operator.itemgetter(slice(0, 2))
_A_VALID_CODE = uscc.make_valid("91140500MA0K00000")


def quick_check_character(code: str) -> str:
    """The check character for a code's first 17 characters (the same as rules.uscc's)."""
    return _CHECK_FOR_REMAINDER[int(_FIRST17_REVERSED(code).translate(_BASE34), 34) % 31]


def is_clean_code(code: str) -> bool:
    """A code exactly as the standard writes it, valid; False for anything to normalise."""
    return (_CODE.fullmatch(code) is not None and code[:2] in LEGAL_PREFIXES
            and quick_check_character(code) == code[17])


def column_regex(element: str) -> re.Pattern[str]:
    """A pattern matching a whole column joined by newlines, each cell matching `element`."""
    return re.compile(rf"(?:(?:{element})\n)*(?:{element})")


def mismatches(values: Sequence[str], element: str) -> set[int]:
    """Positions of the cells that do not match `element` in full.

    One regular expression runs over the column joined by newlines; only the lines that do
    not match come back to Python, so a few bad cells in thousands cost almost nothing.
    """
    joined = "\n".join(values)
    if joined.count("\n") != len(values) - 1:  # a cell holds a newline: test cell by cell
        one = re.compile(element)
        return {i for i, v in enumerate(values) if "\n" in v or one.fullmatch(v) is None}
    if column_regex(element).fullmatch(joined) is not None:
        return set()
    starts = [0, *accumulate(map(operator.add, map(len, values), repeat(1)))]
    negative = re.compile(rf"^(?!(?:{element})$).*$", re.MULTILINE)
    return {bisect_right(starts, m.start()) - 1 for m in negative.finditer(joined)}


def suspect_codes(codes: Sequence[str]) -> set[int]:
    """Positions of codes that are empty, not written cleanly, or wrong."""
    bad = {i for i, c in enumerate(codes) if not c} if "" in codes else set()
    bad |= mismatches(codes, CODE_PATTERN)
    if bad:
        codes = [_A_VALID_CODE if i in bad else c for i, c in enumerate(codes)]
    prefixes = list(map(_FIRST2, codes))
    if not set(prefixes) <= LEGAL_PREFIXES:
        bad |= {i for i, p in enumerate(prefixes) if p not in LEGAL_PREFIXES}
    wrong = list(map(operator.ne, _check_characters(codes), map(_LAST, codes)))
    if any(wrong):
        bad |= {i for i, w in enumerate(wrong) if w}
    return bad


def _check_characters(codes: Sequence[str]) -> Iterator[str]:
    digits = "\n".join(map(_FIRST17_REVERSED, codes)).translate(_BASE34).split("\n")
    remainders = map(operator.mod, map(int, digits, repeat(34)), repeat(31))
    return map(_CHECK_FOR_REMAINDER.__getitem__, remainders)


_ISO_DAY = r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"


def suspect_dates(values: Sequence[str]) -> tuple[Sequence[str], set[int]]:
    """The column with dates in ISO form, and positions of cells that are not dates.

    Cells already in ISO form are checked in one scan; the others (2023年4月1日, 2023/4/1)
    go through rules.dates one by one and, when they are dates, are rewritten in ISO form.
    """
    bad = mismatches(values, _ISO_DAY)
    if bad:
        values = list(values)
        for i in sorted(bad):
            try:
                day = parse_date(values[i])
            except InvalidDate:
                continue
            values[i] = day.isoformat() if day else ""
            bad.discard(i)
    try:
        list(map(date.fromisoformat, filter(None, values)))
    except ValueError:  # 2023-02-30: rare, so looked for cell by cell
        bad |= {i for i, v in enumerate(values) if v and not _exists(v)}
    return values, bad


def _exists(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def suspect_lengths(values: Sequence[str], limit: int) -> set[int]:
    if max(map(len, values), default=0) <= limit:
        return set()
    return {i for i, v in enumerate(values) if len(v) > limit}


def suspect_pattern(values: Sequence[str], element: str) -> set[int]:
    """Positions not matching `element` (which should match the empty cell if allowed)."""
    return mismatches(values, element)


def suspect_empty(values: Sequence[str]) -> set[int]:
    if "" not in values:
        return set()
    return {i for i, v in enumerate(values) if not v}


def translate(values: Sequence[str], words: dict[str, str]
              ) -> tuple[tuple[str | None, ...], set[int]]:
    """Each cell looked up in `words`; positions of cells with no entry."""
    found = tuple(map(words.get, values))
    if None not in found:
        return found, set()
    return found, {i for i, v in enumerate(found) if v is None}
