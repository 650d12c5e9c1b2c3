"""A recusal accepted after the draw (换人): the conflict is recorded, the recused inspector
leaves the entity's group and the place goes by the draw's rule (lowest load, then ticket,
then ID, among the department's pool), outside the record, which stays as drawn and
verifies. Where nobody can take the place, or the result is entered, the office is told in
Chinese that the group needs its attention."""

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws import records
from shuangsuiji.draws import services as draw_services
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entityportal import selectors, services
from shuangsuiji.entityportal.choices import RequestKind
from shuangsuiji.inspections.groups import group_substitute
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.inspectors import services as inspector_services
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.notices.choices import Kind
from shuangsuiji.notices.models import Notice
from shuangsuiji.rules.draw.record import inspectors_of, replacement_entry
from shuangsuiji.rules.draw.tickets import ticket
from shuangsuiji.rules.draw.verify import verify
from tests.conftest import make_user
from tests.draws.conftest import make_inspector
from tests.inspections.conftest import FAR

from .test_requests import ZH, entity_of, group_inspector, staff

WARNING = "仍在"  # "…仍在…检查组中"


@pytest.fixture
def spares(world):
    """Two more officers of the office's engineering section, in the pool before the freeze
    (listed before `entities` in a test's arguments, so made before the draw)."""
    return [make_inspector(world.engineering, "RFB-E3", valid_to=FAR),
            make_inspector(world.engineering, "RFB-E4", valid_to=FAR)]


def recusal(entities, inspector):
    return services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                                 data={"visit": entities.visit, "inspector": inspector,
                                       "text": "该检查人员系我单位股东的近亲属"})


def in_group(entities) -> set[str]:
    return set(Assignment.objects.filter(drawn_target=entities.visit.drawn_target,
                                         released_at__isnull=True)
               .values_list("inspector__code", flat=True))


def expected_substitute(task, out) -> str:
    """§5's rule recomputed here from the record: same department and role, not in the
    group, no conflict, lowest (load, ticket, ID)."""
    record = task.draw.record
    dt = Assignment.objects.get(pk=out.pk).drawn_target
    members = set(Assignment.objects.filter(drawn_target=dt, released_at__isnull=True)
                  .values_list("inspector__code", flat=True))
    conflicted = set(Conflict.objects.filter(target__uscc=dt.target.uscc)
                     .values_list("inspector__code", flat=True))
    loads = Counter(Assignment.objects.filter(task=task, released_at__isnull=True)
                    .values_list("inspector__code", flat=True))
    pool = [i.id for i in inspectors_of(record)
            if i.department == out.department.code and i.role == out.inspector.role
            and i.id not in members | conflicted | {out.inspector.code}]
    return min(pool, key=lambda i: (loads[i], ticket("inspector:" + i, record["seed"]), i))


