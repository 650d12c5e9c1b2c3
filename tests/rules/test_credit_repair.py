"""信用修复 of a published result (rules/credit_repair.py): each condition on its own, the
months counted on the calendar, and every reason given at once."""

from datetime import date

import pytest

from shuangsuiji.rules.credit_repair import (
    FollowUpFact,
    add_months,
    repair_refusals,
    repairable_from,
)

PUBLISHED = date(2026, 6, 1)
LATER = date(2026, 9, 1)  # three months on
RECTIFIED = FollowUpFact("rectify", closed=True, recheck_passed=True)


def reasons(**kwargs):
    args = {"categories": ["corrected"], "follow_ups": [RECTIFIED], "published_on": PUBLISHED,
            "today": LATER} | kwargs
    return [e.template for e in repair_refusals(**args)]


def test_a_corrected_result_public_three_months_may_be_repaired():
    assert reasons() == []
    assert reasons(follow_ups=[]) == []
    assert reasons(follow_ups=[RECTIFIED, FollowUpFact("penalty", closed=True),
                               FollowUpFact("refer", closed=False)]) == []


@pytest.mark.parametrize("categories", [["no_problem"], []])
def test_a_result_without_problems_has_nothing_to_repair(categories):
    assert reasons(categories=categories) == [
        "This result found no problem (未发现问题): there is nothing to repair."]


@pytest.mark.parametrize("fact", [FollowUpFact("rectify", closed=False),
                                  FollowUpFact("rectify", closed=False, recheck_passed=True),
                                  FollowUpFact("rectify", closed=True, recheck_passed=False),
                                  FollowUpFact("rectify", closed=True, recheck_passed=None)])
def test_an_order_to_rectify_must_be_closed_as_rectified(fact):
    assert len(reasons(follow_ups=[RECTIFIED, fact])) == 1
    assert "责令改正" in reasons(follow_ups=[fact])[0]


def test_a_pending_penalty_refuses():
    assert "行政处罚" in reasons(follow_ups=[FollowUpFact("penalty", closed=False)])[0]


def test_the_minimum_period_is_counted_in_calendar_months():
    assert reasons(today=date(2026, 8, 31))[0].startswith("The result must have been public")
    errors = repair_refusals(categories=["pending"], follow_ups=[], published_on=PUBLISHED,
                             today=date(2026, 8, 31))
    assert errors[0].params == {"months": 3, "day": "2026-09-01"}
    assert reasons(today=date(2026, 8, 31), months=0) == []
    assert reasons(today=date(2026, 12, 1), months=6) == []
    assert len(reasons(today=date(2026, 11, 30), months=6)) == 1


def test_every_reason_is_given_at_once():
    assert len(reasons(categories=["no_problem"],
                       follow_ups=[FollowUpFact("rectify", closed=False),
                                   FollowUpFact("penalty", closed=False)],
                       today=PUBLISHED)) == 4


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2027, 11, 30), 3, date(2028, 2, 29)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 10, 15), 3, date(2027, 1, 15)),
    (date(2026, 12, 31), 12, date(2027, 12, 31)),
    (date(2026, 5, 5), 0, date(2026, 5, 5)),
])
def test_months_are_added_to_the_month_end_at_most(day, months, expected):
    assert add_months(day, months) == expected
    assert repairable_from(day, months) == expected


def test_negative_months_are_a_programming_error():
    with pytest.raises(ValueError, match="months"):
        repair_refusals(categories=["pending"], follow_ups=[], published_on=PUBLISHED,
                        today=LATER, months=-1)
