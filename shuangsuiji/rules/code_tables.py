"""The standards' code tables, as shipped in rules/data/ (where they come from: its README).

行政区划代码 (GB/T 2260, 民政部's list of provinces, prefectures and counties) and
国民经济行业分类 (GB/T 4754-2017: 门类 letter, 大类 2 digits, 中类 3, 小类 4). Each table is
read once per process. A directory keeps region codes of 6 digits, or 9 and 12 with the
township and village of the statistical extension: those are known when their first six
digits are. Industry codes may be written after their section letter (C3021), which must then
be the code's own section.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    name: str
    level: int  # regions: 1 province, 2 prefecture, 3 county; industries: 1 门类 … 4 小类
    parent: str  # the code of the entry above, "" at the top


def _rows(name: str) -> list[tuple[str, str]]:
    with (_DATA / name).open(encoding="utf-8", newline="") as handle:
        return [(row["code"], row["name"]) for row in csv.DictReader(handle)]


@cache
def regions() -> dict[str, Entry]:
    """Every region code of the table, by code."""
    codes = dict(_rows("regions.csv"))
    table = {}
    for code, name in codes.items():
        if code.endswith("0000"):
            level, parent = 1, ""
        elif code.endswith("00"):
            level, parent = 2, code[:2] + "0000"
        else:
            # A county under a prefecture, or directly under its province (北京市 东城区).
            level, parent = 3, code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
        table[code] = Entry(code, name, level, parent)
    return table


@cache
def industries() -> dict[str, Entry]:
    """Every industry code of the table, by code (sections by their letter)."""
    table: dict[str, Entry] = {}
    section = ""
    for code, name in _rows("industries.csv"):
        if code.isalpha():
            section = code
            table[code] = Entry(code, name, 1, "")
        else:
            parent = section if len(code) == 2 else code[:-1]
            table[code] = Entry(code, name, len(code), parent)
    return table


def section_of(code: str) -> str:
    """The 门类 letter of a 大类, 中类 or 小类 code ("" if unknown)."""
    entry = industries().get(code[:2])
    return entry.parent if entry else ""


def _region_key(code: str) -> str:
    code = (code or "").strip()
    return code[:6] if len(code) in (9, 12) else code


def _industry_key(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) > 1 and code[0].isalpha():
        # C3021: the letter must be the section the digits belong to.
        return code[1:] if section_of(code[1:]) == code[0] else ""
    return code


def region_known(code: str) -> bool:
    return _region_key(code) in regions()


def industry_known(code: str) -> bool:
    key = _industry_key(code)
    return bool(key) and key in industries()


def _chain(table: dict[str, Entry], key: str) -> list[str] | None:
    """The names from the top of the table down to the code's entry; None if unknown."""
    entry = table.get(key)
    if entry is None:
        return None
    names: list[str] = []
    while entry is not None:
        if not names or names[-1] != entry.name:  # 702 物业管理 ⊃ 7020 物业管理: said once
            names.append(entry.name)
        entry = table.get(entry.parent)
    return names[::-1]


def region_name(code: str) -> str | None:
    """The region's own name (沁水县); None for a code the table does not hold."""
    names = _chain(regions(), _region_key(code))
    return names[-1] if names else None


def region_path(code: str) -> str | None:
    """The region under the regions above it (山西省 晋城市 沁水县), or None."""
    names = _chain(regions(), _region_key(code))
    return " ".join(names) if names else None


def region_label(code: str) -> str | None:
    """The region with the one above it (晋城市 沁水县, 北京市 东城区), or None: enough to tell
    apart the many counties named 城区 or 郊区."""
    names = _chain(regions(), _region_key(code))
    return " ".join(names[-2:]) if names else None


def industry_name(code: str) -> str | None:
    """The industry's own name (物业管理); None for a code the table does not hold."""
    names = _chain(industries(), _industry_key(code))
    return names[-1] if names else None


def industry_path(code: str) -> str | None:
    """The industry under its section and division (房地产业 › 物业管理), or None."""
    names = _chain(industries(), _industry_key(code))
    return " › ".join(names) if names else None


def _search(table: dict[str, Entry], text: str, limit: int) -> list[Entry]:
    """Entries whose name is the text, then those starting with it, then those containing
    it; within each, the higher levels first (晋城市 before a county of a like name)."""
    text = "".join(text.split())
    if not text:
        return []

    def rank(entry: Entry) -> tuple[int, int, str]:
        place = 0 if entry.name == text else 1 if entry.name.startswith(text) else 2
        return place, entry.level, entry.code

    return sorted((e for e in table.values() if text in e.name), key=rank)[:limit]


def search_regions(text: str, limit: int = 20) -> list[Entry]:
    return _search(regions(), text, limit)


def search_industries(text: str, limit: int = 20) -> list[Entry]:
    return _search(industries(), text, limit)


@cache
def region_codes() -> frozenset[str]:
    """The six-digit codes of the table (a longer code is known when its first six are)."""
    return frozenset(regions())


@cache
def industry_spellings() -> frozenset[str]:
    """Every way a known industry code is written: 7020, and K7020 after its section."""
    table = industries()
    return frozenset([*table, *(section_of(c) + c for c in table if not c.isalpha())])
