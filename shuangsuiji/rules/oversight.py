"""Arithmetic of the oversight dashboard: shares, on-time decisions, year buckets, industry
sections, and a small SVG bar chart. No database: the app feeds it plain values.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape

# -- Shares --------------------------------------------------------------------------------------


def safe_div(numerator: int | float | Decimal,
             denominator: int | float | Decimal) -> Decimal | None:
    """numerator / denominator in exact decimals; None when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


@dataclass(frozen=True)
class Share:
    """`part` out of `whole`: a rate that knows when it cannot be stated."""

    part: int
    whole: int

    def __post_init__(self) -> None:
        if self.part < 0 or self.whole < 0 or self.part > self.whole:
            raise ValueError(f"share {self.part}/{self.whole} is not a part of a whole")

    @property
    def ratio(self) -> Decimal | None:
        return safe_div(self.part, self.whole)

    @property
    def percent(self) -> Decimal | None:
        """Percentage with one decimal, rounded half up; None without a whole."""
        ratio = self.ratio
        if ratio is None:
            return None
        return (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def percent_text(self, empty: str = "—") -> str:
        value = self.percent
        return empty if value is None else f"{value}%"

    def __add__(self, other: "Share") -> "Share":
        return Share(self.part + other.part, self.whole + other.whole)


# -- Dates ---------------------------------------------------------------------------------------


def year_of(inspected_on: date | None, period_start: date) -> int:
    """The year a result counts in: the year it was inspected, or, before anything is entered,
    the year its task's inspection period begins (the year of the plan)."""
    return (inspected_on or period_start).year


def on_time(done_on: date | None, due: date, today: date) -> bool | None:
    """Whether something was done by its due date: True or False once that is decided, None
    while it is not done and the due date has not passed."""
    if done_on is not None:
        return done_on <= due
    if today > due:
        return False
    return None


def is_overdue(done: bool, due: date, today: date) -> bool:
    """Not done and past its due date (the due day itself is still in time)."""
    return not done and today > due


# -- Groupings -----------------------------------------------------------------------------------

# GB/T 4754-2017 国民经济行业分类: the sections (门类) and the two-digit divisions (大类) in each.
SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}
UNKNOWN = "?"


def industry_section(code: str | None) -> str:
    """The section letter of an industry code: "E4811" → "E", "4811" → "E" (division 48),
    "C" → "C"; `UNKNOWN` for an empty or unrecognised code."""
    code = (code or "").strip().upper()
    if not code:
        return UNKNOWN
    if code[0] in SECTION_DIVISIONS:
        return code[0]
    if len(code) >= 2 and code[:2].isdigit():
        division = int(code[:2])
        for letter, (low, high) in SECTION_DIVISIONS.items():
            if low <= division <= high:
                return letter
    return UNKNOWN


def region_key(code: str | None, digits: int = 6) -> str:
    """A region code cut to the county level (6 digits of GB/T 2260); "" when unknown."""
    return (code or "").strip()[:digits]


def fold(counts: dict[str, int], by: Callable[[str], str]) -> dict[str, int]:
    """Sum counts keyed by raw codes into counts keyed by `by(code)`."""
    out: dict[str, int] = {}
    for code, n in counts.items():
        group = by(code)
        out[group] = out.get(group, 0) + n
    return out


# -- Chart ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    total: int | None = None  # drawn as the bar's full length when given (a share)
    href: str = ""


def text_width(text: str, size: float = 12) -> float:
    """Rough rendered width: a CJK character is a full em, anything else about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)


def clip(text: str, room: float, size: float = 12) -> str:
    """The text cut with an ellipsis so that it fits `room` pixels."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def bar_chart(bars: list[Bar], *, title: str, unit: str = "", width: int = 440,
              bar_height: int = 18, gap: int = 8, chart_id: str = "chart") -> str:
    """A horizontal bar chart as inline SVG markup (role img, titled, every text escaped).

    With `total`, each bar shows value/total as a filled part of a pale full-length bar and is
    labelled "value/total (p%)"; without, bars are scaled to the largest value. Labels get the
    room they need, up to 40 % of the width, and are cut beyond it (the full text is the bar's
    tooltip, and the page's table beside the chart carries every label and number).
    """
    value_width = 100
    label_width = int(min(width * 0.4, max([text_width(b.label) for b in bars] + [40]) + 10))
    plot = max(40, width - label_width - value_width)
    top = 4
    height = top + len(bars) * (bar_height + gap) + 4
    scale = max([b.total or b.value for b in bars] + [1])
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{escape(title_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="12" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + gap)
        text_y = y + bar_height * 0.72
        label = clip(bar.label, label_width - 10)
        parts.append(f'<text x="{label_width - 6}" y="{text_y:.1f}" text-anchor="end" '
                     f'class="chart-label">{escape(label)}</text>')
        if bar.total is not None:
            full = plot * bar.total / scale
            part = plot * bar.value / scale
            share = Share(bar.value, bar.total).percent_text()
            text = f"{bar.value}/{bar.total} ({share})"
            parts.append(f'<rect x="{label_width}" y="{y}" width="{full:.1f}" '
                         f'height="{bar_height}" class="chart-whole" fill="#dfe6ee"/>')
        else:
            part = plot * bar.value / scale
            text = f"{bar.value}{unit}"
        rect = (f'<rect x="{label_width}" y="{y}" width="{part:.1f}" height="{bar_height}" '
                f'class="chart-bar" fill="#2b6cb0"><title>{escape(bar.label)}: '
                f'{escape(text)}</title></rect>')
        if bar.href:
            rect = f'<a href="{escape(bar.href)}">{rect}</a>'
        parts.append(rect)
        end = label_width + (plot * (bar.total if bar.total is not None else bar.value) / scale)
        parts.append(f'<text x="{end + 4:.1f}" y="{text_y:.1f}" class="chart-value">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
