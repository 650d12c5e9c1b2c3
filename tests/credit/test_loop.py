"""The risk loop: a penalty, an approved refusal, complaints and the blacklist raise the class
through the office's rules; never lower it; every change has its history row and audit entry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import BlacklistEntry, RiskClassChange
from shuangsuiji.inspections import services as inspections

from .conftest import fill, set_class, sign_all


def _target(drawn_task):
    return drawn_task.office_result.visit.drawn_target.target


def _penalty(world, drawn_task, *, decided=True):
    office, result = world.users["office"], drawn_task.office_result
    result = fill(result, world.users["inspector"], categories=["pending"],
                  findings={f.item_id: ("non_compliant", "未按规定维护")
                            for f in result.findings.all()})
    follow_up = inspections.follow_up_create(
        actor=office, inspection=result, kind="penalty", owner=office,
        due_on=timezone.localdate() + timedelta(days=30))
    if decided:
        inspections.follow_up_penalty(actor=office, follow_up=follow_up,
                                      decision_number="晋人防罚决〔2026〕7号",
                                      amount=Decimal("20000"),
                                      decision_date=timezone.localdate())
    return follow_up


def test_a_penalty_decision_raises_the_class(world, drawn_task, rules):
    target = _target(drawn_task)
    set_class(target, "A")
    follow_up = _penalty(world, drawn_task, decided=False)
    target.refresh_from_db()
    assert target.risk_class == "A"  # a case opened, no decision yet
    inspections.follow_up_penalty(actor=world.users["office"], follow_up=follow_up,
                                  decision_number="晋人防罚决〔2026〕7号",
                                  amount=Decimal("20000"), decision_date=timezone.localdate())
    target.refresh_from_db()
    assert (target.risk_class, target.risk_set_on) == ("D", timezone.localdate())
    change = RiskClassChange.objects.get(target=target)
    assert (change.old, change.new, change.source, change.rule) == ("A", "D", "rule",
                                                                    rules["serious"])
    assert change.by == world.users["office"]
    event = AuditEvent.objects.get(action="credit.risk_rule")
    assert event.object_id == str(target.pk) and event.data["new"] == "D"


def test_an_approved_refusal_raises_the_class_a_returned_one_does_not(world, drawn_task,
                                                                      rules):
    result, inspector = drawn_task.office_result, world.users["inspector"]
    target = _target(drawn_task)
    set_class(target, "B")
    result = fill(result, inspector, categories=["refused"], conduct="refused")
    sign_all(result, inspector)
    inspections.inspection_submit(actor=inspector, inspection=result)
    inspections.inspection_review(actor=world.users["office"], inspection=result,
                                  approve=False, reason="补充拒检经过")
    target.refresh_from_db()
    assert target.risk_class == "B"
    inspections.inspection_submit(actor=inspector, inspection=result)
    inspections.inspection_review(actor=world.users["office"], inspection=result, approve=True)
    target.refresh_from_db()
    assert target.risk_class == "D"
    assert RiskClassChange.objects.get(target=target).rule == rules["refusal"]


def test_many_complaints_raise_the_class_at_the_threshold(world, drawn_task, rules):
    target, office = _target(drawn_task), world.users["office"]
    set_class(target, "A")
    today = timezone.localdate()
    credit.complaint_add(actor=office, target=target, received_on=today, summary="噪音扰民")
    target.refresh_from_db()
    assert target.risk_class == "A"
    credit.complaint_add(actor=office, target=target, received_on=today - timedelta(days=10),
                         summary="消防通道堵塞", substantiated=True)
    target.refresh_from_db()
    assert target.risk_class == "C"
    assert AuditEvent.objects.filter(action="credit.complaint_add").count() == 2


def test_the_blacklist_raises_and_credit_repair_does_not_lower(world, drawn_task, rules):
    target, office = _target(drawn_task), world.users["office"]
    set_class(target, "B")
    entry = credit.blacklist_add(actor=office, target=target, basis="拒不整改人防工程违规使用",
                                 listed_on=timezone.localdate())
    target.refresh_from_db()
    assert target.risk_class == "D"
    with pytest.raises(ValidationError):  # already listed
        credit.blacklist_add(actor=office, target=target, basis="再次",
                             listed_on=timezone.localdate())
    with pytest.raises(ValidationError):  # a removal needs a reason
        credit.blacklist_remove(actor=office, entry=entry, removed_on=timezone.localdate(),
                                reason=" ")
    credit.blacklist_remove(actor=office, entry=entry, removed_on=timezone.localdate(),
                            reason="已完成信用修复，公开承诺并整改到位")
    entry.refresh_from_db()
    target.refresh_from_db()
    assert entry.removed_on == timezone.localdate() and target.risk_class == "D"
    assert not credit.blacklist_in_force(target).exists()
    assert {e.action for e in AuditEvent.objects.filter(action__startswith="credit.")} >= {
        "credit.blacklist_add", "credit.blacklist_remove", "credit.risk_rule"}


def test_a_blacklist_proposal_follow_up_lists_the_entity(world, drawn_task):
    office, result = world.users["office"], drawn_task.office_result
    result = fill(result, world.users["inspector"], categories=["pending"],
                  findings={f.item_id: ("non_compliant", "") for f in result.findings.all()})
    proposal = inspections.follow_up_create(actor=office, inspection=result, kind="blacklist",
                                            owner=office, due_on=timezone.localdate())
    entry = credit.blacklist_add(actor=office, target=_target(drawn_task), basis="严重违法失信",
                                 listed_on=timezone.localdate(), follow_up=proposal)
    assert entry.source_follow_up == proposal
    other = drawn_task.task.visits.exclude(pk=drawn_task.visit.pk).first().drawn_target.target
    with pytest.raises(ValidationError):
        credit.blacklist_add(actor=office, target=other, basis="x",
                             listed_on=timezone.localdate(), follow_up=proposal)


def test_rules_never_lower_and_do_nothing_without_rules(world, drawn_task, rules):
    target, office = _target(drawn_task), world.users["office"]
    set_class(target, "D")
    rules["complaints"].raise_to = "B"
    rules["complaints"].save()
    for days in (1, 2, 3):
        credit.complaint_add(actor=office, target=target,
                             received_on=timezone.localdate() - timedelta(days=days), summary="x")
    target.refresh_from_db()
    assert target.risk_class == "D"
    assert not RiskClassChange.objects.filter(target=target).exists()


def test_without_rules_nothing_changes(world, drawn_task):
    target = _target(drawn_task)
    set_class(target, "A")
    _penalty(world, drawn_task)
    target.refresh_from_db()
    assert target.risk_class == "A"
    assert not RiskClassChange.objects.exists()


def test_manual_class_needs_a_reason_and_the_office(world, drawn_task):
    target = _target(drawn_task)
    with pytest.raises(ValidationError):
        credit.risk_class_set(actor=world.users["office"], target=target, risk_class="B",
                              reason="")
    for role in ("section", "leader", "partner", "inspector"):
        with pytest.raises(PermissionDenied):
            credit.risk_class_set(actor=world.users[role], target=target, risk_class="B",
                                  reason="复核")
    set_class(target, "D")
    credit.risk_class_set(actor=world.users["office"], target=target, risk_class="A",
                          reason="市场监管部门复核后下调")
    target.refresh_from_db()
    assert target.risk_class == "A"  # by hand a class may go down
    change = RiskClassChange.objects.get(target=target)
    assert (change.old, change.new, change.source) == ("D", "A", "manual")
    assert AuditEvent.objects.filter(action="credit.risk_manual",
                                     object_id=str(target.pk)).count() == 1


def test_only_the_office_of_the_targets_organisation_changes_its_file(world, drawn_task):
    target = _target(drawn_task)
    for role in ("partner", "other_office", "section", "leader"):
        with pytest.raises(PermissionDenied):
            credit.complaint_add(actor=world.users[role], target=target,
                                 received_on=timezone.localdate(), summary="x")
        with pytest.raises(PermissionDenied):
            credit.blacklist_add(actor=world.users[role], target=target, basis="x",
                                 listed_on=timezone.localdate())
    assert not BlacklistEntry.objects.exists()
