"""Drawing targets by stratum and matching inspector groups (protocol §4–§5)."""

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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

    Each department's officers and experts wait in a list kept sorted by that key; a pick
    walks it from the front past conflicted inspectors, and a chosen inspector moves back by
    one load. Identical to sorting the eligible inspectors for every pick, and it stays
    fast for thousands of targets and hundreds of inspectors.
    """

    def __init__(self, inspectors: Sequence[PoolInspector], departments: Sequence[DepartmentSpec],
                 conflicts: Iterable[Conflict], seed: str,
                 loads: Mapping[str, int] | None = None) -> None:
        self.departments = list(departments)
        self.loads: dict[str, int] = defaultdict(int, loads or {})
        self.tickets: dict[str, str] = {}
        self.queues: dict[tuple[str, str], list[tuple[int, str, str]]] = defaultdict(list)
        self.queues_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for inspector in inspectors:
            tkt = self.tickets.setdefault(inspector.id, ticket("inspector:" + inspector.id, seed))
            key = (inspector.department, inspector.role)
            self.queues[key].append((self.loads[inspector.id], tkt, inspector.id))
            self.queues_of[inspector.id].append(key)
        for queue in self.queues.values():
            queue.sort()
        self.blocked: dict[str, set[str]] = defaultdict(set)
        for conflict in conflicts:
            self.blocked[conflict.target].add(conflict.inspector)

    def groups_for(self, target: str) -> list[Group]:
        groups = [Group(target, dept.code, self._pick(target, dept)) for dept in self.departments]
        for group in groups:
            for inspector in group.inspectors:
                self._add_load(inspector)
        return groups

    def _add_load(self, inspector: str) -> None:
        old = (self.loads[inspector], self.tickets[inspector], inspector)
        self.loads[inspector] += 1
        new = (old[0] + 1, old[1], inspector)
        for key in self.queues_of[inspector]:
            queue = self.queues[key]
            del queue[bisect_left(queue, old)]
            insort(queue, new)

    def _pick(self, target: str, dept: DepartmentSpec) -> tuple[str, ...]:
        chosen: list[str] = []
        blocked = self.blocked.get(target, set())
        for role, needed in ((OFFICER, dept.officers), (EXPERT, dept.experts)):
            if needed == 0:
                continue
            queue = self.queues.get((dept.code, role), [])
            picked = []
            for _load, _tkt, ident in queue:
                if ident not in blocked:
                    picked.append(ident)
                    if len(picked) == needed:
                        break
            if len(picked) < needed:
                conflicted = sum(1 for _l, _t, ident in queue if ident in blocked)
                raise DrawFailed(
                    gettext_noop("target {target} cannot get its group from department "
                                 "{department}: {needed} {role}s needed, {eligible} eligible "
                                 "({conflicted} excluded by conflicts of interest)"),
                    target=target, department=dept.code, needed=needed, role=role,
                    eligible=len(queue) - conflicted, conflicted=conflicted)
            chosen.extend(picked)
        return tuple(chosen)


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
