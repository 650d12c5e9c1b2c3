"""The seed's joint task: freeze, draw once, verify, replace; refusals."""

import json
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import Assignment, DrawRecord
from shuangsuiji.draws.services import (
    DrawRefused,
    draw_execute,
    draw_replace,
    record_for_export,
    task_freeze,
)
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.services import TaskLocked, task_set_strata, task_update
from shuangsuiji.rules.draw.engine import DrawFailed
from shuangsuiji.rules.draw.verify import verify

from .conftest import DRAW_AT

CEREMONY = "38201958377102938475"


def _freeze(world, task):
    return task_freeze(actor=world.users["office"], task=task, planned_draw_at=DRAW_AT)


def _draw(world, task, freeze_time=None):
    return draw_execute(actor=world.users["office"], task=task, ceremony_input=CEREMONY,
                        witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])


@pytest.fixture(autouse=True)
def on_the_draw_day(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: DRAW_AT)


def test_the_seed_task_draws_6_of_37_with_a_group_from_each_department(world, seed_task):
    freeze = _freeze(world, seed_task)
    assert freeze.pool_size == 37 and freeze.pool_strata == {"ALL": 37}
    draw = _draw(world, seed_task)
    record = draw.record
    assert record["strata"] == {"ALL": {"n": 37, "k": 6}}
    assert len(record["drawn"]) == 6
    assert len(record["groups"]) == 12
    assert {g["department"] for g in record["groups"]} == {"RFB", "XFZD"}
    assert verify(json.loads(json.dumps(record))) is None
    assert Assignment.objects.filter(task=seed_task).count() == 24
    assert InspectionTask.objects.get(pk=seed_task.pk).state == "drawn"


def test_the_bulk_path_stores_the_engine_record(world, seed_task, monkeypatch):
    """Large pools are drawn by the bulk path; its record is the engine's, byte for byte."""
    from shuangsuiji.draws import services
    from shuangsuiji.rules.canonical import canonical_json
    from shuangsuiji.rules.draw.engine import Conflict as ConflictRule
    from shuangsuiji.rules.draw.engine import DepartmentSpec, run_draw
    from shuangsuiji.rules.draw.pools import Candidate, parse_inspector_line
    from shuangsuiji.rules.draw.record import build_record
    from shuangsuiji.rules.draw.sizes import StratumRule

    _freeze(world, seed_task)
    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)
    draw = _draw(world, seed_task)
    # The draw only hashed the record; the row keeps it without its pool's lines and
    # standby lists, and the first export makes its file from the frozen pool.
    assert not draw.record_file and "lines" not in draw.record["pool"]
    assert "standby" not in draw.record
    record = record_for_export(seed_task, public=False)
    draw.refresh_from_db()
    assert draw.record_file.read() == canonical_json(record).encode()
    made = draw.record_file.name  # made once: later exports stream the file kept
    assert record_for_export(seed_task, public=True)
    draw.refresh_from_db()
    assert draw.record_file.name == made
    assert verify(record) is None
    rules = {k: StratumRule.from_json(v) for k, v in record["rules"].items()}
    departments = [DepartmentSpec(d["code"], d["officers"], d["experts"])
                   for d in record["departments"]]
    inspectors = [parse_inspector_line(line) for line in record["inspector_pool"]["lines"]]
    conflicts = [ConflictRule(c["inspector"], c["target"], c["reason"])
                 for c in record["conflicts"]]
    candidates = [Candidate(*line.split("\t")) for line in record["pool"]["lines"]]
    engine = build_record(
        task=record["task"], pool_lines=record["pool"]["lines"],
        pool_digest=record["pool"]["digest"], pool_strata=record["pool"]["strata"],
        inspector_lines=record["inspector_pool"]["lines"],
        inspector_digest=record["inspector_pool"]["digest"],
        server_secret=record["server_secret"], commitment=record["commitment"],
        ceremony_input=record["ceremony"]["input"], witnesses=record["ceremony"]["witnesses"],
        ceremony_source=record["ceremony"]["source"], seed=record["seed"], rules=rules,
        departments=departments, lookback_days=record["lookback_days"], conflicts=conflicts,
        result=run_draw(seed=record["seed"], candidates=candidates, rules=rules,
                        inspectors=inspectors, departments=departments, conflicts=conflicts),
        drawn_at=record["drawn_at"])
    assert canonical_json(record) == canonical_json(engine)
    assert sorted(seed_task.targets.values_list("ident", flat=True)) == sorted(
        t["id"] for t in record["drawn"])


