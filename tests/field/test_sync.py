"""The field app's API: the day pack, the sync of offline operations, files by SHA-256, and
the attacks (a removed member, a replay, a stale edit, a tampered file, another organisation,
a revoked key)."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import Assignment
from shuangsuiji.field import services
from shuangsuiji.field.models import FieldOperation, FieldSession
from shuangsuiji.inspections import services as inspections
from shuangsuiji.inspections.models import Evidence, Inspection, Signature
from tests.conftest import make_user
from tests.draws.conftest import make_inspector
from tests.inspections.test_results import jpeg, png
from tests.rules.test_recordings import webm

from .conftest import AGREED, Phone, op, save_payload

pytestmark = pytest.mark.django_db


def entries(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_the_day_pack_holds_the_visit_with_every_departments_checklist(agreed, world):
    pack = Phone(world.users["inspector"]).day()
    assert pack.status_code == 200
    data = pack.json()
    assert [v["id"] for v in data["visits"]] == [agreed.visit.pk]
    visit = data["visits"][0]
    assert visit["target"]["uscc"] == agreed.visit.drawn_target.ident
    results = {r["id"]: r for r in visit["results"]}
    assert set(results) == {agreed.office_result.pk, agreed.fire_result.pk}
    office, fire = results[agreed.office_result.pk], results[agreed.fire_result.pk]
    # 1+X: both checklists with their legal basis; the inspector enters the office's only.
    assert [f["code"] for f in office["findings"]] == ["RF-01", "RF-02"]
    assert all(f["basis"] for f in office["findings"] + fire["findings"])
    assert office["editable"] and not fire["editable"]
    assert office["version"] == 0
    assert len(office["group"]) == 2
    assert "refused" in {c["value"] for c in data["vocabulary"]["conduct"]}
    assert "unreachable" in {c["value"] for c in data["vocabulary"]["categories"]}
    # In the user's language.
    assert any("未发现问题" in c["label"] for c in data["vocabulary"]["categories"])


def test_another_organisations_inspector_gets_none_of_the_visits(agreed, world):
    other_org = Department.objects.create(code="ZZ", name="另一城市人防办",
                                          kind=DepartmentKind.OFFICE)
    stranger = make_user("stranger", Role.INSPECTOR, other_org)
    record = make_inspector(other_org, "ZZ-E1")
    record.user = stranger
    record.save(update_fields=["user"])
    phone = Phone(stranger)
    assert phone.day().json()["visits"] == []
    # Nor can it write to the visit's results by their ids.
    before = Inspection.objects.get(pk=agreed.office_result.pk).version
    answer = phone.sync(op("result.save", agreed.office_result.pk,
                           save_payload(agreed.office_result), 0)).json()["results"][0]
    assert answer["status"] == "refused"
    assert Inspection.objects.get(pk=agreed.office_result.pk).version == before


def test_a_pack_is_given_only_to_those_signed_in_or_holding_a_key(agreed):
    assert Client().get(f"/api/v1/field/day/?date={AGREED}").status_code in {401, 403}
    wrong = Client(HTTP_AUTHORIZATION="Field not-a-key")
    assert wrong.get(f"/api/v1/field/day/?date={AGREED}").status_code == 401


def test_a_save_is_applied_and_audited_once_however_often_it_is_replayed(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    save = op("result.save", result.pk, save_payload(result), base_version=0)
    first = phone.sync(save).json()["results"]
    assert first[0]["status"] == "applied" and first[0]["version"] == 1
    audited = entries("result.save")
    for _ in range(3):  # the phone lost the answer and sends the same batch again
        again = phone.sync(save).json()["results"]
        assert again == first
    assert entries("result.save") == audited == 1
    assert FieldOperation.objects.filter(client_id=save["client_id"]).count() == 1
    assert Inspection.objects.get(pk=result.pk).version == 1


def test_a_batch_is_applied_in_order(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    first = op("result.save", result.pk, save_payload(result, summary="一"), 0)
    second = op("result.save", result.pk, save_payload(result, summary="二"), 1)
    answers = phone.sync(first, second).json()["results"]
    assert [a["status"] for a in answers] == ["applied", "applied"]
    assert Inspection.objects.get(pk=result.pk).summary == "二"


def test_a_stale_edit_is_a_conflict_with_the_stored_values_and_overwrites_nothing(agreed,
                                                                                   world):
    result = agreed.office_result
    colleague = make_user("colleague", Role.INSPECTOR, world.engineering)
    second = Assignment.objects.get(drawn_target=agreed.visit.drawn_target,
                                    department=world.office, inspector__user__isnull=True)
    second.inspector.user = colleague
    second.inspector.save(update_fields=["user"])
    mine, theirs = Phone(world.users["inspector"]), Phone(colleague)
    # Both downloaded version 0; the colleague syncs first.
    assert theirs.sync(op("result.save", result.pk, save_payload(result, summary="同事的记录"),
                          0)).json()["results"][0]["status"] == "applied"
    answer = mine.sync(op("result.save", result.pk,
                          save_payload(result, outcome="non_compliant",
                                       categories=["pending"], summary="我的记录"),
                          0)).json()["results"][0]
    assert answer["status"] == "conflict"
    assert answer["server"]["summary"] == "同事的记录" and answer["version"] == 1
    assert "colleague" in answer["detail"]  # who saved it
    stored = Inspection.objects.get(pk=result.pk)
    assert stored.summary == "同事的记录" and stored.version == 1
    assert entries("result.save") == 1
    # Keeping mine is a new operation on the version now stored.
    kept = mine.sync(op("result.save", result.pk, save_payload(
        result, outcome="non_compliant", categories=["pending"], summary="我的记录"), 1)
    ).json()["results"][0]
    assert kept["status"] == "applied"
    assert Inspection.objects.get(pk=result.pk).summary == "我的记录"


def test_a_member_removed_from_the_group_has_every_operation_refused_with_the_reason(agreed,
                                                                                      world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    blob = png()
    digest = hashlib.sha256(blob).hexdigest()
    assert phone.upload(digest, blob).status_code == 200
    Assignment.objects.filter(drawn_target=agreed.visit.drawn_target,
                              inspector__user=world.users["inspector"]
                              ).update(released_at=timezone.now())
    refused_before = entries("field.refused")
    answers = phone.sync(
        op("result.save", result.pk, save_payload(result), 0),
        op("result.signature", result.pk, {"sha256": digest, "role": "representative",
                                           "name": "王五"}),
        op("result.submit", result.pk, {}),
    ).json()["results"]
    assert [a["status"] for a in answers] == ["refused"] * 3
    assert all("不在" in a["detail"] for a in answers), answers[0]["detail"]
    stored = Inspection.objects.get(pk=result.pk)
    assert stored.version == 0 and not stored.signatures.exists()
    assert entries("result.save") == entries("result.signature") == 0
    assert entries("field.refused") == refused_before + 3


def test_a_revoked_key_is_refused_with_the_reason_and_nothing_is_applied(agreed, world):
    phone = Phone(world.users["inspector"])
    session = FieldSession.objects.get(pk=phone.session_id)
    services.field_session_revoke(actor=world.users["office"], session=session,
                                  reason="手机遗失")
    answer = phone.sync(op("result.save", agreed.office_result.pk,
                           save_payload(agreed.office_result), 0))
    assert answer.status_code == 401
    assert "手机遗失" in answer.json()["detail"] and "撤销" in answer.json()["detail"]
    assert entries("result.save") == 0
    assert phone.day().status_code == 401
    assert entries("field.session_revoke") == 1


def test_an_expired_key_is_refused(agreed, world):
    phone = Phone(world.users["inspector"])
    FieldSession.objects.filter(pk=phone.session_id).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    answer = phone.sync()
    assert answer.status_code == 401 and "过期" in answer.json()["detail"]


def test_another_organisation_cannot_revoke_a_key(agreed, world):
    phone = Phone(world.users["inspector"])
    other = Client()
    other.force_login(world.users["partner"])  # the fire rescue's staff
    answer = other.post(f"/api/v1/field/sessions/{phone.session_id}/revoke/",
                        {"reason": "x"}, content_type="application/json")
    assert answer.status_code == 404
    assert FieldSession.objects.get(pk=phone.session_id).revoked_at is None


def test_the_sync_needs_the_phones_key_not_a_cookie(agreed, world):
    web = Client()
    web.force_login(world.users["inspector"])
    answer = web.post("/api/v1/field/sync/", {"ops": []}, content_type="application/json")
    assert answer.status_code == 403


def test_a_file_that_does_not_match_its_sha256_is_refused(agreed, world):
    phone = Phone(world.users["inspector"])
    photo = jpeg()
    digest = hashlib.sha256(photo).hexdigest()
    tampered = photo[:-3] + b"\x00\x00\x00"
    answer = phone.upload(digest, tampered)
    assert answer.status_code == 400
    assert "SHA-256" in str(answer.json())
    assert phone.client.post("/api/v1/field/uploads/have/", {"sha256": [digest]},
                             content_type="application/json").json()["have"] == []


def test_a_photo_arrives_once_with_its_hash_device_time_and_position(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    photo = jpeg()
    digest = hashlib.sha256(photo).hexdigest()
    evidence = op("result.evidence", result.pk, {
        "sha256": digest, "name": "photo-20261021.jpg", "kind": "photo",
        "captured_at": "2026-10-21T10:15:00+08:00", "latitude": 35.490412,
        "longitude": 112.851734, "accuracy_m": 12})
    # The operation before its file: not applied, not recorded, tried again later.
    assert phone.sync(evidence).json()["results"][0]["status"] == "missing_file"
    assert not FieldOperation.objects.filter(client_id=evidence["client_id"]).exists()
    have = phone.client.post("/api/v1/field/uploads/have/", {"sha256": [digest]},
                             content_type="application/json").json()["have"]
    assert have == []
    assert phone.upload(digest, photo).status_code == 200
    assert phone.upload(digest, photo).status_code == 200  # a resumed upload sends it again
    answer = phone.sync(evidence).json()["results"][0]
    assert answer["status"] == "applied" and answer["sha256"] == digest
    stored = Evidence.objects.get(inspection=result)
    assert stored.sha256 == digest
    assert stored.latitude == Decimal("35.490412") and stored.accuracy_m == 12
    assert timezone.localtime(stored.captured_at).hour == 10
    # The reviewer sees when and where it was taken, beside its hash.
    page = phone.web.get(f"/inspections/results/{result.pk}/").content.decode()
    assert "手机拍摄于 2026-10-21 10:15" in page and "35.490412, 112.851734" in page
    assert digest[:12] in page
    assert phone.sync(evidence).json()["results"][0] == answer
    assert Evidence.objects.filter(inspection=result).count() == 1
    assert entries("result.evidence") == 1


def test_signatures_then_submission_from_the_phone(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    members = list(Assignment.objects.filter(drawn_target=agreed.visit.drawn_target,
                                             department=world.office))
    ops = [op("result.save", result.pk, save_payload(result), 0)]
    for index, signer in enumerate([*members, None]):
        blob = png() + bytes(index)  # trailing bytes: a distinct file each
        digest = hashlib.sha256(blob).hexdigest()
        assert phone.upload(digest, blob).status_code == 200
        ops.append(op("result.signature", result.pk, {
            "sha256": digest, "role": "inspector" if signer else "representative",
            "name": "" if signer else "王五",
            "inspector": signer.inspector_id if signer else None}))
    ops.append(op("result.submit", result.pk, {}))
    answers = phone.sync(*ops).json()["results"]
    assert [a["status"] for a in answers] == ["applied"] * len(ops), answers
    assert Signature.objects.filter(inspection=result).count() == 3
    assert Inspection.objects.get(pk=result.pk).state == "submitted"


def test_an_invalid_payload_is_refused_with_the_fields_reason(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    answer = phone.sync(op("result.save", result.pk, save_payload(
        result, outcome="non_compliant", categories=["no_problem"]), 0)).json()["results"][0]
    assert answer["status"] == "refused" and answer["detail"]
    assert Inspection.objects.get(pk=result.pk).version == 0


def test_the_office_revokes_a_phone_on_its_page_and_the_phone_is_told(agreed, world):
    phone = Phone(world.users["inspector"])
    office = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    office.force_login(world.users["office"])
    page = office.get("/field/phones/")
    assert page.status_code == 200 and f'data-session="{phone.session_id}"' in page.text
    answer = office.post(f"/field/phones/{phone.session_id}/revoke/", {"reason": "手机遗失"})
    assert answer.status_code == 302
    refused = phone.sync()
    assert refused.status_code == 401 and "手机遗失" in refused.json()["detail"]
    # The fire rescue's staff neither see nor revoke the office's inspectors' phones.
    partner = Client()
    partner.force_login(world.users["partner"])
    assert f'data-session="{phone.session_id}"' not in partner.get("/field/phones/").text
    assert partner.post(f"/field/phones/{phone.session_id}/revoke/",
                        {"reason": "x"}).status_code == 404


def test_only_inspectors_and_experts_get_a_key(world):
    web = Client()
    web.force_login(world.users["office"])
    assert web.post("/api/v1/field/sessions/", {}, content_type="application/json"
                    ).status_code == 403
    assert not FieldSession.objects.exists()


def test_a_short_recording_is_evidence_like_a_photo(agreed, world):
    phone = Phone(world.users["inspector"])
    result = agreed.office_result
    clip = webm()
    digest = hashlib.sha256(clip).hexdigest()
    assert phone.upload(digest, clip).status_code == 200
    answer = phone.sync(op("result.evidence", result.pk, {
        "sha256": digest, "name": "recording-20261021.webm", "kind": "recording",
        "captured_at": "2026-10-21T10:20:00+08:00"})).json()["results"][0]
    assert answer["status"] == "applied", answer
    stored = Evidence.objects.get(inspection=result)
    assert (stored.kind, stored.content_type, stored.sha256) == ("recording", "video/webm",
                                                                 digest)
    # A recording cut short on the way is refused by its content, not only by its hash.
    cut = webm()[:12]
    digest = hashlib.sha256(cut).hexdigest()
    assert phone.upload(digest, cut).status_code == 200
    answer = phone.sync(op("result.evidence", result.pk, {
        "sha256": digest, "name": "recording-2.webm", "kind": "recording"})).json()["results"][0]
    assert answer["status"] == "refused"


def test_a_submission_behind_a_conflicting_save_is_not_applied(agreed, world):
    """Otherwise the phone would submit the other member's values, which its user never saw."""
    result = agreed.office_result
    Phone(world.users["inspector"]).sync(op("result.save", result.pk, save_payload(
        result, summary="先保存的"), 0))
    colleague = make_user("colleague", Role.INSPECTOR, world.engineering)
    second = Assignment.objects.get(drawn_target=agreed.visit.drawn_target,
                                    department=world.office, inspector__user__isnull=True)
    second.inspector.user = colleague
    second.inspector.save(update_fields=["user"])
    # Signed by both inspectors and the representative: ready to submit as stored.
    for member in Assignment.objects.filter(drawn_target=agreed.visit.drawn_target,
                                            department=world.office):
        inspections.signature_add(actor=colleague, inspection=result, role="inspector",
                                  name="", png=png(), inspector_id=member.inspector_id)
    inspections.signature_add(actor=colleague, inspection=result, role="representative",
                              name="王五", png=png())
    assert inspections.missing_for_submission(Inspection.objects.get(pk=result.pk)) == []
    answers = Phone(colleague).sync(
        op("result.save", result.pk, save_payload(result, summary="离线的"), 0),
        op("result.submit", result.pk, {})).json()["results"]
    assert [a["status"] for a in answers] == ["conflict", "refused"]
    assert Inspection.objects.get(pk=result.pk).state == "entered"


def test_a_key_cannot_fill_the_servers_disk(agreed, world, settings):
    settings.SHUANGSUIJI_FIELD_UPLOAD_DAILY_BYTES = 3000
    phone = Phone(world.users["inspector"])
    sent = [bytes([i]) * 1000 for i in range(4)]
    answers = [phone.upload(hashlib.sha256(blob).hexdigest(), blob) for blob in sent]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert "24" in str(answers[3].json())
