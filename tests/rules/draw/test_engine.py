"""Target selection, standby lists and inspector groups (protocol §4–§5)."""

from collections import Counter

import pytest

from shuangsuiji.rules.draw.engine import (
    Conflict,
    DepartmentSpec,
    DrawFailed,
    draw_targets,
    run_draw,
)
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.tickets import ticket

from .helpers import DEPARTMENTS, candidates, inspectors

SEED = "9" * 64


def _draw(pool=None, rules=None, conflicts=(), departments=DEPARTMENTS):
    pool = pool if pool is not None else candidates(37, "X")
    rules = rules or {"X": StratumRule(ratio="15")}
    return run_draw(seed=SEED, candidates=pool, rules=rules, inspectors=inspectors(),
                    departments=departments, conflicts=list(conflicts))


def test_the_seed_task_draws_6_of_37_with_two_groups_each():
    result = _draw()
    assert (result.strata["X"].n, result.strata["X"].k) == (37, 6)
    assert len(result.drawn) == 6
    assert len(result.strata["X"].standby) == 31
    assert [g.department for g in result.groups] == ["RFB", "XFZD"] * 6
    for group in result.groups:
        expected = 3 if group.department == "RFB" else 2
        assert len(group.inspectors) == len(set(group.inspectors)) == expected


def test_drawn_targets_are_the_lowest_tickets_and_standby_continues_the_order():
    pool = candidates(37, "X")
    result = _draw(pool)
    order = sorted((ticket(c.id, SEED), c.id) for c in pool)
    assert [t.id for t in result.drawn] == [i for _t, i in order[:6]]
    assert result.strata["X"].standby == [i for _t, i in order[6:]]
    assert [t.position for t in result.drawn] == [1, 2, 3, 4, 5, 6]


def test_it_is_deterministic():
    assert _draw().groups == _draw().groups


def test_a_different_seed_gives_a_different_draw():
    pool = candidates(37, "X")
    rules = {"X": StratumRule(ratio="15")}
    a = draw_targets(pool, rules, "1" * 64)["X"].drawn
    b = draw_targets(pool, rules, "2" * 64)["X"].drawn
    assert [t.id for t in a] != [t.id for t in b]


def test_strata_are_drawn_separately_with_their_own_rules():
    pool = candidates(40, "ABCD")
    rules = {"A": StratumRule(ratio="10"), "B": StratumRule(count=3),
             "C": StratumRule(ratio="100"), "D": StratumRule(ratio="0")}
    strata = draw_targets(pool, rules, SEED)
    assert {label: s.k for label, s in strata.items()} == {"A": 1, "B": 3, "C": 10, "D": 0}
    assert all(t.stratum == "C" for t in strata["C"].drawn)
    assert strata["D"].standby and not strata["D"].drawn


def test_an_empty_stratum_draws_nothing():
    strata = draw_targets(candidates(8, "AB"), {"A": StratumRule(ratio="50"),
                                                "B": StratumRule(ratio="50"),
                                                "D": StratumRule(ratio="50")}, SEED)
    assert (strata["D"].n, strata["D"].k, strata["D"].drawn) == (0, 0, [])


def test_a_stratum_without_a_rule_fails():
    with pytest.raises(DrawFailed, match="no rule for stratum B"):
        draw_targets(candidates(8, "AB"), {"A": StratumRule(ratio="50")}, SEED)


def test_conflicted_inspectors_are_never_in_the_target_group():
    first = _draw()
    target = first.drawn[0].id
    assigned = next(g for g in first.groups if g.target == target and g.department == "RFB")
    conflicts = [Conflict(i, target, "kinship") for i in assigned.inspectors]
    second = _draw(conflicts=conflicts)
    group = next(g for g in second.groups if g.target == target and g.department == "RFB")
    assert not set(group.inspectors) & set(assigned.inspectors)


def test_a_target_that_cannot_get_a_group_fails_the_whole_draw_naming_it():
    first = _draw()
    target = first.drawn[0].id
    conflicts = [Conflict(f"F{i:03d}", target, "interest") for i in range(1, 5)]
    with pytest.raises(DrawFailed) as info:
        _draw(conflicts=conflicts)
    message = info.value.reason
    assert target in message and "XFZD" in message and "conflicts" in message


def test_officers_come_before_experts_and_roles_are_respected():
    result = _draw()
    for group in result.groups:
        if group.department == "RFB":
            assert [i[0] for i in group.inspectors] == ["E", "E", "X"]


def test_work_is_balanced_across_inspectors():
    """Picking by ascending load keeps everyone within one assignment of each other."""
    result = _draw(candidates(60, "X"), {"X": StratumRule(ratio="50")})
    loads = Counter(i for g in result.groups if g.department == "RFB"
                    for i in g.inspectors if i.startswith("E"))
    assert max(loads.values()) - min(loads.values()) <= 1
    assert len(loads) == 8


def test_groups_are_formed_in_ascending_ticket_order_across_strata():
    result = _draw(candidates(40, "AB"), {"A": StratumRule(ratio="20"),
                                          "B": StratumRule(ratio="20")})
    group_targets = [g.target for g in result.groups if g.department == "RFB"]
    by_ticket = sorted(result.drawn, key=lambda t: (t.ticket, t.id))
    assert group_targets == [t.id for t in by_ticket]


def test_fewer_than_two_officers_per_group_is_refused():
    with pytest.raises(DrawFailed):
        DepartmentSpec("RFB", officers=1)
