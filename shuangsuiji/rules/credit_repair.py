"""信用修复 of a published inspection result: when an entity may have it repaired.

Source: 《市场监督管理信用修复管理办法》(国家市场监督管理总局, 国市监信规〔2021〕3号). Adverse
information published about an entity (here: a 双随机 inspection result that found problems)
may stop being published early, on the entity's application, once the minimum publicity
period has passed and the entity has corrected the problem (履行法定义务、纠正违法行为). The
platform states the conditions as:

(a) the result found problems (a result of only 未发现问题 is not adverse information: there is
    nothing to repair);
(b) every 责令改正 follow-up on it is closed as rectified (整改复查合格) and no 行政处罚 on it is
    still pending;
(c) it has been public for at least `MIN_PUBLIC_MONTHS` months (the office's setting
    SHUANGSUIJI_REPAIR_MIN_PUBLIC_MONTHS; 3 by default).

Pure Python: the services gather the facts from the database and call `repair_refusals`; an
empty list means the office may accept the application.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .errors import RuleError, gettext_noop

MIN_PUBLIC_MONTHS = 3
NO_PROBLEM = "no_problem"  # ResultCategory.NO_PROBLEM: 未发现问题
RECTIFY = "rectify"  # FollowUpKind.RECTIFY: 责令改正
PENALTY = "penalty"  # FollowUpKind.PENALTY: 立案查处 / 行政处罚


@dataclass(frozen=True)
class FollowUpFact:
    """What the rule needs of one follow-up on the result."""

    kind: str
    closed: bool
    recheck_passed: bool | None = None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer days
    (30 November + 3 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def repairable_from(published_on: date, months: int = MIN_PUBLIC_MONTHS) -> date:
    """The first day the result may be repaired: `months` after it was published."""
    return add_months(published_on, months)


def repair_refusals(*, categories: Sequence[str], follow_ups: Iterable[FollowUpFact],
                    published_on: date, today: date,
                    months: int = MIN_PUBLIC_MONTHS) -> list[RuleError]:
    """Every reason the result may not be repaired now, in the order (a), (b), (c)."""
    if months < 0:
        raise ValueError("months must not be negative")
    reasons: list[RuleError] = []
    if not categories or set(categories) <= {NO_PROBLEM}:
        reasons.append(RuleError(gettext_noop(
            "This result found no problem (未发现问题): there is nothing to repair.")))
    facts = list(follow_ups)
    if any(f.kind == RECTIFY and not (f.closed and f.recheck_passed) for f in facts):
        reasons.append(RuleError(gettext_noop(
            "An order to rectify (责令改正) on this result is not yet closed as rectified "
            "(整改复查合格).")))
    if any(f.kind == PENALTY and not f.closed for f in facts):
        reasons.append(RuleError(gettext_noop(
            "An administrative penalty (行政处罚) on this result is still pending.")))
    first_day = repairable_from(published_on, months)
    if today < first_day:
        reasons.append(RuleError(gettext_noop(
            "The result must have been public for at least {months} months: it may be "
            "repaired from {day}."), months=months, day=first_day.isoformat()))
    return reasons
