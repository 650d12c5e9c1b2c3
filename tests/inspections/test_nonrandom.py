"""A non-random inspection (重点检查) goes through the drawn one's result, review and publication,
marked by its kind; other organisations, the entity and the public see only what they may."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.draws import services as draws
from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.oversight import selectors as oversight
from shuangsuiji.publication import exports
from shuangsuiji.publication import services as publication
from tests.entityportal.conftest import sign_in
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.publication.conftest import approve

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def key_inspection(world, drawn_task):  # noqa: F811
    """The office's 重点检查 of a target the draw did not pick, by the two officers of the
    drawn task's office groups (the `inspector` user is one)."""
    drawn = set(DrawnTarget.objects.values_list("target_id", flat=True))
    target = Target.objects.filter(department=world.office).exclude(pk__in=drawn).first()
    participant = drawn_task.task.participants.get(department=world.office)
    group = list(drawn_task.task.assignments.filter(department=world.office)
                 .values_list("inspector_id", flat=True).distinct())
    return draws.nonrandom_create(
        actor=world.users["office"], target=target, kind="key", basis="上年度检查发现重大隐患",
        day=timezone.localdate(), item_ids=list(participant.items.values_list("pk", flat=True)),
        inspector_ids=group)


def test_the_result_is_entered_reviewed_and_published_marked_by_its_kind(world, key_inspection,
                                                                        client):
    result = Inspection.objects.get(visit__task=key_inspection)
    assert result.department_id == world.office.pk and result.findings.count() == 2
    approve(world, result, inspected_on=timezone.localdate())
    result.refresh_from_db()
    assert result.state == "approved"
    client.force_login(world.users["office"])
    page = client.get(reverse("inspections:result", args=[result.pk]), **ZH).content.decode()
    assert "重点检查" in page and "上年度检查发现重大隐患" in page
    published = publication.result_publish(actor=world.users["office"], inspection=result)
    assert published.inspection_type == "重点检查"
    assert published.task_code == key_inspection.code
    csv = exports.write([published], fmt="csv").decode("utf-8-sig")
    assert "检查类型" in csv.splitlines()[0] and ",重点检查," in csv.splitlines()[1]
    public = Client().get(reverse("portal:result", args=[published.pk]), **ZH).content.decode()
    assert "重点检查" in public
    assert reverse("portal:task", args=[key_inspection.code]) not in public


def test_a_drawn_result_is_published_as_a_random_inspection(world, drawn_task):  # noqa: F811
    approve(world, drawn_task.office_result)
    published = publication.result_publish(actor=world.users["office"],
                                           inspection=drawn_task.office_result)
    assert published.inspection_type == "双随机抽查"


@pytest.mark.parametrize("role", ["partner", "other_office", "other_inspector"])
def test_another_organisation_sees_nothing_of_it(world, key_inspection, client, role):
    result = Inspection.objects.get(visit__task=key_inspection)
    client.force_login(world.users[role])
    for url in (reverse("plans:task_detail", args=[key_inspection.pk]),
                reverse("inspections:task", args=[key_inspection.pk]),
                reverse("inspections:visit", args=[result.visit_id]),
                reverse("inspections:result", args=[result.pk])):
        assert client.get(url).status_code in {403, 404}, url
    listing = client.get(reverse("plans:task_list"))
    assert key_inspection.code not in listing.content.decode()


def test_its_own_office_sees_the_task_and_its_kind(world, key_inspection, client):
    client.force_login(world.users["office"])
    page = client.get(reverse("plans:task_detail", args=[key_inspection.pk]), **ZH)
    assert page.status_code == 200
    body = page.content.decode()
    assert "重点检查" in body and "上年度检查发现重大隐患" in body
    assert key_inspection.code in client.get(reverse("plans:task_list")).content.decode()


def test_the_public_and_the_entity_see_it_only_once_allowed(world, key_inspection):
    result = Inspection.objects.get(visit__task=key_inspection)
    target = result.visit.drawn_target.target
    public = Client()
    assert key_inspection.code not in public.get(reverse("portal:tasks")).content.decode()
    assert public.get(reverse("portal:task", args=[key_inspection.code])).status_code == 404
    contact = Contact.objects.create(target=target, name="王五", phone="13700001111")
    entity = sign_in(Client(), target, contact)
    url = reverse("entityportal:result", args=[result.pk])
    assert entity.get(url).status_code == 404  # not approved yet
    approve(world, result, inspected_on=timezone.localdate())
    assert entity.get(url).status_code == 200
    published = publication.result_publish(actor=world.users["office"], inspection=result)
    assert public.get(reverse("portal:result", args=[published.pk])).status_code == 200
    assert key_inspection.code not in public.get(reverse("portal:tasks")).content.decode()


def test_oversight_shows_the_share_of_results_from_draws(world, drawn_task,  # noqa: F811
                                                         key_inspection, client):
    today = timezone.localdate()
    approve(world, drawn_task.office_result, inspected_on=today.replace(month=10, day=20))
    approve(world, Inspection.objects.get(visit__task=key_inspection), inspected_on=today)
    figures = oversight.compute(world.office, today.year, today)
    assert (figures.drawn.part, figures.drawn.whole) == (1, 2)
    assert key_inspection.pk not in figures.ids["tasks|all"]  # the joint share: draws only
    client.force_login(world.users["office"])
    page = client.get(reverse("oversight:dashboard"), {"year": today.year}, **ZH)
    assert 'id="drawn-share"' in page.content.decode()
    assert "50" in page.content.decode().split('id="drawn-share"')[1][:600]


def test_the_chosen_group_finds_it_among_its_tasks(world, key_inspection, client):
    client.force_login(world.users["inspector"])
    for name in ("draws:mine", "inspections:mine"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and key_inspection.code in page.content.decode(), name
    assert client.get(reverse("plans:task_detail", args=[key_inspection.pk])).status_code == 200
    assert client.get(reverse("inspections:task", args=[key_inspection.pk])).status_code == 200
