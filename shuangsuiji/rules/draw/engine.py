"""Drawing targets by stratum and matching inspector groups (protocol §4–§5)."""

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from ..errors import RuleError, gettext_noop
from .pools import EXPERT, OFFICER, Candidate, PoolInspector
from .sizes import StratumRule, sample_size
from .tickets import draw_order, ticket


class DrawFailed(RuleError):
    """The draw cannot complete (e.g. a target cannot get its group); nothing is saved."""


@dataclass(frozen=True)
class DepartmentSpec:
    """A participating department and its group size: officers ≥ 2, experts ≥ 0."""

    code: str
    officers: int = 2
    experts: int = 0

    def __post_init__(self) -> None:
        if self.officers < 2:
            raise DrawFailed(gettext_noop("a group needs at least 2 officers ({department})"),
                             department=self.code)
        if self.experts < 0:
            raise DrawFailed(gettext_noop("the number of experts cannot be negative"))


@dataclass(frozen=True)
class Conflict:
    inspector: str
    target: str
    reason: str


@dataclass(frozen=True)
class DrawnTarget:
    id: str
    stratum: str
    ticket: str
    position: int  # 1-based within the stratum's draw order


@dataclass(frozen=True)
class Group:
    target: str
    department: str
    inspectors: tuple[str, ...]


@dataclass
class StratumResult:
    n: int
    k: int
    drawn: list[DrawnTarget]
    standby: list[str]


@dataclass
class DrawResult:
    strata: dict[str, StratumResult]
    groups: list[Group]
    loads: dict[str, int] = field(default_factory=dict)

    @property
    def drawn(self) -> list[DrawnTarget]:
        """Strata in label order, each in draw order (protocol §8)."""
        return [t for label in sorted(self.strata) for t in self.strata[label].drawn]


def draw_targets(candidates: Iterable[Candidate], rules: Mapping[str, StratumRule],
                 seed: str) -> dict[str, StratumResult]:
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for candidate in candidates:
        by_stratum[candidate.stratum].append(candidate.id)
    unknown = sorted(set(by_stratum) - set(rules))
    if unknown:
        raise DrawFailed(gettext_noop("no rule for stratum {stratum}"), stratum=unknown[0])
    result = {}
    for label in sorted(rules):
        ids = by_stratum.get(label, [])
        k = sample_size(len(ids), rules[label])
        order = draw_order(ids, seed)
        drawn = [DrawnTarget(ident, label, ticket(ident, seed), pos)
                 for pos, ident in enumerate(order[:k], start=1)]
        result[label] = StratumResult(n=len(ids), k=k, drawn=drawn, standby=order[k:])
    return result


class GroupMatcher:
    """Picks each target's groups by ascending (load, inspector ticket, inspector id).

    Each department's officers and experts wait in a list kept sorted by that key (one int:
    the load, then the rank by ticket and id); a pick walks it from the front past
    conflicted inspectors, and a chosen inspector moves back by one load. Identical to
    sorting the eligible inspectors for every pick, and it stays fast for thousands of
    targets and hundreds of inspectors.
    """

    def __init__(self, inspectors: Sequence[PoolInspector], departments: Sequence[DepartmentSpec],
                 conflicts: Iterable[Conflict], seed: str,
                 loads: Mapping[str, int] | None = None) -> None:
        self.departments = list(departments)
        self.loads: dict[str, int] = defaultdict(int, loads or {})
        tickets: dict[str, str] = {}
        members: dict[tuple[str, str], list[str]] = defaultdict(list)
        for inspector in inspectors:
            tickets.setdefault(inspector.id, ticket("inspector:" + inspector.id, seed))
            members[(inspector.department, inspector.role)].append(inspector.id)
        # A queue holds load << 32 | rank, rank the inspector's place in the queue by
        # (ticket, id): ints compare faster than (load, ticket, id) tuples, in the same order.
        self.ranked: dict[tuple[str, str], list[str]] = {}
        self.queues: dict[tuple[str, str], list[int]] = {}
        self.places: dict[str, list[tuple[tuple[str, str], int]]] = defaultdict(list)
        for key, ids in members.items():
            ranked = sorted(ids, key=lambda i: (tickets[i], i))
            self.ranked[key] = ranked
            self.queues[key] = sorted(self.loads[i] << _RANK_BITS | rank
                                      for rank, i in enumerate(ranked))
            for rank, i in enumerate(ranked):
                self.places[i].append((key, rank))
        self.blocked: dict[str, set[str]] = defaultdict(set)
        for conflict in conflicts:
            self.blocked[conflict.target].add(conflict.inspector)

    def groups_for(self, target: str) -> list[Group]:
        groups = [Group(target, dept.code, self._pick(target, dept)) for dept in self.departments]
        loads, queues, places = self.loads, self.queues, self.places
        for group in groups:
            for inspector in group.inspectors:
                load = loads[inspector]
                loads[inspector] = load + 1
                for key, rank in places[inspector]:
                    queue = queues[key]
                    del queue[bisect_left(queue, load << _RANK_BITS | rank)]
                    insort(queue, (load + 1) << _RANK_BITS | rank)
        return groups

    def _pick(self, target: str, dept: DepartmentSpec) -> tuple[str, ...]:
        chosen: list[str] = []
        blocked = self.blocked.get(target) or set()
        for role, needed in ((OFFICER, dept.officers), (EXPERT, dept.experts)):
            if needed == 0:
                continue
            key = (dept.code, role)
            queue, ranked = self.queues.get(key, []), self.ranked.get(key, [])
            if blocked:  # past the conflicted, from the front
                in_order = (ranked[entry & _RANK_MASK] for entry in queue)
                picked = list(islice((i for i in in_order if i not in blocked), needed))
            else:  # the front: most targets have no conflicts
                picked = [ranked[entry & _RANK_MASK] for entry in queue[:needed]]
            if len(picked) < needed:
                conflicted = sum(1 for i in ranked if i in blocked)
                raise DrawFailed(
                    gettext_noop("target {target} cannot get its group from department "
                                 "{department}: {needed} {role}s needed, {eligible} eligible "
                                 "({conflicted} excluded by conflicts of interest)"),
                    target=target, department=dept.code, needed=needed, role=role,
                    eligible=len(queue) - conflicted, conflicted=conflicted)
            chosen.extend(picked)
        return tuple(chosen)


_RANK_BITS = 32
_RANK_MASK = (1 << _RANK_BITS) - 1


def ticket_order(drawn: Iterable[DrawnTarget]) -> list[DrawnTarget]:
    """Drawn targets across all strata in ascending (ticket, id): the order groups are formed."""
    return sorted(drawn, key=lambda t: (t.ticket, t.id))


def run_draw(*, seed: str, candidates: Iterable[Candidate], rules: Mapping[str, StratumRule],
             inspectors: Sequence[PoolInspector], departments: Sequence[DepartmentSpec],
             conflicts: Iterable[Conflict]) -> DrawResult:
    """Draw the targets of every stratum, then give each one its groups.

    `candidates` and `inspectors` are the frozen pools; `rules` maps every stratum label to
    its count or ratio; `departments` lists the initiating department first. Raises DrawFailed
    naming the target, department and reason if any target cannot get a full group.
    """
    strata = draw_targets(candidates, rules, seed)
    matcher = GroupMatcher(inspectors, departments, conflicts, seed)
    groups: list[Group] = []
    for target in ticket_order(t for s in strata.values() for t in s.drawn):
        groups.extend(matcher.groups_for(target.id))
    return DrawResult(strata=strata, groups=groups, loads=dict(matcher.loads))
