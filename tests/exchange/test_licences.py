"""Licences in from the licensing bureau's system (审管联动): rows land through the licence
import's checks in the key's organisation only, each problem named with its row, field and
reason, the report kept; a replay changes nothing, a change updates; bad keys are refused."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import services as credit
from shuangsuiji.entities.models import Licence, Target
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.rules import uscc

URL = "/api/v1/licences/intake/"
CODE_A = uscc.make_valid("91140500MA0L20001")
CODE_B = uscc.make_valid("91140500MA0L20002")


def _client(world, org=None, revoked=False):
    token, key = credit.partner_token_create(actor=world.users["admin"], name="行政审批局",
                                             organisation_id=(org or world.office).pk)
    if revoked:
        credit.partner_token_revoke(actor=world.users["admin"], token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    return client


def _row(**changes):
    return {"uscc": CODE_A, "name": "晋城市某某商贸有限公司", "lic_number": "JY-2026-0001",
            "lic_item": "食品经营许可", "lic_authority": "晋城市行政审批服务管理局",
            "lic_decided_on": "2026-11-02", "lic_valid_from": "2026-11-02",
            "lic_valid_to": "2031-11-01", "region_code": "140502"} | changes


def _send(client, rows):
    return client.post(URL, {"rows": rows}, format="json")


@pytest.fixture
def bureau(world):
    return _client(world)


def test_good_rows_land_in_the_directory_with_their_licences(world, bureau):
    rows = [_row(), _row(lic_number="JY-2026-0002", lic_item="药品经营许可"),
            _row(uscc=CODE_B, name="晋城市另一家有限公司", lic_number="JY-2026-0003")]
    response = _send(bureau, rows)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["status"] == "done" and report["rejected"] == 0
    assert report["problems"] == [] and report["rows"] == 3
    assert report["imported"] == 3 and report["targets_created"] == 2
    assert report["licences_created"] == 3
    target = Target.objects.get(uscc=CODE_A)
    assert target.department_id == world.office.pk
    assert set(target.licences.values_list("number", flat=True)) == {"JY-2026-0001",
                                                                     "JY-2026-0002"}
    job = ImportJob.objects.get(pk=report["job"])
    assert job.department_id == world.office.pk and job.original_name.startswith("审管联动-")
    assert report["report_url"] == reverse("imports:detail", args=[job.pk])
    assert AuditEvent.objects.filter(action="licence.receive").count() == 1
    assert AuditEvent.objects.filter(action="import.targets").count() == 1


def test_a_replay_changes_nothing_and_a_change_updates_the_licence(world, bureau):
    assert _send(bureau, [_row()]).json()["licences_created"] == 1
    replay = _send(bureau, [_row()]).json()
    assert (replay["imported"], replay["updated"], replay["unchanged"]) == (0, 0, 1)
    assert replay["licences_created"] == 0 and replay["licences_updated"] == 0
    assert Licence.objects.count() == 1
    changed = _send(bureau, [_row(lic_valid_to="2036-11-01")]).json()
    assert changed["licences_updated"] == 1 and changed["licences_created"] == 0
    licence = Licence.objects.get()
    assert licence.valid_to.isoformat() == "2036-11-01"


@pytest.mark.parametrize("change,field,words", [
    ({"uscc": "91140500MA0L2000X1"}, "uscc", ""),
    ({"lic_valid_from": "2026-13-40"}, "lic_valid_from", ""),
    ({"lic_valid_from": "2031-11-02", "lic_valid_to": "2026-11-01"}, "lic_valid_to", ""),
    ({"region_code": "99999"}, "region_code", ""),
    ({"name": "名" * 201}, "name", "201"),
    ({"contact_phone": "12"}, "contact_phone", ""),
    ({"name": ""}, "name", ""),
])
def test_each_row_error_is_named_with_its_row_field_and_reason(world, bureau, change, field,
                                                               words):
    rows = [_row(lic_number="JY-OK-1"), _row(**({"uscc": CODE_B, "lic_number": "JY-BAD"} | change))]
    response = _send(bureau, rows)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["rejected"] == 1
    problems = [p for p in report["problems"] if p["row"] == 2]
    assert problems, report["problems"]
    assert any(p["field"] == field for p in problems), problems
    assert all(p["reason"] for p in problems)
    assert words in " ".join(p["reason"] for p in problems)
    # The good row landed; the report is kept with the import, for the office.
    assert Licence.objects.filter(number="JY-OK-1").exists()
    assert not Licence.objects.filter(number="JY-BAD").exists()
    job = ImportJob.objects.get(pk=report["job"])
    assert job.issues.filter(row=3).exists()  # the file's row 3 is the request's row 2
    client = APIClient()
    client.force_login(world.users["office"])
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize("rows,field,reason", [
    ([_row(risk_class="A")], "risk_class", "Unknown field"),
    ([_row(lic_number="")], "lic_number", "licence number is required"),
    ([_row(lic_valid_to=20311101)], "lic_valid_to", "text"),
    ([_row(), _row()], "lic_number", "Repeats row 1"),
    (["not an object"], "", "JSON object"),
    ([], "rows", "at least one row"),
])
def test_a_request_of_the_wrong_shape_is_refused_whole(world, bureau, rows, field, reason):
    response = bureau.post(URL, {"rows": rows}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert any(p["field"] == field and reason.lower() in p["reason"].lower()
               for p in problems), problems
    assert not ImportJob.objects.exists() and not Licence.objects.exists()


def test_an_unknown_or_revoked_key_and_a_staff_session_are_refused(world):
    anonymous = APIClient()
    assert _send(anonymous, [_row()]).status_code in (401, 403)
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Partner not-a-key")
    assert _send(wrong, [_row()]).status_code == 401
    assert _send(_client(world, revoked=True), [_row()]).status_code == 401
    staff = APIClient()
    staff.force_login(world.users["office"])
    assert _send(staff, [_row()]).status_code in (401, 403)
    assert not Licence.objects.exists()


def test_another_organisations_key_cannot_write_into_this_one(world):
    office_client = _client(world)
    _send(office_client, [_row()])
    fire = _client(world, org=world.fire)
    # It cannot name the office: the organisation is the key's.
    refused = fire.post(URL, {"rows": [_row(lic_valid_to="2040-01-01")],
                              "organisation": world.office.pk}, format="json")
    assert refused.status_code == 400
    response = _send(fire, [_row(lic_valid_to="2040-01-01")])
    assert response.status_code == 200
    office_licence = Licence.objects.get(target__department=world.office)
    assert office_licence.valid_to.isoformat() == "2031-11-01"  # untouched
    assert Target.objects.get(department=world.fire, uscc=CODE_A).licences.get(
        ).valid_to.isoformat() == "2040-01-01"
    # The fire rescue's import is not the office's to read.
    job = ImportJob.objects.get(pk=response.json()["job"])
    client = APIClient()
    client.force_login(world.users["office"])
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404


def test_the_schema_documents_the_intake(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/licences/intake/" in schema
    assert "lic_number" in schema and "partnerKey" in schema