def test_a_draw_kept_as_a_file_is_replaced_and_exported_like_any_other(world, seed_task,
                                                                        monkeypatch):
    from django.test import Client
    from django.urls import reverse

    from shuangsuiji.draws import services
    from shuangsuiji.rules.canonical import canonical_json
    from shuangsuiji.rules.draw.record import public_record

    _freeze(world, seed_task)
    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)
    draw = _draw(world, seed_task)
    drawn = record_for_export(seed_task, public=False)["drawn"]
    for out in drawn[:2]:
        draw_replace(actor=world.users["office"], task=seed_task, ident=out["id"],
                     reason="已注销")
    record = record_for_export(seed_task, public=False)
    assert [e["in"] for e in record["replacements"]] == record["standby"]["ALL"][:2]
    assert verify(record) is None
    assert record["record_digest"] == draw.record_digest  # the file is as drawn
    public = record_for_export(seed_task, public=True)
    assert public == public_record(record, risk_strata=False, verification="public")
    assert verify(public) is None
    incoming = seed_task.targets.get(ident=record["replacements"][1]["in"])
    assert incoming.via_replacement and incoming.assignments.count() == 4
    # Served in pieces as it is read from the file: the bytes a verifier checks.
    response = Client().get(reverse("portal:task_record", args=[seed_task.code]))
    assert response.streaming
    assert b"".join(response.streaming_content) == canonical_json(public).encode()


@pytest.mark.parametrize("change", ["pool", "head"])
def test_a_large_record_is_made_again_only_as_drawn(world, seed_task, monkeypatch, change):
    """The file of a large record is made from the frozen pool and the row on first need;
    had either changed since the draw, nothing is exported and no file is kept."""
    from shuangsuiji.draws import records, services
    from shuangsuiji.draws.models import FrozenCandidate, FrozenPoolPart

    _freeze(world, seed_task)
    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)
    draw = _draw(world, seed_task)
    if change == "pool":  # its last line, in its rows and in the parts kept of its lines
        candidate = FrozenCandidate.objects.filter(freeze=seed_task.freeze).last()
        FrozenCandidate.objects.filter(pk=candidate.pk).update(stratum="B")
        part = FrozenPoolPart.objects.filter(freeze=seed_task.freeze).order_by("seq").last()
        lines = bytes(part.lines)
        part.lines = lines[:lines.rfind(b"\t")] + b"\tB\n"
        part.save()
    else:
        DrawRecord.objects.filter(pk=draw.pk).update(
            record=dict(draw.record, drawn_at="2023-03-30T09:00:01+08:00"))
    with pytest.raises(records.RecordMismatch):
        record_for_export(seed_task, public=True)
    draw.refresh_from_db()
    assert not draw.record_file


def test_the_secret_is_committed_before_and_revealed_only_in_the_record(world, seed_task):
    freeze = _freeze(world, seed_task)
    event = AuditEvent.objects.get(action="task.freeze")
    assert freeze.server_secret not in json.dumps(event.data)
    assert event.data["commitment"] == freeze.commitment
    draw = _draw(world, seed_task)
    assert draw.record["server_secret"] == freeze.server_secret


def test_a_second_draw_is_refused(world, seed_task):
    _freeze(world, seed_task)
    _draw(world, seed_task)
    with pytest.raises(DrawRefused, match="already been drawn"):
        _draw(world, seed_task)
    assert DrawRecord.objects.count() == 1


def test_a_draft_cannot_be_drawn_and_a_frozen_task_cannot_be_edited(world, seed_task):
    with pytest.raises(DrawRefused):
        _draw(world, seed_task)
    _freeze(world, seed_task)
    with pytest.raises(TaskLocked):
        task_update(actor=world.users["office"], task=seed_task, data={"ratio": "50"})
    with pytest.raises(TaskLocked):
        task_set_strata(actor=world.users["office"], task=seed_task, rules={"A": {"ratio": "1"}})
    with pytest.raises(DrawRefused):
        _freeze(world, seed_task)


def test_short_ceremony_input_and_missing_witnesses_are_refused(world, seed_task):
    _freeze(world, seed_task)
    with pytest.raises(ValidationError):
        draw_execute(actor=world.users["office"], task=seed_task, ceremony_input="123",
                     witnesses=["甲"], source="dice")
    with pytest.raises(ValidationError):
        draw_execute(actor=world.users["office"], task=seed_task, ceremony_input=CEREMONY,
                     witnesses=[" "], source="dice")


def test_risk_strata_follow_the_task_rules(world, seed_task):
    task_update(actor=world.users["office"], task=seed_task, data={"stratification": "risk"})
    task_set_strata(actor=world.users["office"], task=seed_task,
                    rules={"A": {"ratio": "10"}, "D": {"ratio": "100"}})
    freeze = _freeze(world, seed_task)
    assert freeze.pool_strata == {"A": 10, "B": 9, "C": 9, "D": 9}
    record = _draw(world, seed_task).record
    assert {k: v["k"] for k, v in record["strata"].items()} == {"A": 1, "B": 2, "C": 2, "D": 9}
    seed_task.refresh_from_db()
    public = record_for_export(seed_task, public=True)
    assert "strata" not in public and all("stratum" not in t for t in public["drawn"])
    assert verify(public) is None


