"""The credit-file API: staff by session with their scope; partner systems by key (hashed),
rate limited, audited, never given risk classes, complaints or personal data."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import PartnerToken

from .conftest import fill, set_class, sign_all


@pytest.fixture
def target(world, drawn_task):
    """An entity with an approved result, a complaint and a blacklist entry."""
    office, inspector = world.users["office"], world.users["inspector"]
    result = fill(drawn_task.office_result, inspector, summary="负责人王经理 13812345678")
    sign_all(result, inspector)
    from shuangsuiji.inspections import services as inspections

    inspections.inspection_submit(actor=inspector, inspection=result)
    inspections.inspection_review(actor=office, inspection=result, approve=True)
    target = result.visit.drawn_target.target
    set_class(target, "C")
    target.contacts.create(name="王经理", phone="13812345678")
    credit.complaint_add(actor=office, target=target, received_on=timezone.localdate(),
                         summary="举报人张三 13900001111 反映")
    credit.blacklist_add(actor=office, target=target, basis="拒不履行处罚决定",
                         listed_on=timezone.localdate() - timedelta(days=1))
    return target


def _key(world, rate=60, org=None):
    actor = world.users["office" if org is None else "admin"]
    return credit.partner_token_create(actor=actor, name="市信用平台",
                                       organisation_id=(org or world.office).pk,
                                       rate_per_minute=rate)


def _partner(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    return client


def test_a_partner_gets_results_penalties_and_blacklist_only(world, target):
    token, key = _key(world)
    assert PartnerToken.objects.get(pk=token.pk).key_hash != key and key not in str(
        PartnerToken.objects.filter(pk=token.pk).values().get())
    response = _partner(key).get(f"/api/v1/credit-files/{target.uscc}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["uscc"] == target.uscc and body["on_blacklist"] is True
    assert len(body["results"]) == 1 and "state" not in body["results"][0]
    assert len(body["blacklist"]) == 1
    for secret in ("risk_class", "risk_history", "complaints"):
        assert secret not in body
    text = response.content.decode()
    for personal in ("13812345678", "13900001111", "王经理", "张三"):
        assert personal not in text
    event = AuditEvent.objects.filter(action="credit.partner_query").get()
    assert event.data["uscc"] == target.uscc and event.data["found"] is True
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_staff_get_the_risk_class_and_complaints(world, target):
    client = APIClient()
    client.force_login(world.users["leader"])
    body = client.get(f"/api/v1/credit-files/{target.uscc.lower()}/").json()
    assert body["risk_class"] == "C" and len(body["complaints"]) == 1
    # The office's own result: the fire rescue's of the same joint visit is in the fire
    # rescue's file of the entity (the shared directory: each organisation's view).
    assert [r["state"] for r in body["results"]] == ["approved"]
    assert not AuditEvent.objects.filter(action="credit.partner_query").exists()
    from shuangsuiji.entities.models import Target

    Target.objects.create(department=world.fire, uscc=target.uscc, name=target.name)
    client.force_login(world.users["partner"])
    theirs = client.get(f"/api/v1/credit-files/{target.uscc}/").json()
    assert [r["state"] for r in theirs["results"]] == ["entered"]
    assert theirs["risk_class"] == "" and theirs["complaints"] == []


def test_no_key_bad_key_and_revoked_key_are_401(world, target):
    url = f"/api/v1/credit-files/{target.uscc}/"
    response = APIClient().get(url)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Partner"
    assert _partner("not-a-key").get(url).status_code == 401
    token, key = _key(world)
    assert _partner(key).get(url).status_code == 200
    credit.partner_token_revoke(actor=world.users["office"], token=token)
    assert _partner(key).get(url).status_code == 401
    assert AuditEvent.objects.filter(action="credit.partner_token_revoke").count() == 1


def test_a_partner_is_rate_limited_per_key(world, target):
    url = f"/api/v1/credit-files/{target.uscc}/"
    _token, key = _key(world, rate=3)
    _other, other_key = _key(world, rate=3)
    statuses = [_partner(key).get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert _partner(other_key).get(url).status_code == 200  # its own budget
    assert AuditEvent.objects.filter(action="credit.partner_query").count() == 4


def test_a_partner_sees_only_its_organisations_entities(world, target):
    _token, key = _key(world, org=world.fire)
    # A key of the fire rescue (issued by an administrator) does not reach the office's files.
    response = _partner(key).get(f"/api/v1/credit-files/{target.uscc}/")
    assert response.status_code == 404
    assert AuditEvent.objects.get(action="credit.partner_query").data["found"] is False


def test_the_office_issues_keys_of_its_own_organisation_only(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        credit.partner_token_create(actor=world.users["office"], name="x",
                                    organisation_id=world.fire.pk)
    with pytest.raises(PermissionDenied):
        credit.partner_token_create(actor=world.users["section"], name="x",
                                    organisation_id=world.office.pk)


def test_a_key_cannot_be_used_on_other_endpoints(world, target):
    _token, key = _key(world)
    assert _partner(key).get("/api/v1/targets/").status_code in {401, 403}
    assert _partner(key).get("/api/v1/me/").status_code in {401, 403}


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("office", 200), ("section", 200), ("leader", 200), ("inspector", 403),
    ("expert", 403), ("partner", 404), ("other_office", 404), ("other_inspector", 403)])
def test_staff_see_their_organisations_files(world, target, role, status):
    client = APIClient()
    client.force_login(world.users[role])
    assert client.get(f"/api/v1/credit-files/{target.uscc}/").status_code == status
