"""A third-party evaluator reads one organisation's records of a period, nothing else.

The known world's joint task (RFB, period from 2026-10-08) is inside the grant's period
2026-09-01 ~ 2026-12-31; the office's own task (period from 2026-05-01) is outside it, the fire
rescue's task is another organisation's. Every attack answers 404, by page and by the API.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.accounts import services
from shuangsuiji.accounts.choices import Role
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.plans.models import InspectionTask
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def evaluator(world):
    return make_user("evaluator", Role.EVALUATOR, None)


def grant(world, evaluator, **changes):
    data = {"actor": world.users["office"], "user": evaluator, "organisation": world.office,
            "period_from": date(2026, 9, 1), "period_to": date(2026, 12, 31),
            "expires_on": None, "reason": "2026年度第三方评估"} | changes
    return services.evaluator_grant_create(**data)


def pages(task):
    return [reverse("plans:task_detail", args=[task.pk]), reverse("draws:result", args=[task.pk]),
            reverse("draws:print", args=[task.pk]), reverse("draws:record_json", args=[task.pk]),
            f"{API}/tasks/{task.pk}/", f"{API}/tasks/{task.pk}/record/"]


def test_it_reads_the_periods_task_draw_full_record_and_results(client, world, known,
                                                                evaluator):
    grant(world, evaluator)
    client.force_login(evaluator)
    for url in pages(known.task):
        assert client.get(url).status_code == 200, url
    # Every read of the draw as the office sees it, or of the full record, is audited.
    reads = AuditEvent.objects.filter(action="draw.record_download", actor=evaluator)
    assert sorted(e.data["via"] for e in reads) == ["api", "page", "print", "result"]
    page = client.get(reverse("oversight:evaluation"))
    assert [t.pk for t in page.context["tasks"]] == [known.task.pk]
    # The joint task's results: the office's three and the fire rescue's three.
    assert page.context["page"].paginator.count == 6


def test_a_task_outside_the_period_or_of_another_organisation_answers_404(client, world, known,
                                                                           evaluator):
    grant(world, evaluator)
    client.force_login(evaluator)
    for task in (known.own_task, known.fire_task):
        for url in pages(task):
            assert client.get(url).status_code == 404, url
    listed = client.get(f"{API}/tasks/").json()
    assert [row["id"] for row in listed["results"]] == [known.task.pk]
    page = client.get(reverse("plans:task_list"))
    assert list(page.context["page"].object_list) == [known.task]


def test_it_reads_no_result_directory_plan_or_oversight_page(client, world, known, evaluator):
    grant(world, evaluator)
    client.force_login(evaluator)
    assert client.get(reverse("inspections:result", args=[known.r1.pk])).status_code in {403,
                                                                                         404}
    assert client.get(f"{API}/results/{known.r1.pk}/").status_code in {403, 404}
    for name in ("entities:list", "oversight:dashboard", "oversight:city", "core:audit",
                 "plans:list", "oversight:grants"):
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize("ended", ["expired", "revoked"])
def test_an_expired_or_revoked_grant_reads_nothing(client, world, known, evaluator, ended):
    today = timezone.localdate()
    given = grant(world, evaluator, expires_on=today - timedelta(days=1) if ended == "expired"
                  else None)
    if ended == "revoked":
        services.evaluator_grant_revoke(actor=world.users["admin"], grant=given)
    client.force_login(evaluator)
    for url in pages(known.task):
        assert client.get(url).status_code in {403, 404}, url
    assert InspectionTask.objects.for_user(evaluator).count() == 0
    page = client.get(reverse("oversight:evaluation"))
    assert page.context["tasks"] == [] and page.context["page"].paginator.count == 0


def test_the_day_the_access_ends_it_still_reads(world, known, evaluator):
    grant(world, evaluator, expires_on=timezone.localdate())
    assert list(InspectionTask.objects.for_user(evaluator)) == [known.task]


def test_only_an_administrator_or_the_organisations_office_opens_a_period(world, evaluator):
    with pytest.raises(PermissionDenied):
        grant(world, evaluator, actor=world.users["partner"])  # another organisation's staff
    with pytest.raises(PermissionDenied):
        grant(world, evaluator, actor=world.users["leader"])  # not the office
    with pytest.raises(PermissionDenied):
        grant(world, evaluator, organisation=world.fire)  # the office, not its own
    with pytest.raises(ValidationError):
        grant(world, evaluator, user=world.users["leader"])  # not an evaluator
    with pytest.raises(ValidationError):
        grant(world, evaluator, period_from=date(2027, 1, 1))
    grant(world, evaluator, actor=world.users["partner"], organisation=world.fire)  # its own
    given = grant(world, evaluator, actor=world.users["admin"], organisation=world.fire)
    event = AuditEvent.objects.filter(action="evaluator_grant.create").latest("seq")
    assert (event.organisation_id, event.data["period_from"]) == (world.fire.pk, "2026-09-01")
    with pytest.raises(PermissionDenied):
        services.evaluator_grant_revoke(actor=world.users["office"], grant=given)


def test_the_grants_page_gives_and_revokes_within_the_office(client, world, known, evaluator):
    client.force_login(world.users["office"])
    url = reverse("oversight:grants")
    data = {"user": evaluator.pk, "organisation": world.office.pk, "period_from": "2026-09-01",
            "period_to": "2026-12-31", "reason": "评估"}
    assert client.post(url, data | {"organisation": world.fire.pk}).status_code == 200
    assert not evaluator.evaluator_grants.exists()  # not a choice for this office
    assert client.post(url, data).status_code == 302
    given = evaluator.evaluator_grants.get()
    client.force_login(world.users["partner"])
    assert client.post(reverse("oversight:grant_revoke", args=[given.pk])).status_code == 404
    assert client.get(url).status_code == 200  # the fire's own grants: none of the office's
    client.force_login(world.users["office"])
    assert client.post(reverse("oversight:grant_revoke", args=[given.pk])).status_code == 302
    given.refresh_from_db()
    assert given.revoked_at is not None
    assert AuditEvent.objects.filter(action="evaluator_grant.revoke").count() == 1
