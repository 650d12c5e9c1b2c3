"""The risk rules (信用风险分类 raised by conduct): which class an entity's record requires.

Pure: given an entity's facts (dates of penalty decisions, of refusals, concealment or
falsification, of complaints, and whether a blacklist entry is in force) and the office's
rules, `required_class` answers the class the entity must rise to, and the rule that raised
it. A rule only ever raises: an entity already at or above a rule's class keeps its class.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

# Low to high risk; "" (not classified) is below A.
CLASSES = ("A", "B", "C", "D")

SERIOUS = "serious"
REFUSAL = "refusal"
COMPLAINTS = "complaints"
BLACKLISTED = "blacklist"
TRIGGERS = (SERIOUS, REFUSAL, COMPLAINTS, BLACKLISTED)


def rank(risk_class: str) -> int:
    """0 for no class, 1 for A … 4 for D."""
    return CLASSES.index(risk_class) + 1 if risk_class in CLASSES else 0


@dataclass(frozen=True)
class Rule:
    trigger: str
    raise_to: str
    threshold: int = 1
    period_days: int = 365
    id: int | None = None


@dataclass(frozen=True)
class Facts:
    """What the entity's credit file says, as dates."""

    penalties: Sequence[date] = field(default_factory=tuple)
    refusals: Sequence[date] = field(default_factory=tuple)
    complaints: Sequence[date] = field(default_factory=tuple)
    blacklisted: bool = False


def _within(days: Iterable[date], today: date, period_days: int) -> int:
    since = today - timedelta(days=period_days)
    return sum(1 for day in days if since <= day <= today)


def fires(rule: Rule, facts: Facts, today: date) -> bool:
    """Whether the rule's trigger happened within its period (the blacklist: while in force)."""
    if rule.trigger == BLACKLISTED:
        return facts.blacklisted
    if rule.trigger == COMPLAINTS:
        return _within(facts.complaints, today, rule.period_days) >= max(rule.threshold, 1)
    if rule.trigger == SERIOUS:
        return _within(facts.penalties, today, rule.period_days) >= 1
    if rule.trigger == REFUSAL:
        return _within(facts.refusals, today, rule.period_days) >= 1
    return False


def required_class(current: str, facts: Facts, rules: Iterable[Rule],
                   today: date) -> tuple[str, Rule | None]:
    """The class the entity must have and the rule that requires it; (current, None) when no
    rule asks for more than it has. Never lower than `current`."""
    best: Rule | None = None
    for rule in rules:
        if rule.raise_to not in CLASSES or not fires(rule, facts, today):
            continue
        if best is None or rank(rule.raise_to) > rank(best.raise_to):
            best = rule
    if best is None or rank(best.raise_to) <= rank(current):
        return current, None
    return best.raise_to, best