def test_a_failed_draw_saves_nothing_but_the_audit_entry(world, seed_task):
    _freeze(world, seed_task)
    # Every fire-rescue officer conflicts with every target: no group can be formed.
    from shuangsuiji.entities.models import Target

    for inspector in Inspector.objects.filter(code__startswith="F"):
        for target in Target.objects.all():
            Conflict.objects.create(inspector=inspector, target=target, relation="interest",
                                    declared_by="office", reason="测试")
    with pytest.raises(DrawFailed) as info:
        _draw(world, seed_task)
    assert "XFZD" in info.value.reason
    assert DrawRecord.objects.count() == 0
    assert InspectionTask.objects.get(pk=seed_task.pk).state == "frozen"
    failed = AuditEvent.objects.get(action="draw.failed")
    assert "XFZD" in failed.summary
    assert verify_chain() is None


def test_an_expired_certificate_on_the_draw_day_keeps_the_officer_out(world, seed_task):
    from .conftest import make_inspector

    make_inspector(world.engineering, "E099", valid_to=date(2023, 3, 29))
    freeze = _freeze(world, seed_task)
    assert not any(line.startswith("E099\t") for line in freeze.inspector_lines)
    assert any(line.startswith("E001\t") for line in freeze.inspector_lines)


def test_registered_conflicts_keep_inspectors_away_from_the_target(world, seed_task):
    _freeze(world, seed_task)
    from shuangsuiji.entities.models import Target

    target = Target.objects.order_by("pk").first()
    for code in ("E001", "E002", "E003"):
        Conflict.objects.create(inspector=Inspector.objects.get(code=code), target=target,
                                relation="kinship", declared_by="inspector", reason="近亲属")
    record = _draw(world, seed_task).record
    used = {(c["inspector"], c["target"]) for c in record["conflicts"]}
    assert ("E001", target.uscc) in used
    for group in record["groups"]:
        if group["target"] == target.uscc:
            assert not {"E001", "E002", "E003"} & set(group["inspectors"])


def test_replacement_brings_in_the_next_standby_and_rematches_groups(world, seed_task):
    _freeze(world, seed_task)
    draw = _draw(world, seed_task)
    out = draw.record["drawn"][2]["id"]
    incoming = draw_replace(actor=world.users["office"], task=seed_task, ident=out,
                            reason="已注销")
    draw.refresh_from_db()
    assert incoming.ident == draw.record["standby"]["ALL"][0]
    assert Assignment.objects.filter(drawn_target__ident=out, released_at__isnull=True).count() == 0
    assert Assignment.objects.filter(drawn_target=incoming).count() == 4
    assert verify(draw.record) is None
    assert AuditEvent.objects.filter(action="draw.replace").count() == 1
    with pytest.raises(DrawRefused):
        draw_replace(actor=world.users["office"], task=seed_task, ident=out, reason="再次")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_draws_one_succeeds_one_is_refused(world, seed_task, allow_audit_flush):
    _freeze(world, seed_task)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        try:
            _draw(world, InspectionTask.objects.get(pk=seed_task.pk))
            outcomes.append("ok")
        except DrawRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert DrawRecord.objects.count() == 1


def test_an_inspector_sees_a_task_only_through_assignments_in_force(world, seed_task):
    _freeze(world, seed_task)
    draw = _draw(world, seed_task)
    inspector = Inspector.objects.get(code=draw.record["groups"][0]["inspectors"][0])
    inspector.user = world.users["inspector"]
    inspector.save()
    user = world.users["inspector"]
    assert InspectionTask.objects.for_user(user).filter(pk=seed_task.pk).exists()
    assert not InspectionTask.objects.for_user(world.users["other_inspector"]).exists()
    # What draw_replace does to the groups of a replaced target.
    Assignment.objects.filter(inspector=inspector).update(released_at=DRAW_AT)
    assert not InspectionTask.objects.for_user(user).filter(pk=seed_task.pk).exists()


def test_the_audit_entry_lists_the_drawn_targets_up_to_a_limit(world, seed_task, monkeypatch):
    from shuangsuiji.draws import services

    _freeze(world, seed_task)
    monkeypatch.setattr(services, "AUDIT_DRAWN_MAX", 5)  # the seed draws 6
    draw = _draw(world, seed_task)
    event = AuditEvent.objects.get(action="draw.execute")
    assert event.data["drawn_count"] == 6 and "drawn" not in event.data
    assert event.data["record_digest"] == draw.record_digest  # which fixes the list
    assert seed_task.assignments.count() == 24 and seed_task.targets.count() == 6
    # Written column by column (COPY on PostgreSQL): every field as the record has it.
    rows = {(t.ident, t.stratum, t.ticket, t.position, t.via_replacement, t.replaced_at,
             t.replaced_reason, t.target.draw_id) for t in seed_task.targets.all()}
    assert rows == {(d["id"], d["stratum"], d["ticket"], d["position"], False, None, "", d["id"])
                    for d in draw.record["drawn"]}
    groups = {(a.drawn_target.ident, a.department.code, a.position, a.inspector.code,
               a.released_at) for a in seed_task.assignments.all()}
    assert groups == {(g["target"], g["department"], pos, code, None)
                      for g in draw.record["groups"]
                      for pos, code in enumerate(g["inspectors"], start=1)}
