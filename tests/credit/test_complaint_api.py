"""The 12345 hotline pushes complaints with a partner key; staff read them, scoped. Replays
make one complaint; errors name the field; another organisation gets 404."""

import pytest
from rest_framework.test import APIClient

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import complaints as C
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import Complaint

from .test_complaints import NAME, PHONE

URL = "/api/v1/complaints/hotline/"


def _hotline(world, org=None):
    key = credit.partner_token_create(actor=world.users["admin"], name="12345热线",
                                      organisation_id=(org or world.office).pk)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    return client


def _push(client, target, **extra):
    body = {"external_id": "GD20261130001", "uscc": target.uscc, "summary": "人防工程被占用",
            "complainant_name": NAME, "complainant_phone": PHONE} | extra
    return client.post(URL, body, format="json")


def test_a_push_is_received_and_a_replay_returns_the_same_complaint(world, target):
    client = _hotline(world)
    first = _push(client, target)
    assert first.status_code == 201, first.content
    again = _push(client, target, summary="重复推送")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Complaint.objects.count() == 1
    body = first.json()
    assert body["state"] == "received" and body["due_on"] and body["tracking_code"]
    assert NAME not in first.content.decode() and PHONE not in first.content.decode()
    got = client.get(f"{URL}GD20261130001/")
    assert got.status_code == 200 and got.json()["external_id"] == "GD20261130001"


@pytest.mark.parametrize(("field", "change"), [
    ("uscc", {"uscc": "91140500MA0K12345X"}),
    ("external_id", {"external_id": ""}),
    ("summary", {"summary": ""}),
    ("complainant_name", {"complainant_name": ""}),
    ("complainant_phone", {"complainant_phone": "not a phone"}),
    ("received_on", {"received_on": "2999-01-01"}),
])
def test_a_bad_push_is_a_400_naming_the_field(world, target, field, change):
    response = _push(_hotline(world), target, **change)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Complaint.objects.exists()


def test_a_push_for_an_entity_of_another_directory_is_refused(world, fire_target):
    response = _push(_hotline(world), fire_target)
    assert response.status_code == 400 and "uscc" in response.json()


def test_without_a_partner_key_there_is_no_push(world, target):
    anonymous = APIClient()
    assert _push(anonymous, target).status_code in (401, 403)
    staff = APIClient()
    staff.force_authenticate(world.users["office"])
    assert _push(staff, target).status_code == 403
    revoked = credit.partner_token_create(actor=world.users["admin"], name="旧热线",
                                          organisation_id=world.office.pk)
    credit.partner_token_revoke(actor=world.users["admin"], token=revoked[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {revoked[1]}")
    assert _push(client, target).status_code == 401


def test_another_organisations_key_cannot_read_a_ticket(world, target):
    assert _push(_hotline(world), target).status_code == 201
    fire = _hotline(world, world.fire)
    assert fire.get(f"{URL}GD20261130001/").status_code == 404


def test_another_organisations_staff_get_404_for_a_complaint(world, target):
    complaint = C.complaint_submit(target_id=target.pk, summary="占用",
                                   complainant={"name": NAME, "phone": PHONE})
    for who, expected in (("office", 200), ("leader", 200), ("partner", 404),
                          ("other_office", 404), ("section", 404)):
        client = APIClient()
        client.force_authenticate(world.users[who])
        response = client.get(f"/api/v1/complaints/{complaint.pk}/")
        assert response.status_code == expected, who
        if expected == 200:
            assert NAME not in response.content.decode()
            assert PHONE not in response.content.decode()
    C.complaint_assign(actor=world.users["office"], complaint=complaint,
                       section=world.engineering)
    client = APIClient()
    client.force_authenticate(world.users["section"])
    assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200
    assert [c["id"] for c in client.get("/api/v1/complaints/").json()["results"]] \
        == [complaint.pk]


def test_the_push_is_audited_without_personal_data(world, target):
    _push(_hotline(world), target)
    event = AuditEvent.objects.get(action="credit.complaint_receive")
    assert event.data["external_id"] == "GD20261130001"
    assert NAME not in str(event.data) + event.summary
    assert PHONE not in str(event.data) + event.summary
