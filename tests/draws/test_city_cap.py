"""The city's yearly cap (国办发〔2024〕54号) across organisations, and the warning before a
non-random inspection of an entity inspected recently."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.accounts.choices import Role
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit.complaints import complaint_submit
from shuangsuiji.draws import services as draws
from shuangsuiji.draws.models import DrawnTarget, FrozenCandidate
from shuangsuiji.draws.pool import candidate_targets, cap_left_out
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.services import conflict_record
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import CityPolicy, InspectionTask
from tests.conftest import make_user
from tests.draws.conftest import make_inspector, make_item, make_targets
from tests.inspections.conftest import FAR, drawn_task, private_files  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire(world):
    """The fire rescue with an office of its own (as every organisation of the city will
    have), its own directory holding one entity of the office's, two officers and an item."""
    office_targets = make_targets(world, n=8)
    shared = office_targets[0]
    own = Target.objects.create(department=world.fire, uscc=shared.uscc, name=shared.name,
                                region_code="140502", industry_code="E4811")
    inspectors = [make_inspector(world.brigade, f"XF-N{i}", valid_to=FAR) for i in (1, 2)]
    return {"office": make_user("fire_office", Role.OFFICE, world.fire),
            "shared": shared, "own": own, "inspectors": inspectors,
            "item": make_item(world.fire, "XF-09"), "targets": office_targets}


def fire_inspects(fire, **changes):
    data = {"actor": fire["office"], "target": fire["own"], "kind": "special",
            "basis": "消防安全专项整治三年行动", "day": timezone.localdate(),
            "item_ids": [fire["item"].pk],
            "inspector_ids": [i.pk for i in fire["inspectors"]]} | changes
    return draws.nonrandom_create(**data)


def office_task(world, code="RFB-CAP-01"):
    office = world.users["office"]
    today = timezone.localdate()
    task = plans.task_create(actor=office, data={
        "code": code, "name": "年内抽查", "initiating": world.office, "period_start": today,
        "period_end": today + timedelta(days=30), "ratio": "50", "lookback_days": 0})
    make_inspector(world.engineering, "RFB-C1", valid_to=FAR)
    make_inspector(world.engineering, "RFB-C2", valid_to=FAR)
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[make_item(world.office, "RF-C1").pk],
                              role="initiating")
    return task


def test_the_policy_defaults_to_two_a_year_and_only_an_administrator_sets_it(world):
    assert CityPolicy.current().yearly_cap == 2 and CityPolicy.current().recent_days == 90
    with pytest.raises(PermissionDenied):
        plans.city_policy_set(actor=world.users["office"], yearly_cap=5, recent_days=10)
    with pytest.raises(ValidationError):
        plans.city_policy_set(actor=world.users["admin"], yearly_cap=0, recent_days=10)
    plans.city_policy_set(actor=world.users["admin"], yearly_cap=3, recent_days=10)
    assert (CityPolicy.current().yearly_cap, CityPolicy.current().recent_days) == (3, 10)
    assert AuditEvent.objects.filter(action="city_policy.set").count() == 1


