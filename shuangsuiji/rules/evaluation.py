"""考评: a department's score against the criteria the city sets for a year. No database: the
oversight app feeds it the counts behind each criterion and the criteria's weights and targets.

Four criteria, each with a weight (the points it is worth) and a target:
- plan completion (计划完成率): results entered of the results due in the year, target a %;
- published on time (按时公示率): results published within 20 working days, target a %;
- joint-task share (联合抽查占比): tasks with a cooperating department of the year's tasks,
  target a %;
- complaints about inspections (投诉及廉洁评价): dissatisfied integrity ratings and objections
  upheld, per 100 results entered; the limit is the rate that still earns every point.

A share criterion earns weight × min(1, share ÷ target); the complaints criterion earns the
whole weight up to its limit and weight × limit ÷ rate above it. A criterion with nothing to
measure (no results, no tasks) is not scored: the total is the points earned out of the weights
scored, scaled to 100, so a department is not marked down for what it had no occasion to do.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PLAN, PUBLICATION, JOINT, COMPLAINTS = "plan", "publication", "joint", "complaints"
CRITERIA = (PLAN, PUBLICATION, JOINT, COMPLAINTS)
POINT = Decimal("0.1")


@dataclass(frozen=True)
class Criterion:
    weight: int  # points, the four summing to 100
    target: Decimal  # a percentage for shares; complaints per 100 results for complaints


@dataclass(frozen=True)
class Measure:
    """What a criterion counts: `part` of `whole` (complaints: complaints of results)."""

    part: int
    whole: int


@dataclass(frozen=True)
class Score:
    criterion: str
    measure: Measure
    value: Decimal | None  # the share in % or the complaints per 100 results; None: no data
    points: Decimal | None  # None: not scored
    weight: int


def _q(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP)


def check_weights(criteria: dict[str, Criterion]) -> list[str]:
    """What is wrong with a set of criteria (empty when none): every criterion present, weights
    from 0 to 100 summing to 100, share targets above 0 and at most 100, a limit not negative."""
    problems = []
    if set(criteria) != set(CRITERIA):
        return ["criteria"]
    if sum(c.weight for c in criteria.values()) != 100:
        problems.append("weights")
    for name, c in criteria.items():
        if not 0 <= c.weight <= 100:
            problems.append(f"{name}.weight")
        if name == COMPLAINTS:
            if c.target < 0:
                problems.append(f"{name}.target")
        elif not 0 < c.target <= 100:
            problems.append(f"{name}.target")
    return problems


def score(criterion: str, rule: Criterion, measure: Measure) -> Score:
    """One criterion's points for what it measured."""
    if measure.part < 0 or measure.whole < 0:
        raise ValueError("counts are not negative")
    if measure.whole == 0:
        return Score(criterion, measure, None, None, rule.weight)
    value = Decimal(measure.part) * 100 / Decimal(measure.whole)
    weight = Decimal(rule.weight)
    if criterion == COMPLAINTS:
        # above the limit, value > target ≥ 0: no division by 0
        points = weight if value <= rule.target else weight * rule.target / value
    else:
        if measure.part > measure.whole:
            raise ValueError("a share's part is more than its whole")
        points = weight * min(Decimal(1), value / rule.target)
    return Score(criterion, measure, _q(value), _q(points), rule.weight)


@dataclass(frozen=True)
class Card:
    """A department's scores on every criterion and its total out of 100 (None: nothing to
    score at all)."""

    scores: tuple[Score, ...]

    @property
    def total(self) -> Decimal | None:
        scored = [s for s in self.scores if s.points is not None]
        weights = sum(s.weight for s in scored)
        if not weights:
            return None
        return _q(sum((s.points for s in scored if s.points is not None), Decimal(0))
                  * 100 / weights)


def card(criteria: dict[str, Criterion], measures: dict[str, Measure]) -> Card:
    """Every criterion's score, in the order of CRITERIA."""
    return Card(tuple(score(name, criteria[name], measures[name]) for name in CRITERIA))
