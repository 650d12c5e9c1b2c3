"""Whether an inspector may be drawn on a given day (执法检查人员名录库 动态更新).

An officer needs an enforcement certificate valid that day; everyone needs to be in post that
day. Experts (专业技术人员) need no certificate but never count as officers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

IN_POST = "active"


@dataclass(frozen=True)
class StatusPeriod:
    status: str  # active / transferred / retired
    since: date


@dataclass(frozen=True)
class CertificatePeriod:
    valid_from: date | None
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def status_on(history: Sequence[StatusPeriod], day: date) -> str | None:
    """The status in force on `day`: the latest change on or before it."""
    current = None
    for period in sorted(history, key=lambda p: p.since):
        if period.since <= day:
            current = period.status
    return current


def is_eligible(*, role: str, history: Sequence[StatusPeriod],
                certificates: Sequence[CertificatePeriod], day: date) -> bool:
    if status_on(history, day) != IN_POST:
        return False
    if role == "officer":
        return any(cert.covers(day) for cert in certificates)
    return True
