"""换人: an inspector taken out of a drawn group for a conflict of interest (回避) registered
after the freeze, and who takes the place.

The record cannot say it: its groups follow §5 from the conflicts frozen with the pools, and
a verifier recomputes every replacement's groups from those alone. So the platform keeps the
substitution outside the record, and makes it by §5's own rule, with no choice: among the
department's pool inspectors of the same role, eligible now and not blocked, the lowest
(load, ticket, ID), `load` counting the targets of this draw each already has. Anyone holding
the full record and the substitution's audit entry can recompute it.
"""

from collections.abc import Collection, Mapping, Sequence

from ..errors import gettext_noop
from .engine import DrawFailed
from .pools import PoolInspector
from .tickets import ticket


def substitute(*, inspectors: Sequence[PoolInspector], seed: str, department: str, role: str,
               blocked: Collection[str], loads: Mapping[str, int]) -> str:
    """The inspector who takes the place of one of `department`'s `role` in a group.

    `blocked`: who may not stand in that group now: the one taken out, the group's members,
    everyone with a conflict in force with the target, anyone no longer eligible.
    """
    eligible = [i.id for i in inspectors
                if i.department == department and i.role == role and i.id not in blocked]
    if not eligible:
        raise DrawFailed(gettext_noop("no inspector of department {department} can take the "
                                      "place: every {role} of its pool is in the group, in "
                                      "conflict with the entity, or no longer eligible"),
                         department=department, role=role)
    return min(eligible, key=lambda i: (loads.get(i, 0), ticket("inspector:" + i, seed), i))
