"""考评 arithmetic: each criterion's points, criteria not scored, the total out of 100."""

from decimal import Decimal

import pytest

from shuangsuiji.rules import evaluation as e

CRITERIA = {e.PLAN: e.Criterion(40, Decimal(100)), e.PUBLICATION: e.Criterion(30, Decimal(90)),
            e.JOINT: e.Criterion(20, Decimal(20)), e.COMPLAINTS: e.Criterion(10, Decimal(2))}


def test_a_share_earns_its_weight_in_proportion_to_its_target_and_no_more():
    assert e.score(e.PLAN, CRITERIA[e.PLAN], e.Measure(3, 4)).points == Decimal("30.0")
    # 45 % of a 90 % target: half the 30 points; 95 % is past the target: all of them.
    assert e.score(e.PUBLICATION, CRITERIA[e.PUBLICATION], e.Measure(9, 20)).points == 15
    assert e.score(e.PUBLICATION, CRITERIA[e.PUBLICATION], e.Measure(19, 20)).points == 30
    joint = e.score(e.JOINT, CRITERIA[e.JOINT], e.Measure(1, 3))
    assert (joint.value, joint.points) == (Decimal("33.3"), Decimal("20.0"))


def test_complaints_earn_every_point_up_to_the_limit_and_shrink_beyond():
    rule = CRITERIA[e.COMPLAINTS]
    assert e.score(e.COMPLAINTS, rule, e.Measure(0, 50)).points == 10
    assert e.score(e.COMPLAINTS, rule, e.Measure(1, 50)).points == 10  # 2 per 100: the limit
    four = e.score(e.COMPLAINTS, rule, e.Measure(2, 50))  # 4 per 100: half
    assert (four.value, four.points) == (Decimal("4.0"), Decimal("5.0"))
    # More complaints than results is possible (two about one inspection).
    assert e.score(e.COMPLAINTS, e.Criterion(10, Decimal(0)), e.Measure(3, 2)).points == 0


def test_nothing_to_measure_is_not_scored_and_the_total_is_out_of_what_was():
    card = e.card(CRITERIA, {e.PLAN: e.Measure(3, 4), e.PUBLICATION: e.Measure(0, 0),
                             e.JOINT: e.Measure(1, 2), e.COMPLAINTS: e.Measure(0, 3)})
    assert [s.points for s in card.scores] == [Decimal("30.0"), None, Decimal("20.0"),
                                               Decimal("10.0")]
    assert card.total == Decimal("85.7")  # 60 of the 70 points scored
    empty = e.card(CRITERIA, dict.fromkeys(e.CRITERIA, e.Measure(0, 0)))
    assert empty.total is None


def test_criteria_are_checked():
    assert e.check_weights(CRITERIA) == []
    assert e.check_weights({**CRITERIA, e.PLAN: e.Criterion(50, Decimal(100))}) == ["weights"]
    assert "joint.target" in e.check_weights({**CRITERIA, e.JOINT: e.Criterion(20, Decimal(0))})
    assert "complaints.target" in e.check_weights(
        {**CRITERIA, e.COMPLAINTS: e.Criterion(10, Decimal(-1))})
    assert e.check_weights({e.PLAN: CRITERIA[e.PLAN]}) == ["criteria"]
    with pytest.raises(ValueError):
        e.score(e.PLAN, CRITERIA[e.PLAN], e.Measure(5, 4))