def test_accepting_takes_the_inspector_out_and_the_rule_picks_who_comes_in(spares, entities,
                                                                          world):
    inspector = group_inspector(entities)
    out = Assignment.objects.get(drawn_target=entities.visit.drawn_target, inspector=inspector,
                                 released_at__isnull=True)
    request = recusal(entities, inspector)
    # The rule as it stands when the office answers (the conflict is registered first).
    Conflict.objects.create(inspector=inspector, target=entities.target, relation="other",
                            reason="预计算", valid_from=date(2000, 1, 1))
    expected = expected_substitute(entities.task.task, out)
    Conflict.objects.all().delete()
    record_before = dict(entities.task.task.draw.record)
    for i in Inspector.objects.filter(user__isnull=True):  # an inbox for every inspector
        i.user = make_user(f"u-{i.code}", "inspector", i.department)
        i.save(update_fields=["user"])

    office = staff(world, "office")
    page = office.post(reverse("entityportal:office_detail", args=[request.pk]),
                       {"state": "accepted", "answer": "回避理由成立"}, follow=True,
                       **ZH).content.decode()

    out.refresh_from_db()
    assert out.released_at is not None and out.released_for == "conflict"
    incoming = out.replaced_by
    assert incoming.inspector.code == expected and incoming.position == out.position
    assert incoming.department_id == out.department_id
    assert inspector.code not in in_group(entities) and expected in in_group(entities)
    assert len(in_group(entities)) == 4  # two groups of two, as drawn
    # The office sees who came in; no warning is left.
    assert WARNING not in page and "换人" in page and incoming.inspector.name in page
    # The audit entry holds every input of the rule, for an auditor to recompute it.
    event = AuditEvent.objects.get(action="group.substitute")
    assert event.data["out"] == inspector.code and event.data["in"] == expected
    assert inspector.code in event.data["blocked"] and expected in event.data["loads"]
    answer = AuditEvent.objects.get(action="entity.answer")
    assert answer.data["substituted"] == [{"task": entities.task.task.code, "out": out.pk,
                                           "in": incoming.pk}]
    assert answer.data["groups_needing_attention"] == []
    # Both inspectors are told: who comes in learns the group, who leaves that it is over.
    joined = Notice.objects.get(kind=Kind.GROUP_JOINED, channel="inbox")
    left = Notice.objects.get(kind=Kind.GROUP_LEFT, channel="inbox")
    assert incoming.inspector.name in joined.body and entities.target.name in joined.body
    assert inspector.name in left.body and "回避" in left.body
    assert "近亲属" not in joined.body + left.body  # the entity's reason stays with the office
    # The record is the draw's, untouched, and still verifies.
    draw = entities.task.task.draw
    draw.refresh_from_db()
    assert draw.record == record_before
    assert verify(draw.record) is None


def test_the_entity_sees_the_new_group_and_never_why(spares, entities, entity_client, world):
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="回避理由成立")
    incoming = Assignment.objects.get(replaces__inspector=inspector).inspector
    page = entity_client.get(reverse("entityportal:visit", args=[entities.visit.pk]),
                             **ZH).content.decode()
    assert incoming.name in page and inspector.name not in page.split("回避申请")[0]
    assert "blocked" not in page and "预计算" not in page


def test_the_public_record_keeps_the_drawn_groups(spares, entities, client, world):
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="回避理由成立")
    incoming = Assignment.objects.get(replaces__inspector=inspector).inspector
    public = draw_services.record_for_export(entities.task.task, public=True)
    members = {i for g in public["groups"] for i in g["inspectors"]}
    assert inspector.code in members and incoming.code not in {
        i for g in public["groups"] if g["target"] == entities.visit.drawn_target.ident
        for i in g["inspectors"]}
    assert "substitut" not in str(public) and "conflict" not in str(public).replace(
        "conflicts_count", "").replace("conflicts_digest", "")


def test_nobody_left_to_take_the_place_tells_the_office(entities, world):
    # The fixture's pool has two officers per department, both in the group.
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    office = staff(world, "office")
    response = office.post(reverse("entityportal:office_detail", args=[request.pk]),
                           {"state": "accepted", "answer": "回避理由成立"}, follow=True, **ZH)
    page = response.content.decode()
    assert response.status_code == 200
    assert Conflict.objects.filter(inspector=inspector, target=entities.target).exists()
    task = entities.task.task.code
    assert WARNING in page and inspector.name in page and task in page
    event = AuditEvent.objects.get(action="entity.answer")
    [stuck] = event.data["groups_needing_attention"]
    assert stuck["task"] == task and "RFB" in stuck["reason"]
    assert not AuditEvent.objects.filter(action="group.substitute").exists()
    # It stays on the request's page until the group no longer holds the inspector.
    assert WARNING in office.get(reverse("entityportal:office_detail", args=[request.pk]),
                                 **ZH).content.decode()
    Assignment.objects.filter(inspector=inspector,
                              drawn_target=entities.visit.drawn_target).update(
        released_at=timezone.now())
    assert not selectors.recused_in_groups(request).exists()
    assert WARNING not in office.get(reverse("entityportal:office_detail", args=[request.pk]),
                                     **ZH).content.decode()


