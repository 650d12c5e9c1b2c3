"""统一社会信用代码 (unified social credit code) per GB 32100-2015 and its amendment XG1-2016.

python-stdnum's `cn.uscc` supplies the check-digit arithmetic (GB/T 17710, mod 31), but its
`validate()` demands digits in positions 1-8 and so rejects legal codes whose registration
authority or entity-type character is a letter: 军队事业单位 (A1…), 农村集体经济组织
(N1…/N2…/N3…), 其他 (Y1…). This module checks the structure against the standard itself and
uses stdnum only for the check digit.

Layout: 1 registration authority · 2 entity type · 3-8 region (GB/T 2260, digits) ·
9-17 organisation code (GB 11714) · 18 check character.
"""

import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import uscc as _stdnum_uscc

from .errors import RuleError, gettext_noop

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 登记管理部门码 → (department, {机构类别码: kind}) from GB 32100-2015 table 1.
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    ),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}

# Whitespace and the separators people type or paste (full-width ones are folded by NFKC).
_SEPARATORS = re.compile(r"[\s\-_.·]+")


class InvalidCode(RuleError):
    """A code that is not a legal 统一社会信用代码."""


@dataclass(frozen=True)
class CodeInfo:
    code: str
    authority: str
    entity_kind: str
    region: str


def normalise(raw: str) -> str:
    """Fold full-width characters, drop spaces and separators, upper-case."""
    folded = unicodedata.normalize("NFKC", raw)
    return _SEPARATORS.sub("", folded).upper()


def code_shape(raw: str) -> str | None:
    """The normalised code when `raw` has the shape of a 统一社会信用代码 (18 characters of the
    code's alphabet, the region part digits), else None. The check character is not checked:
    a search for a mistyped code should find nothing, not search names."""
    code = normalise(raw)
    if len(code) != 18 or not code[2:8].isdigit() or any(c not in _VALUES for c in code):
        return None
    return code


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (GB/T 17710 ISO 7064 MOD 31-3, via python-stdnum)."""
    return _stdnum_uscc.calc_check_digit(first17)


def validate(raw: str) -> str:
    """Return the normalised code, or raise InvalidCode with a Chinese reason."""
    code = normalise(raw)
    if len(code) != 18:
        raise InvalidCode(
            gettext_noop("must be 18 characters long, not {length}"), length=len(code)
        )
    bad = sorted({c for c in code if c not in _VALUES})
    if bad:
        raise InvalidCode(
            gettext_noop(
                "contains characters that are not allowed: {chars} (I, O, Z, S, V are never used)"
            ),
            chars="".join(bad),
        )
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        raise InvalidCode(
            gettext_noop('registration authority code "{char}" (1st character) does not exist'),
            char=code[0],
        )
    if code[1] not in authority[1]:
        raise InvalidCode(
            gettext_noop(
                'entity type "{char}" (2nd character) does not exist under authority "{authority}"'
            ),
            char=code[1],
            authority=code[0],
        )
    if not code[2:8].isdigit():
        raise InvalidCode(gettext_noop("the region code (characters 3 to 8) must be digits"))
    expected = _fast_check_character(code)
    if code[17] != expected:
        raise InvalidCode(
            gettext_noop(
                'wrong check character: the 18th character should be "{expected}", not "{actual}"'
            ),
            expected=expected,
            actual=code[17],
        )
    return code


def _fast_check_character(code: str) -> str:
    # The same arithmetic as stdnum's calc_check_digit, inlined for million-row imports;
    # tests/rules/test_uscc.py proves the two agree.
    total = 0
    values = _VALUES
    for ch, weight in zip(code, _WEIGHTS, strict=False):
        total += values[ch] * weight
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidCode:
        return False
    return True


def describe(code: str) -> CodeInfo:
    """Registration authority and entity kind of a valid code (market-entity type hint)."""
    authority, kinds = AUTHORITIES[code[0]]
    return CodeInfo(code=code, authority=authority, entity_kind=kinds[code[1]], region=code[2:8])


def make_valid(first17: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    first17 = normalise(first17)
    return first17 + _fast_check_character(first17 + "0")
