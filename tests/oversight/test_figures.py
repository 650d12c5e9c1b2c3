"""Each figure of the dashboard on the known world (conftest), computed by hand."""

from datetime import date

import pytest

from shuangsuiji.oversight import selectors
from shuangsuiji.rules.oversight import Share
from tests.oversight.conftest import TODAY

pytestmark = pytest.mark.django_db


def shares(groups):
    return {g.key: (g.share.part, g.share.whole) for g in groups}


def test_it_counts_coverage_of_the_directory_by_region_industry_and_risk(world, known):
    f = selectors.compute(world.office, 2026, TODAY)
    # 12 drawn-pool targets + 1 unclassified; the deregistered one and the fire's are out.
    assert f.coverage == Share(3, 13)
    assert f.coverage.percent_text() == "23.1%"
    assert shares(f.by_region) == {"region:140502": (2, 11), "region:140521": (1, 1),
                                   "region:": (0, 1)}
    assert shares(f.by_industry) == {"industry:E": (2, 11), "industry:F": (1, 1),
                                     "industry:?": (0, 1)}
    assert shares(f.by_risk) == {"risk:A": (2, 2), "risk:B": (0, 9), "risk:C": (1, 1),
                                 "risk:": (0, 1)}


def test_it_counts_findings_and_deadlines_of_the_offices_results_only(world, known):
    f = selectors.compute(world.office, 2026, TODAY)
    assert f.findings == Share(1, 3)  # R1 of R1–R3; the fire's "pending" is not counted
    assert f.entry == Share(1, 3)  # R1 on time; R2 submitted late; R3 never
    assert f.publication == Share(1, 2)  # R1 on time; R2 late; R3 not due yet
    assert f.overdue == {"entry": 1, "publication": 1, "follow_ups": 1}
    assert f.overdue_total == 3
    assert f.follow_ups == {"all": 2, "open": 1, "closed": 1, "overdue": 1}
    assert f.joint == Share(1, 2)  # the joint task and its own frozen one; no draft, no 2025


def test_before_the_entry_deadline_an_unsubmitted_result_is_not_yet_late(world, known):
    f = selectors.compute(world.office, 2026, date(2026, 12, 11))  # the deadline itself
    assert f.entry == Share(1, 2)  # R1 on time, R2 submitted 12-14 late, R3 undecided
    assert f.overdue["entry"] == 0


def test_it_counts_workload_per_inspector_and_department(world, known):
    f = selectors.compute(world.office, 2026, TODAY)
    assert [(w.detail, w.assignments, w.entered) for w in f.inspectors] == [
        ("RFB-E1", 3, 3), ("RFB-E2", 3, 3)]
    assert [(w.label, w.assignments, w.entered) for w in f.departments] == [("工程科", 6, 3)]


def test_the_fire_rescue_sees_its_own_part_of_the_joint_task(world, known):
    f = selectors.compute(world.fire, 2026, TODAY)
    assert f.coverage == Share(0, 2)  # its own two targets; the office's are not its own
    assert f.findings == Share(1, 1)
    # Submitted 12-14, after 12-11; its two untouched results are late too.
    assert f.entry == Share(0, 3)
    assert f.overdue["entry"] == 2
    assert f.publication == Share(0, 1)  # published a day late
    assert f.joint == Share(1, 2)  # the joint task it cooperates in, and its own
    assert [w.detail for w in f.inspectors] == ["XFZD-E1", "XFZD-E2"]
    assert f.follow_ups["closed"] == 1 and f.follow_ups["open"] == 0


def test_another_year_is_empty(world, known):
    f = selectors.compute(world.office, 2025, TODAY)
    assert f.findings == Share(0, 0) and f.findings.percent_text() == "—"
    assert f.coverage == Share(0, 13)
    assert f.joint == Share(0, 1)  # RFB-2025-09, not joint


class TestDrillDown:
    def test_each_list_holds_exactly_the_counted_records(self, world, known):
        f = selectors.compute(world.office, 2026, TODAY)
        k = known
        assert selectors.records(f, "findings", "all") == ("result", [k.r1.pk])
        assert sorted(selectors.records(f, "results", "all")[1]) == sorted(
            [k.r1.pk, k.r2.pk, k.r3.pk])
        assert selectors.records(f, "entry_on_time", "all")[1] == [k.r1.pk]
        assert sorted(selectors.records(f, "entry_late", "all")[1]) == sorted(
            [k.r2.pk, k.r3.pk])
        assert selectors.records(f, "publication_late", "all")[1] == [k.r2.pk]
        assert selectors.records(f, "overdue_entry", "all")[1] == [k.r3.pk]
        assert selectors.records(f, "overdue_publication", "all")[1] == [k.r2.pk]
        assert selectors.records(f, "overdue_follow_ups", "all")[1] == [k.follow_open.pk]
        assert selectors.records(f, "follow_ups_closed", "all")[1] == [k.follow_closed.pk]
        assert selectors.records(f, "joint_tasks", "all")[1] == [k.task.pk]
        assert sorted(selectors.records(f, "tasks", "all")[1]) == sorted(
            [k.task.pk, k.own_task.pk])

    def test_target_lists_follow_the_groups(self, world, known):
        f = selectors.compute(world.office, 2026, TODAY)
        kind, targets = selectors.records(f, "inspected", "risk:A")
        assert kind == "target"
        assert set(targets) == {known.r1.visit.drawn_target.target,
                                known.r3.visit.drawn_target.target}
        assert selectors.records(f, "targets", "region:140502")[1].count() == 11
        assert list(selectors.records(f, "targets", "industry:?")[1]) == [known.blank]
        assert selectors.records(f, "targets", "all")[1].count() == f.coverage.whole

    def test_workload_lists(self, world, known):
        f = selectors.compute(world.office, 2026, TODAY)
        person = f.inspectors[0]
        kind, ids = selectors.records(f, "assignments", person.key)
        assert kind == "assignment" and len(ids) == person.assignments
        rows = selectors.fetch("assignment", ids)
        assert {a.inspector.code for a in rows} == {person.detail}
        assert len(selectors.records(f, "entered", f.departments[0].key)[1]) == 3

    def test_unknown_metrics_and_keys_are_refused(self, world, known):
        f = selectors.compute(world.office, 2026, TODAY)
        for metric, key in [("nope", "all"), ("targets", "region:999999"),
                            ("assignments", "inspector:999999")]:
            with pytest.raises(selectors.UnknownMetric):
                selectors.records(f, metric, key)
