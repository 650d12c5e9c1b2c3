"""What an inspection tells the apps above it, which it does not import (inspections comes
before credit in the flow).

`risk_facts_recorded` is sent with `target=` and `actor=` when a fact the risk rules read is
recorded for a target: an approved result with refusal, concealment or falsification, a
penalty decision. It is sent in the service's transaction, after its change; the credit app
applies its risk rules (the risk loop), and an exception rolls the change back.
"""

from typing import Any

from django.dispatch import Signal

risk_facts_recorded = Signal()

# Sent with `visit=` and `actor=` when a visit's date is agreed (visit_schedule), in its
# transaction: the notices app writes the inspection notice to the entity's contacts
# (告知检查对象). A receiver returns counts for the audit entry.
visit_scheduled = Signal()

# Sent with `assignment=` (the one who took the place; `.replaces` is the one taken out) when
# a recused inspector is substituted after the draw (groups.group_substitute), in its
# transaction: the notices app tells both. A receiver returns counts for the audit entry.
group_substituted = Signal()


def send_risk_facts_recorded(*, target: Any, actor: Any) -> None:
    """Send risk_facts_recorded for one target."""
    risk_facts_recorded.send(sender=type(target), target=target, actor=actor)


def send_visit_scheduled(*, visit: Any, actor: Any) -> dict[str, int]:
    """Send visit_scheduled; what the receivers wrote, for the audit entry."""
    made: dict[str, int] = {}
    for _receiver, counts in visit_scheduled.send(sender=type(visit), visit=visit, actor=actor):
        made.update(counts or {})
    return made


def send_group_substituted(*, assignment: Any) -> dict[str, int]:
    """Send group_substituted; what the receivers wrote, for the audit entry."""
    made: dict[str, int] = {}
    for _receiver, counts in group_substituted.send(sender=type(assignment),
                                                    assignment=assignment):
        made.update(counts or {})
    return made
