"""回避 registry pages: list, record (by the office or the inspector themselves), revoke."""

import pytest
from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.services import target_create
from shuangsuiji.inspectors.models import Conflict
from shuangsuiji.inspectors.services import conflict_record

from .conftest import code

pytestmark = pytest.mark.django_db


def record(data, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"inspector": data.officer.pk, "target": data.target.uscc, "relation": "interest",
            "declared_by": "office", "reason": "曾在该公司任职"} | changes


def test_the_list_is_scoped(login, data):
    assert list(login("office").get(reverse("inspectors:conflicts")).context["page"]) == [
        data.conflict]
    assert list(login("other_office").get(reverse("inspectors:conflicts")).context["page"]) == []
    # The inspector sees only their own conflicts; this one is their colleague's.
    assert list(login("inspector").get(reverse("inspectors:conflicts")).context["page"]) == []


def test_the_list_is_paged_without_a_query_per_row(login, data, world,
                                                   django_assert_max_num_queries):
    for n in range(30):
        target = target_create(actor=world.users["office"], department_id=world.office.pk,
                               data={"uscc": code(200 + n), "name": f"企业{n}"})
        conflict_record(actor=world.users["office"], data={
            "inspector": data.officer, "target": target, "relation": "other",
            "declared_by": "office", "reason": "r"})
    client = login("office")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("inspectors:conflicts"))
    assert len(response.context["page"]) == 31


def test_the_office_records_a_conflict(login, data):
    response = login("office").post(reverse("inspectors:conflict_create"), record(data))
    assert response.status_code == 302
    conflict = Conflict.objects.get(relation="interest")
    assert (conflict.inspector, conflict.target) == (data.officer, data.target)
    assert AuditEvent.objects.filter(action="conflict.record",
                                     object_id=str(conflict.pk)).exists()


def test_an_inspector_declares_only_their_own_conflicts(login, data, world):
    client = login("inspector")
    form = client.get(reverse("inspectors:conflict_create")).context["form"]
    assert list(form.fields["inspector"].queryset) == [data.inspector]
    assert "declared_by" not in form.fields
    response = client.post(reverse("inspectors:conflict_create"),
                           record(data, inspector=data.officer.pk))
    assert "inspector" in response.context["form"].errors
    response = client.post(reverse("inspectors:conflict_create"),
                           record(data, inspector=data.inspector.pk))
    assert response.status_code == 302
    conflict = Conflict.objects.get(inspector=data.inspector)
    assert conflict.declared_by == "inspector"
    assert conflict.recorded_by == world.users["inspector"]


def test_a_target_must_be_in_the_organisations_directory(login, data):
    client = login("office")
    for reference in ("91140500MA0K9999XX", data.fire_target.uscc):
        response = client.post(reverse("inspectors:conflict_create"),
                               record(data, target=reference))
        assert "target" in response.context["form"].errors
    assert Conflict.objects.count() == 1


def test_a_target_without_a_code_is_named_by_its_draw_id(login, data, world):
    target = target_create(actor=world.users["office"], department_id=world.office.pk,
                           data={"uscc": "", "no_code_reason": "个体户", "name": "五金店"})
    response = login("office").post(reverse("inspectors:conflict_create"),
                                    record(data, target=target.draw_id))
    assert response.status_code == 302
    assert Conflict.objects.filter(target=target).exists()


def test_validity_in_the_wrong_order_is_refused(login, data):
    response = login("office").post(reverse("inspectors:conflict_create"), record(
        data, valid_from="2026-06-01", valid_to="2026-01-01"))
    assert "valid_to" in response.context["form"].errors
    assert Conflict.objects.count() == 1


def test_the_form_is_prefilled_from_the_target_page(login, data):
    url = reverse("inspectors:conflict_create") + f"?target={data.target.draw_id}"
    form = login("office").get(url).context["form"]
    assert form["target"].value() == data.target.uscc


def test_the_office_revokes_with_a_reason(login, data):
    client = login("office")
    url = reverse("inspectors:conflict_revoke", args=[data.conflict.pk])
    assert "reason" in client.post(url, {"reason": ""}).context["form"].errors
    assert client.post(url, {"reason": "已离职"}).status_code == 302
    data.conflict.refresh_from_db()
    assert data.conflict.revoked_at is not None and data.conflict.revoke_reason == "已离职"
    assert AuditEvent.objects.filter(action="conflict.revoke").count() == 1
    client.post(url, {"reason": "again"})
    data.conflict.refresh_from_db()
    assert data.conflict.revoke_reason == "已离职"
    assert AuditEvent.objects.filter(action="conflict.revoke").count() == 1


def test_an_inspector_revokes_only_what_they_declared(login, data, world):
    own = conflict_record(actor=world.users["inspector"], data={
        "inspector": data.inspector, "target": data.target, "relation": "other",
        "declared_by": "inspector", "reason": "朋友"})
    by_office = conflict_record(actor=world.users["office"], data={
        "inspector": data.inspector, "target": data.target, "relation": "kinship",
        "declared_by": "office", "reason": "亲属"})
    client = login("inspector")
    page = client.get(reverse("inspectors:conflicts")).context["page"]
    assert {c.pk: c.may_revoke for c in page} == {own.pk: True, by_office.pk: False}
    assert client.post(reverse("inspectors:conflict_revoke", args=[by_office.pk]),
                       {"reason": "x"}).status_code == 403
    assert client.post(reverse("inspectors:conflict_revoke", args=[own.pk]),
                       {"reason": "已澄清"}).status_code == 302
    by_office.refresh_from_db()
    own.refresh_from_db()
    assert by_office.revoked_at is None and own.revoked_at is not None


def test_anonymous_users_are_sent_to_sign_in(client, data):
    for url in (reverse("inspectors:conflicts"), reverse("inspectors:conflict_create"),
                reverse("inspectors:conflict_revoke", args=[data.conflict.pk])):
        response = client.post(url, {"reason": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_another_organisation_gets_404(login, data):
    client = login("other_office")
    url = reverse("inspectors:conflict_revoke", args=[data.conflict.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    data.conflict.refresh_from_db()
    assert data.conflict.revoked_at is None


def test_a_user_who_may_only_view_gets_403_on_post(login, data):
    client = login("leader")
    assert client.get(reverse("inspectors:conflicts")).status_code == 200
    assert client.post(reverse("inspectors:conflict_create"), record(data)).status_code == 403
    assert client.post(reverse("inspectors:conflict_revoke", args=[data.conflict.pk]),
                       {"reason": "x"}).status_code == 403
    data.conflict.refresh_from_db()
    assert Conflict.objects.count() == 1 and data.conflict.revoked_at is None