def test_a_group_that_entered_its_result_stands(spares, entities, world):
    inspector = group_inspector(entities)
    out = Assignment.objects.get(drawn_target=entities.visit.drawn_target, inspector=inspector,
                                 released_at__isnull=True)
    Inspection.objects.filter(visit=entities.visit, department=out.department).update(
        entered_at=timezone.now())
    request = recusal(entities, inspector)
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="回避理由成立")
    out.refresh_from_db()
    assert out.released_at is None and inspector.code in in_group(entities)
    [stuck] = AuditEvent.objects.get(action="entity.answer").data["groups_needing_attention"]
    assert "结果" in stuck["reason"] or "result" in stuck["reason"]


def test_no_warning_when_rejected(entities, world):
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    office = staff(world, "office")
    page = office.post(reverse("entityportal:office_detail", args=[request.pk]),
                       {"state": "rejected", "answer": "理由不成立"}, follow=True,
                       **ZH).content.decode()
    assert WARNING not in page and not Conflict.objects.exists()
    assert inspector.code in in_group(entities)
    assert "groups_needing_attention" not in AuditEvent.objects.get(
        action="entity.answer").data


def test_the_warning_never_reaches_the_entity(entities, entity_client, world):
    request = recusal(entities, group_inspector(entities))
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="回避理由成立")
    for url in (reverse("entityportal:home"),
                reverse("entityportal:visit", args=[entities.visit.pk])):
        page = entity_client.get(url, **ZH).content.decode()
        assert "需要办公室" not in page and "groups_needing_attention" not in page


def test_another_organisation_cannot_substitute(spares, entities, world):
    out = Assignment.objects.filter(drawn_target=entities.visit.drawn_target).first()
    with pytest.raises(PermissionDenied):
        group_substitute(actor=world.users["other_office"], assignment=out, why="attack")
    with pytest.raises(PermissionDenied):
        group_substitute(actor=world.users["inspector"], assignment=out, why="attack")
    out.refresh_from_db()
    assert out.released_at is None


def test_twice_is_refused(spares, entities, world):
    out = Assignment.objects.filter(drawn_target=entities.visit.drawn_target,
                                    department=world.office).first()
    group_substitute(actor=world.users["office"], assignment=out, why="test")
    with pytest.raises(ValidationError):
        group_substitute(actor=world.users["office"], assignment=out, why="test")
    assert Assignment.objects.filter(replaces=out).count() == 1


def test_a_standby_brought_in_keeps_away_from_a_conflict_made_after_the_freeze(spares,
                                                                              entities,
                                                                              world):
    """A conflict registered after the freeze is not in the record: the replacement's groups
    follow the record (and verify), then the conflicted member is substituted at once."""
    task = entities.task.task
    draw = task.draw
    out_ident = entities.other_visit.drawn_target.ident
    entry = replacement_entry(records.replacement_state(draw), out=out_ident, reason="已注销",
                              at="2026-11-01T10:00:00+08:00")
    incoming_target = task.freeze.candidates.get(ident=entry["in"]).target
    picked = next(i for g in entry["groups"] if g["department"] == "RFB"
                  for i in g["inspectors"])
    inspector_services.conflict_record(actor=world.users["office"], data={
        "inspector": Inspector.objects.get(code=picked),
        "target": incoming_target, "relation": "other", "declared_by": "inspector",
        "reason": "曾在该单位任职", "valid_from": timezone.localdate()})
    incoming = draw_services.draw_replace(actor=world.users["office"], task=task,
                                          ident=out_ident, reason="已注销")
    members = set(Assignment.objects.filter(drawn_target=incoming, released_at__isnull=True)
                  .values_list("inspector__code", flat=True))
    assert picked not in members and len(members) == 4
    draw.refresh_from_db()
    assert draw.record["replacements"][-1]["groups"] == entry["groups"]
    assert verify(draw.record) is None
    replace = AuditEvent.objects.filter(action="draw.replace").latest("pk")
    assert replace.data["substituted"] == 1
    # The replacement's own notices go to the group as it stands; no second letter.
    assert not Notice.objects.filter(kind=Kind.GROUP_JOINED).exists()
    told = set(Notice.objects.filter(kind=Kind.TASK_REPLACED)
               .values_list("recipient", flat=True))
    assert not any(picked in r for r in told)