def test_another_organisations_inspection_excludes_the_entity_at_the_cap(world, fire, client):
    fire_inspects(fire)
    task = office_task(world)
    today = timezone.localdate()
    # At the default cap of two, one inspection leaves the entity in the pool.
    assert fire["shared"].pk in set(candidate_targets(task, today).values_list("pk", flat=True))
    plans.city_policy_set(actor=world.users["admin"], yearly_cap=1, recent_days=30)
    pool = set(candidate_targets(task, today).values_list("pk", flat=True))
    assert fire["shared"].pk not in pool
    assert pool == {t.pk for t in fire["targets"][1:]}
    left = cap_left_out(task, today)
    assert [(r.target.pk, r.times, r.departments) for r in left] == [
        (fire["shared"].pk, 1, [world.fire.name])]
    # The freeze page tells the office who was left out and why.
    client.force_login(world.users["office"])
    page = client.get(reverse("draws:freeze", args=[task.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    cap_card = body[body.index('id="cap"'):body.index("</table>", body.index('id="cap"'))]
    assert fire["shared"].uscc in cap_card and world.fire.name in cap_card
    assert "专项检查" in cap_card or "Special inspection" in cap_card
    # The freeze applies it and records the cap on the task.
    draws.task_freeze(actor=world.users["office"], task=task,
                      planned_draw_at=timezone.now() + timedelta(hours=1))
    task.refresh_from_db()
    assert task.yearly_cap == 1
    frozen = set(FrozenCandidate.objects.filter(freeze=task.freeze)
                 .values_list("target_id", flat=True))
    assert fire["shared"].pk not in frozen and len(frozen) == 7


def test_the_freeze_page_is_for_the_office_alone(world, fire, client):
    fire_inspects(fire)
    task = office_task(world)
    for role in ("partner", "section", "leader"):
        client.force_login(world.users[role])
        assert client.get(reverse("draws:freeze", args=[task.pk])).status_code in {403, 404}
    client.force_login(world.users["office"])
    assert client.get(reverse("draws:freeze", args=[task.pk])).status_code == 200


def test_a_target_without_a_code_matches_only_itself(world, fire):
    loose = Target.objects.create(department=world.office, uscc=None, name="无照经营户",
                                  no_code_reason="个体", region_code="140502",
                                  industry_code="E4811")
    Target.objects.create(department=world.fire, uscc=None, name="无照经营户",
                          no_code_reason="个体", region_code="140502", industry_code="E4811")
    plans.city_policy_set(actor=world.users["admin"], yearly_cap=1, recent_days=30)
    fire_inspects(fire, target=Target.objects.get(department=world.fire, uscc__isnull=True))
    task = office_task(world)
    assert loose.pk in set(candidate_targets(task, timezone.localdate())
                           .values_list("pk", flat=True))


def test_a_recent_inspection_is_named_and_must_be_confirmed(world, fire):
    fire_inspects(fire)
    office = world.users["office"]
    item = make_item(world.office, "RF-W1")
    group = [make_inspector(world.engineering, f"RFB-W{i}", valid_to=FAR).pk for i in (1, 2)]
    complaint = complaint_submit(target_id=fire["shared"].pk, summary="占用疏散通道",
                                 complainant={"anonymous": True})
    data = {"actor": office, "target": fire["shared"], "kind": "complaint",
            "basis": "群众反映占用疏散通道", "reference": f"#{complaint.pk}",
            "day": timezone.localdate(), "item_ids": [item.pk], "inspector_ids": group}
    with pytest.raises(draws.RecentInspections) as refused:
        draws.nonrandom_create(**data)
    assert [(r["organisation"], r["kind"]) for r in refused.value.recent] == [
        (world.fire.name, "special")]
    assert not InspectionTask.objects.filter(kind="complaint").exists()
    task = draws.nonrandom_create(**data, confirm_recent=True)
    entry = AuditEvent.objects.get(action="inspection.nonrandom", object_id=str(task.pk))
    assert entry.data["recent_confirmed"][0]["organisation"] == world.fire.name
    assert entry.data["reference"] == f"#{complaint.pk}"
    assert entry.data["complaint"] == complaint.pk


def test_the_page_warns_and_the_confirmation_holds_for_that_target_only(world, fire, client):
    fire_inspects(fire)
    item = make_item(world.office, "RF-W1")
    group = [make_inspector(world.engineering, f"RFB-W{i}", valid_to=FAR).pk for i in (1, 2)]
    client.force_login(world.users["office"])
    url = reverse("draws:nonrandom_new")
    form = {"target": fire["shared"].uscc, "kind": "key", "basis": "重点监管对象",
            "reference": "", "day": timezone.localdate().isoformat(), "items": [item.pk],
            "inspectors": group}
    page = client.post(url, form)
    assert page.status_code == 200 and page.context["recent"]
    body = page.content.decode()
    assert world.fire.name in body and 'id="recent"' in body
    assert f'value="{fire["shared"].uscc}"' in body  # the hidden confirmation
    # Confirmed for another target, it does not hold for this one.
    page = client.post(url, form | {"confirm_recent": fire["targets"][1].uscc})
    assert page.status_code == 200 and page.context["recent"]
    done = client.post(url, form | {"confirm_recent": fire["shared"].uscc})
    task = InspectionTask.objects.get(kind="key")
    assert done.status_code == 302 and done["Location"] == reverse("inspections:task",
                                                                   args=[task.pk])


def test_the_office_chooses_a_group_the_draw_would_allow(world, fire):
    office = world.users["office"]
    item = make_item(world.office, "RF-G1")
    a, b = (make_inspector(world.engineering, f"RFB-G{i}", valid_to=FAR) for i in (1, 2))
    expert = make_inspector(world.engineering, "RFB-GX", role="expert")
    target = fire["targets"][3]
    data = {"actor": office, "target": target, "kind": "key", "basis": "重点监管",
            "day": timezone.localdate(), "item_ids": [item.pk]}
    with pytest.raises(ValidationError, match="2 officers"):
        draws.nonrandom_create(**data, inspector_ids=[a.pk, expert.pk])
    with pytest.raises(ValidationError, match="not an inspector of this organisation"):
        draws.nonrandom_create(**data, inspector_ids=[a.pk, fire["inspectors"][0].pk])
    conflict_record(actor=office, data={"inspector": b, "target": target,
                                        "relation": "kinship", "declared_by": "office",
                                        "reason": "配偶在该企业任职"})
    with pytest.raises(ValidationError, match="Conflict of interest"):
        draws.nonrandom_create(**data, inspector_ids=[a.pk, b.pk])
    with pytest.raises(ValidationError, match="reference"):
        draws.nonrandom_create(**data | {"kind": "assigned"}, inspector_ids=[a.pk, b.pk])
    with pytest.raises(PermissionDenied):  # another organisation's target
        draws.nonrandom_create(**data | {"target": fire["own"]}, inspector_ids=[a.pk, b.pk])
    assert not DrawnTarget.objects.exists()


def test_the_look_back_counts_a_non_random_inspection_of_the_same_items(world, fire):
    office = world.users["office"]
    item = make_item(world.office, "RF-L1")
    group = [make_inspector(world.engineering, f"RFB-L{i}", valid_to=FAR) for i in (1, 2)]
    target = fire["targets"][2]
    draws.nonrandom_create(actor=office, target=target, kind="key", basis="重点监管",
                           day=timezone.localdate(), item_ids=[item.pk],
                           inspector_ids=[g.pk for g in group])
    today = timezone.localdate()
    task = plans.task_create(actor=office, data={
        "code": "RFB-LB-01", "name": "同事项抽查", "initiating": world.office,
        "period_start": today, "period_end": today + timedelta(days=30), "ratio": "50"})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[item.pk], role="initiating")
    assert target.pk not in set(candidate_targets(task, today).values_list("pk", flat=True))


def test_a_complaint_check_names_a_complaint_of_the_organisation_about_the_entity(world, fire,
                                                                                client):
    office = world.users["office"]
    item = make_item(world.office, "RF-T1")
    group = [make_inspector(world.engineering, f"RFB-T{i}", valid_to=FAR).pk for i in (1, 2)]
    about_other = complaint_submit(target_id=fire["targets"][4].pk, summary="噪声扰民",
                                   complainant={"anonymous": True})
    about_fire = complaint_submit(target_id=fire["own"].pk, summary="消防通道堵塞",
                                  complainant={"anonymous": True})
    data = {"actor": office, "target": fire["targets"][5], "kind": "complaint",
            "basis": "核查投诉", "day": timezone.localdate(), "item_ids": [item.pk],
            "inspector_ids": group}
    with pytest.raises(ValidationError, match="No complaint of your organisation"):
        draws.nonrandom_create(**data, reference="#999999")
    with pytest.raises(ValidationError, match="No complaint of your organisation"):
        draws.nonrandom_create(**data, reference=f"#{about_fire.pk}")  # the fire rescue's
    with pytest.raises(ValidationError, match="another entity"):
        draws.nonrandom_create(**data, reference=f"#{about_other.pk}")
    task = draws.nonrandom_create(**data | {"target": fire["targets"][4]},
                                  reference=about_other.tracking_code)
    assert task.kind == "complaint" and task.basis_reference == about_other.tracking_code
    # The complaint's page offers the office the check, filled in.
    client.force_login(office)
    page = client.get(reverse("credit:complaint", args=[about_other.pk])).content.decode()
    link = reverse("draws:nonrandom_new") + f"?target={fire['targets'][4].pk}&amp;kind=complaint"
    assert link in page
    form = client.get(reverse("draws:nonrandom_new"), {
        "target": fire["targets"][4].pk, "kind": "complaint",
        "reference": f"#{about_other.pk}"}).context["form"]
    assert form.initial["kind"] == "complaint" and form.initial["reference"] == f"#{about_other.pk}"


def test_a_conflict_on_another_directorys_row_of_the_entity_counts(world, fire):
    """The fire rescue's office chooses its group for its own row of an entity the office's
    directory holds too; a 回避 recorded on the office's row stops that inspector."""
    a = fire["inspectors"][0]
    conflict_record(actor=world.users["office"], data={
        "inspector": a, "target": fire["shared"], "relation": "kinship",
        "declared_by": "office", "reason": "近亲属在该企业任职"})
    with pytest.raises(ValidationError, match="Conflict of interest"):
        fire_inspects(fire)
    assert not DrawnTarget.objects.exists()
