"""Checks over a whole column of a chunk of rows at once, for million-row imports.

Checking a cell costs a handful of interpreter steps; checking a column of 5,000 cells with
one regular expression or one `map` costs about as much as a few of them. These helpers answer
"which positions of this column might be wrong?" quickly: when the whole column passes (the
usual case) the answer is the empty set; otherwise each cell is tested on its own. Callers
re-check those positions with their thorough per-row rules, which name the problem.
"""

import operator
import re
from collections.abc import Callable, Sequence
from datetime import date
from itertools import repeat

from . import uscc

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


def suspects(values: Sequence[str], whole: Callable[[Sequence[str]], bool],
             one: Callable[[str], bool]) -> set[int]:
    """Positions failing `one`; `whole` is the fast test of the entire column."""
    if whole(values):
        return set()
    return {i for i, v in enumerate(values) if not one(v)}


def suspect_codes(codes: Sequence[str]) -> set[int]:
    """Positions of codes that are empty, not clean or wrong (all cells tested in C loops)."""
    found = {i for i, c in enumerate(codes) if not c} if "" in codes else set()
    if found:
        codes = [c or _A_VALID_CODE for c in codes]
    joined = "\n".join(codes)
    if (_CODES.fullmatch(joined) is not None
            and set(map(_FIRST2, codes)) <= LEGAL_PREFIXES
            and not any(map(operator.ne, _check_characters(codes), map(_LAST, codes)))):
        return found
    return found | {i for i, c in enumerate(codes) if not is_clean_code(c)}


def _check_characters(codes: Sequence[str]) -> map:
    digits = "\n".join(map(_FIRST17_REVERSED, codes)).translate(_BASE34).split("\n")
    remainders = map(operator.mod, map(int, digits, repeat(34)), repeat(31))
    return map(_CHECK_FOR_REMAINDER.__getitem__, remainders)


_CODES = column_regex(CODE_PATTERN)
_ISO_DAY = r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"
_ISO_DAYS = column_regex(_ISO_DAY)
_ISO_DAY_ONE = re.compile(_ISO_DAY)


def _real_day(text: str) -> bool:
    if not text:
        return True
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def suspect_dates(values: Sequence[str]) -> set[int]:
    """Positions of cells that are not empty or an existing ISO date (2023-04-01)."""
    def whole(col: Sequence[str]) -> bool:
        if _ISO_DAYS.fullmatch("\n".join(col)) is None:
            return False
        try:
            list(map(date.fromisoformat, filter(None, col)))
        except ValueError:
            return False
        return True

    return suspects(values, whole,
                    lambda v: _ISO_DAY_ONE.fullmatch(v) is not None and _real_day(v))


def suspect_lengths(values: Sequence[str], limit: int) -> set[int]:
    if max(map(len, values), default=0) <= limit:
        return set()
    return {i for i, v in enumerate(values) if len(v) > limit}


def suspect_pattern(values: Sequence[str], element: str) -> set[int]:
    """Positions not matching `element` (which should match the empty cell if allowed)."""
    whole_re, one_re = column_regex(element), re.compile(element)
    return suspects(values, lambda col: whole_re.fullmatch("\n".join(col)) is not None,
                    lambda v: one_re.fullmatch(v) is not None)


def suspect_empty(values: Sequence[str]) -> set[int]:
    if "" not in values:
        return set()
    return {i for i, v in enumerate(values) if not v}


def translate(values: Sequence[str], words: dict[str, str]) -> tuple[tuple, set[int]]:
    """Each cell looked up in `words`; positions of cells with no entry."""
    found = tuple(map(words.get, values))
    if None not in found:
        return found, set()
    return found, {i for i, v in enumerate(found) if v is None}
