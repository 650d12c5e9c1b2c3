"""The pure risk rules: which class an entity's record requires; never lower."""

from datetime import date

from shuangsuiji.rules.risk import Facts, Rule, rank, required_class

TODAY = date(2026, 11, 27)
SERIOUS_D = Rule("serious", "D", id=1)
REFUSAL_C = Rule("refusal", "C", id=2)
COMPLAINTS_C = Rule("complaints", "C", threshold=3, period_days=30, id=3)
BLACKLIST_D = Rule("blacklist", "D", id=4)
RULES = [SERIOUS_D, REFUSAL_C, COMPLAINTS_C, BLACKLIST_D]


def test_it_orders_classes_with_no_class_lowest():
    assert [rank(c) for c in ("", "A", "B", "C", "D")] == [0, 1, 2, 3, 4]


def test_it_raises_to_the_highest_rule_that_fires():
    facts = Facts(penalties=[date(2026, 11, 1)], refusals=[date(2026, 10, 1)])
    assert required_class("A", facts, RULES, TODAY) == ("D", SERIOUS_D)
    assert required_class("", Facts(refusals=[date(2026, 10, 1)]), RULES, TODAY) == (
        "C", REFUSAL_C)


def test_it_never_lowers_a_class():
    facts = Facts(refusals=[date(2026, 10, 1)])
    assert required_class("D", facts, RULES, TODAY) == ("D", None)
    assert required_class("C", facts, RULES, TODAY) == ("C", None)


def test_it_counts_complaints_within_the_period_only():
    two_recent_one_old = Facts(complaints=[date(2026, 11, 20), date(2026, 11, 1),
                                           date(2026, 9, 1)])
    assert required_class("A", two_recent_one_old, RULES, TODAY) == ("A", None)
    three_recent = Facts(complaints=[date(2026, 11, 20), date(2026, 11, 1), date(2026, 10, 29)])
    assert required_class("A", three_recent, RULES, TODAY) == ("C", COMPLAINTS_C)


def test_it_ignores_events_outside_the_period_and_in_the_future():
    old = Facts(penalties=[date(2025, 1, 1)], refusals=[date(2027, 1, 1)])
    assert required_class("B", old, RULES, TODAY) == ("B", None)


def test_a_blacklist_entry_in_force_fires():
    assert required_class("B", Facts(blacklisted=True), RULES, TODAY) == ("D", BLACKLIST_D)
    assert required_class("B", Facts(blacklisted=False), RULES, TODAY) == ("B", None)


def test_no_rules_no_change():
    assert required_class("A", Facts(blacklisted=True), [], TODAY) == ("A", None)
