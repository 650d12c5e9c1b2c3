"""Sample size of a stratum (protocol §4), in exact decimal arithmetic."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from ..errors import RuleError, gettext_noop


class InvalidRule(RuleError):
    """A stratum rule that is neither a count nor a percentage between 0 and 100."""


@dataclass(frozen=True)
class StratumRule:
    """Either a fixed `count` or a `ratio`: a decimal percentage written as a string ("15")."""

    ratio: str | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if (self.ratio is None) == (self.count is None):
            raise InvalidRule(gettext_noop("a stratum needs either a ratio or a count"))
        if self.count is not None and (not isinstance(self.count, int) or self.count < 0):
            raise InvalidRule(gettext_noop("the count must be a whole number ≥ 0"))
        if self.ratio is not None:
            percent = _percent(self.ratio)
            if not Decimal(0) <= percent <= Decimal(100):
                raise InvalidRule(gettext_noop("the ratio must be between 0 and 100 percent"))

    def as_json(self) -> dict[str, str | int]:
        return {"ratio": self.ratio} if self.ratio is not None else {"count": self.count or 0}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "StratumRule":
        if "ratio" in data:
            return cls(ratio=str(data["ratio"]))
        return cls(count=int(str(data["count"])))


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidRule(gettext_noop('"{text}" is not a decimal percentage'),
                          text=text) from exc
    if not value.is_finite():
        raise InvalidRule(gettext_noop('"{text}" is not a decimal percentage'), text=text)
    return value


def sample_size(n: int, rule: StratumRule) -> int:
    """k for a stratum of n: min(count, n), or ceil(n·p/100) with at least 1 and at most n."""
    if rule.count is not None:
        return min(rule.count, n)
    percent = _percent(rule.ratio or "0")
    if n == 0 or percent == 0:
        return 0
    k = int((Decimal(n) * percent / Decimal(100)).to_integral_value(rounding=ROUND_CEILING))
    return max(1, min(k, n))
