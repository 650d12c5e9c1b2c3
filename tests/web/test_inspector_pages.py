"""执法检查人员名录库 pages: list with eligibility, detail, create, edit, status, certificates."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.inspectors.models import Certificate, Inspector
from shuangsuiji.inspectors.services import certificate_add, inspector_create, inspector_update

from .conftest import VALID_ID

pytestmark = pytest.mark.django_db


def audited(action: str, obj: object) -> bool:
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists()


def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.code for i in response.context["page"]]


def new_inspector(world, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"department": world.engineering.pk, "code": "E100", "name": "赵新", "role": "officer",
            "status": "active", "status_since": "2026-01-01", "id_number": VALID_ID} | changes


def edit_payload(inspector: Inspector, **changes: object) -> dict[str, object]:
    return {"department": inspector.department_id, "code": inspector.code,
            "name": inspector.name, "role": inspector.role, "phone": inspector.phone,
            "user": inspector.user_id or ""} | changes


def test_it_lists_the_organisations_inspectors(login, data):
    response = login("office").get(reverse("inspectors:list"))
    assert codes(response) == ["E001", "E002"]


def test_an_inspector_sees_only_their_own_record(login, data):
    client = login("inspector")
    assert codes(client.get(reverse("inspectors:list"))) == ["E001"]
    assert client.get(reverse("inspectors:detail", args=[data.inspector.pk])).status_code == 200
    assert client.get(reverse("inspectors:detail", args=[data.officer.pk])).status_code == 404


def test_the_eligibility_filter_applies_the_draw_rule(login, data, world):
    office, today = world.users["office"], timezone.localdate()
    expired = inspector_create(actor=office, data={
        "department": world.engineering.pk, "code": "E003", "name": "钱过期", "role": "officer",
        "status_since": date(2020, 1, 1)})
    certificate_add(actor=office, inspector=expired, number="140500009", issuer="山西省人民政府",
                    valid_from=date(2020, 1, 1), valid_to=today - timedelta(days=1))
    inspector_create(actor=office, data={
        "department": world.engineering.pk, "code": "E004", "name": "孙专家", "role": "expert",
        "status_since": date(2020, 1, 1)})
    client = login("office")
    response = client.get(reverse("inspectors:list"), {"eligible_on": today.isoformat()})
    assert codes(response) == ["E001", "E002", "E004"]
    earlier = today - timedelta(days=30)
    response = client.get(reverse("inspectors:list"), {"eligible_on": earlier.isoformat()})
    assert codes(response) == ["E001", "E002", "E003", "E004"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"role": "officer"}, ["E001", "E002"]),
    ({"role": "expert"}, []),
    ({"status": "retired"}, []),
    ({"q": "张检查"}, ["E001"]),
    ({"q": "140500002"}, ["E002"]),
])
def test_it_filters_the_list(login, data, query, expected):
    assert codes(login("office").get(reverse("inspectors:list"), query)) == expected


def test_the_department_filter_offers_only_departments_in_scope(login, data, world):
    response = login("office").get(reverse("inspectors:list"))
    offered = set(response.context["form"].fields["department"].queryset)
    assert world.engineering in offered and world.brigade not in offered


def test_the_list_checks_eligibility_without_a_query_per_row(login, world,
                                                             django_assert_max_num_queries):
    office, today = world.users["office"], timezone.localdate()
    for n in range(40):
        person = inspector_create(actor=office, data={
            "department": world.engineering.pk, "code": f"E{n:03d}", "name": f"人员{n}",
            "role": "officer", "status_since": date(2020, 1, 1)})
        certificate_add(actor=office, inspector=person, number=f"C{n}", issuer="省政府",
                        valid_from=date(2020, 1, 1), valid_to=today + timedelta(days=n))
    client = login("office")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("inspectors:list"), {"eligible_on": today.isoformat()})
    assert len(response.context["page"]) == 40
    with django_assert_max_num_queries(10):
        client.get(reverse("inspectors:list"))


def test_the_detail_shows_certificates_with_an_expired_badge(login, data, world):
    certificate_add(actor=world.users["office"], inspector=data.inspector, number="OLD-1",
                    issuer="山西省人民政府", valid_from=date(2015, 1, 1),
                    valid_to=date(2019, 12, 31))
    response = login("office").get(reverse("inspectors:detail", args=[data.inspector.pk]))
    states = {c.number: c.state for c in response.context["certificates"]}
    assert states == {"OLD-1": "expired", "140500001": "valid"}
    page = response.content.decode()
    assert 'class="badge bad"' in page
    assert "110105********002X" in page and VALID_ID not in page


def test_the_detail_shows_the_item_scope_and_status_history(login, data, world):
    inspector_update(actor=world.users["office"], inspector=data.inspector, data={},
                     scope_item_ids=[data.item.pk])
    response = login("office").get(reverse("inspectors:detail", args=[data.inspector.pk]))
    assert response.context["item_scope"] == [data.item]
    assert [s.status for s in response.context["status_history"]] == ["active"]
    assert data.conflict not in response.context["conflicts"]  # it is the colleague's


def test_the_identity_number_is_never_shown_in_full(login, data):
    for role in ("office", "inspector"):
        client = login(role)
        page = client.get(reverse("inspectors:detail", args=[data.inspector.pk]))
        assert VALID_ID not in page.content.decode()
    form = login("office").get(reverse("inspectors:edit", args=[data.inspector.pk]))
    assert VALID_ID not in form.content.decode()


def test_the_office_adds_an_inspector(login, data, world):
    payload = new_inspector(world, item_scope=[data.item.pk])
    response = login("office").post(reverse("inspectors:create"), payload)
    assert response.status_code == 302
    person = Inspector.objects.get(code="E100")
    assert person.id_number_masked == "110105********002X"
    assert person.id_number_encrypted and VALID_ID not in person.id_number_encrypted
    assert list(person.item_scope.all()) == [data.item]
    assert person.status_changes.get().status == "active"
    assert audited("inspector.create", person)


def test_a_bad_identity_number_is_refused(login, data, world):
    payload = new_inspector(world, id_number="110105194912310021")
    response = login("office").post(reverse("inspectors:create"), payload)
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors
    assert not Inspector.objects.filter(code="E100").exists()


def test_an_edit_keeps_the_identity_number_when_left_blank(login, data):
    payload = edit_payload(data.inspector, name="张检查员", id_number="")
    response = login("office").post(reverse("inspectors:edit", args=[data.inspector.pk]),
                                    payload)
    assert response.status_code == 302
    data.inspector.refresh_from_db()
    assert data.inspector.name == "张检查员"
    assert data.inspector.id_number_masked == "110105********002X"
    assert audited("inspector.update", data.inspector)


def test_changing_status_records_it_with_its_date(login, data):
    response = login("office").post(reverse("inspectors:status", args=[data.officer.pk]),
                                    {"status": "transferred", "effective_on": "2026-03-01",
                                     "note": "调往市应急局"})
    assert response.status_code == 302
    data.officer.refresh_from_db()
    assert (data.officer.status, data.officer.status_since) == ("transferred", date(2026, 3, 1))
    assert data.officer.status_changes.filter(note="调往市应急局").exists()
    assert audited("inspector.status", data.officer)
    assert not data.officer.is_eligible_on(date(2026, 3, 1))


def test_a_certificate_is_added(login, data):
    response = login("office").post(
        reverse("inspectors:certificate_add", args=[data.officer.pk]),
        {"number": "140500777", "issuer": "山西省人民政府", "valid_from": "2026-01-01",
         "valid_to": "2031-12-31"})
    assert response.status_code == 302
    assert data.officer.certificates.filter(number="140500777").exists()
    assert audited("inspector.certificate", data.officer)


def test_certificate_dates_in_the_wrong_order_are_refused(login, data):
    response = login("office").post(
        reverse("inspectors:certificate_add", args=[data.officer.pk]),
        {"number": "140500777", "issuer": "山西省人民政府", "valid_from": "2026-01-01",
         "valid_to": "2025-12-31"})
    assert response.status_code == 200
    assert "valid_to" in response.context["form"].errors
    assert not Certificate.objects.filter(number="140500777").exists()


def test_a_duplicate_certificate_is_named_next_to_its_number(login, data):
    response = login("office").post(
        reverse("inspectors:certificate_add", args=[data.officer.pk]),
        {"number": "140500001", "issuer": "山西省人民政府"})
    assert "number" in response.context["form"].errors


def _urls(data):  # type: ignore[no-untyped-def]
    pk = data.officer.pk
    return {"list": reverse("inspectors:list"), "create": reverse("inspectors:create"),
            "detail": reverse("inspectors:detail", args=[pk]),
            "edit": reverse("inspectors:edit", args=[pk]),
            "status": reverse("inspectors:status", args=[pk]),
            "certificate_add": reverse("inspectors:certificate_add", args=[pk])}


@pytest.mark.parametrize("name", ["list", "create", "detail", "edit", "status",
                                  "certificate_add"])
def test_anonymous_users_are_sent_to_sign_in(client, data, name):
    response = client.get(_urls(data)[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["detail", "edit", "status", "certificate_add"])
def test_another_organisation_gets_404(login, data, name):
    client = login("other_office")
    assert client.get(_urls(data)[name]).status_code == 404
    if name != "detail":
        response = client.post(_urls(data)[name], {"status": "retired",
                                                   "effective_on": "2026-01-01"})
        assert response.status_code == 404
    data.officer.refresh_from_db()
    assert data.officer.status == "active"


@pytest.mark.parametrize("name", ["create", "edit", "status", "certificate_add"])
def test_a_user_who_may_only_view_gets_403_on_post(login, data, world, name):
    payload = new_inspector(world) | {"effective_on": "2026-01-01", "status": "retired",
                                      "number": "X9", "issuer": "省政府"}
    response = login("leader").post(_urls(data)[name], payload)
    assert response.status_code == 403
    data.officer.refresh_from_db()
    assert data.officer.status == "active" and data.officer.certificates.count() == 1
    assert not Inspector.objects.filter(code="E100").exists()


def test_an_inspector_cannot_edit_their_own_record(login, data):
    client = login("inspector")
    url = reverse("inspectors:edit", args=[data.inspector.pk])
    assert client.get(url).status_code == 403
    assert reverse("inspectors:edit", args=[data.inspector.pk]) not in client.get(
        reverse("inspectors:detail", args=[data.inspector.pk])).content.decode()
