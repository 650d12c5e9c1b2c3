"""What the API does beyond who may call it: history, audit, masking, errors, paging, tokens."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Target, TargetChange
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.rules.uscc import make_valid

from .conftest import ApiWorld, client_for, id_number, item_data

API = "/api/v1"


def _post(client: APIClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(API + path, data, format="json")


def _patch(client: APIClient, path: str, data: dict[str, Any]) -> Any:
    return client.patch(API + path, data, format="json")


def _audit(action: str, obj: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)))


# --- Items ------------------------------------------------------------------------------


def test_it_creates_an_item_as_version_1_with_an_audit_entry(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    data = item_data("RFB-002", api_world.world.engineering) | {"reason": "新增事项"}
    response = _post(office, "/items/", data)
    assert response.status_code == 201
    item = InspectionItem.objects.get(pk=response.json()["id"])
    assert response.json()["version"] == 1 and not response.json()["is_published"]
    assert list(item.versions.values_list("version", "reason")) == [(1, "新增事项")]
    (event,) = _audit("item.create", item)
    assert event.actor == api_world.user("office")
    assert event.organisation_id == api_world.world.office.pk


def test_it_requires_a_reason_to_adjust_an_item(api_world: ApiWorld):
    item = api_world.rfb.item
    response = _patch(client_for(api_world.user("office")), f"/items/{item.pk}/",
                      {"matter": "新的事项名称"})
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    item.refresh_from_db()
    assert item.version == 1 and item.matter != "新的事项名称"


def test_each_adjustment_is_a_new_version_listed_newest_first(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    item = api_world.rfb.item
    response = _patch(office, f"/items/{item.pk}/",
                      {"matter": "新的事项名称", "reason": "依据新规"})
    assert response.status_code == 200 and response.json()["version"] == 2
    versions = office.get(f"{API}/items/{item.pk}/versions/").json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["reason"] == "依据新规"
    assert versions[0]["snapshot"]["matter"] == "新的事项名称"
    assert versions[0]["changed_by"] == "office"
    (event,) = _audit("item.update", item)
    assert event.data["changes"]["matter"][1] == "新的事项名称"
    assert event.data["reason"] == "依据新规"


def test_publishing_and_withdrawing_are_versions_with_audit_entries(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    item = api_world.rfb.item
    published = _post(office, f"/items/{item.pk}/publish/", {"reason": "年度公示"})
    assert published.status_code == 200 and published.json()["is_published"] is True
    withdrawn = _post(office, f"/items/{item.pk}/unpublish/", {"reason": "事项调整"})
    assert withdrawn.json()["is_published"] is False and withdrawn.json()["version"] == 3
    assert len(_audit("item.publish", item)) == 1
    assert len(_audit("item.unpublish", item)) == 1


def test_a_section_adjusts_only_its_own_items(api_world: ApiWorld):
    legal_item = InspectionItem.objects.create(**(item_data("RFB-LEGAL", api_world.world.legal)
                                                  | {"department": api_world.world.legal}))
    section = client_for(api_world.user("section"))
    response = _patch(section, f"/items/{legal_item.pk}/", {"remarks": "x", "reason": "y"})
    assert response.status_code == 403
    data = item_data("RFB-003", api_world.world.legal) | {"reason": "新增"}
    response = _post(section, "/items/", data)
    assert response.status_code == 400 and list(response.json()) == ["department"]


def test_it_names_every_missing_field(api_world: ApiWorld):
    response = _post(client_for(api_world.user("office")), "/items/", {"code": "RFB-001"})
    assert response.status_code == 400
    errors = response.json()
    assert {"category", "matter", "target_type", "basis", "department", "content",
            "method"} <= set(errors)
    assert "code" in errors  # RFB-001 exists already


# --- Targets ----------------------------------------------------------------------------


def test_it_creates_a_target_with_a_change_row_and_an_audit_entry(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    code = make_valid("91140500MA0K00009")
    response = _post(office, "/targets/", {"department": api_world.world.office.pk,
                                           "uscc": code.lower(), "name": "晋城某商贸有限公司"})
    assert response.status_code == 201
    target = Target.objects.get(pk=response.json()["id"])
    assert target.uscc == code and target.source == "api"
    assert TargetChange.objects.filter(target=target, action="create").count() == 1
    assert len(_audit("target.create", target)) == 1


@pytest.mark.parametrize(("code", "field"), [
    ("91140500MA0K000090", "uscc"),  # wrong check character
    ("", "no_code_reason"),  # no code and no reason
])
def test_a_bad_target_is_a_field_error(api_world: ApiWorld, code: str, field: str):
    response = _post(client_for(api_world.user("office")), "/targets/", {
        "department": api_world.world.office.pk, "uscc": code, "name": "某单位"})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_a_code_already_in_the_directory_is_refused_on_the_code(api_world: ApiWorld):
    response = _post(client_for(api_world.user("office")), "/targets/", {
        "department": api_world.world.office.pk, "uscc": api_world.rfb.target.uscc,
        "name": "重复单位"})
    assert response.status_code == 400 and list(response.json()) == ["uscc"]


def test_a_change_is_kept_in_the_targets_history(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    target = api_world.rfb.target
    response = _patch(office, f"/targets/{target.pk}/", {"address": "城区新市西街1号",
                                                         "risk_class": "C", "note": "年报更新"})
    assert response.status_code == 200 and response.json()["risk_set_on"]
    changes = office.get(f"{API}/targets/{target.pk}/changes/").json()["results"]
    assert changes[0]["action"] == "update" and changes[0]["note"] == "年报更新"
    changed = {c["field"]: c["after"] for c in changes[0]["changed_fields"]}
    assert changed["address"] == "城区新市西街1号" and changed["risk_class"] == "C"
    assert changes[-1]["action"] == "create"
    (event,) = _audit("target.update", target)
    assert set(event.data["changes"]) == {"address", "risk_class", "risk_set_on"}


@pytest.mark.parametrize(("role", "phone"), [("office", "13812345678"),
                                             ("leader", "138****5678"),
                                             ("section", "138****5678")])
def test_contact_phones_are_masked_for_those_who_may_not_change_the_target(
        api_world: ApiWorld, role: str, phone: str):
    response = client_for(api_world.user(role)).get(f"{API}/targets/{api_world.rfb.target.pk}/")
    (contact,) = response.json()["contacts"]
    assert contact["phone"] == phone
    assert response.json()["licences"][0]["number"] == "RFB-L1"


def test_the_target_list_pages_by_cursor_in_id_order(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    for n in range(5):
        _post(office, "/targets/", {"department": api_world.world.office.pk,
                                    "name": f"个体户{n}", "no_code_reason": "个体工商户"})
    seen, url = [], f"{API}/targets/?page_size=2"
    while url:
        page = office.get(url).json()
        assert "count" not in page  # no COUNT(*) over millions of rows
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    expected = list(Target.objects.for_user(api_world.user("office"))
                    .order_by("id").values_list("id", flat=True))
    assert seen == expected and len(seen) == 6


@pytest.mark.parametrize(("query", "names"), [
    ("name=个体", {"个体户"}),
    ("region=1405", {"RFB测试商场有限公司"}),
    ("industry=F52", {"RFB测试商场有限公司"}),
    ("status=deregistered", {"个体户"}),
    ("risk_class=A", set()),
])
def test_the_target_list_filters(api_world: ApiWorld, query: str, names: set[str]):
    office = client_for(api_world.user("office"))
    _post(office, "/targets/", {"department": api_world.world.office.pk, "name": "个体户",
                                "no_code_reason": "个体工商户", "reg_status": "deregistered"})
    rows = office.get(f"{API}/targets/?{query}").json()["results"]
    assert {row["name"] for row in rows} == names


def test_the_code_filter_and_updated_since(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    code = api_world.rfb.target.uscc
    rows = office.get(f"{API}/targets/", {"code": code.lower()}).json()["results"]
    assert [row["id"] for row in rows] == [api_world.rfb.target.pk]
    later = office.get(f"{API}/targets/", {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert later["results"] == []
    bad = office.get(f"{API}/targets/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and list(bad.json()) == ["updated_since"]


# --- Inspectors -------------------------------------------------------------------------


def test_the_identity_number_is_write_only_and_returned_masked(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    raw = id_number("14050219900307002")
    response = _post(office, "/inspectors/", {
        "department": api_world.world.engineering.pk, "code": "RFB-E5", "name": "钱七",
        "role": "officer", "id_number": raw, "item_scope": [api_world.rfb.item.pk]})
    assert response.status_code == 201
    body = response.json()
    assert body["id_number"] == raw[:6] + "********" + raw[-4:]
    assert body["item_scope"] == [api_world.rfb.item.pk]
    inspector = Inspector.objects.get(pk=body["id"])
    for text in (response.content.decode(),
                 office.get(f"{API}/inspectors/").content.decode(),
                 office.get(f"{API}/inspectors/{inspector.pk}/").content.decode()):
        assert raw not in text
    assert raw not in str(AuditEvent.objects.filter(object_id=str(inspector.pk)).values())
    assert raw not in inspector.id_number_encrypted


def test_a_bad_identity_number_is_a_field_error(api_world: ApiWorld):
    response = _post(client_for(api_world.user("office")), "/inspectors/", {
        "department": api_world.world.engineering.pk, "code": "RFB-E6", "name": "孙八",
        "role": "officer", "id_number": "140502199003070021"})
    assert response.status_code == 400 and list(response.json()) == ["id_number"]
    assert not Inspector.objects.filter(code="RFB-E6").exists()


def test_the_phone_of_an_inspector_is_shown_to_editors_and_to_the_person(api_world: ApiWorld):
    pk = api_world.rfb.inspector.pk
    shown = {role: client_for(api_world.user(role)).get(f"{API}/inspectors/{pk}/")
             .json()["phone"] for role in ("office", "inspector", "leader")}
    assert shown == {"office": "13900001111", "inspector": "13900001111",
                     "leader": "139****1111"}


def test_a_status_change_applies_from_its_day(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    pk = api_world.rfb.inspector.pk
    response = _post(office, f"/inspectors/{pk}/status/",
                     {"status": "transferred", "effective_on": "2026-12-01", "note": "调离"})
    assert response.status_code == 201
    assert response.json()["status"] == "transferred"
    assert [h["status"] for h in response.json()["status_history"]] == ["active", "transferred"]

    def eligible(day: str) -> list[int]:
        rows = office.get(f"{API}/inspectors/", {"eligible_on": day}).json()["results"]
        return [row["id"] for row in rows]

    assert eligible("2026-11-30") == [pk]
    assert eligible("2026-12-01") == []
    assert eligible("2019-06-01") == []  # before the certificate
    assert len(_audit("inspector.status", api_world.rfb.inspector)) == 1


def test_an_unknown_status_is_a_field_error(api_world: ApiWorld):
    response = _post(client_for(api_world.user("office")),
                     f"/inspectors/{api_world.rfb.inspector.pk}/status/",
                     {"status": "fired", "effective_on": "not a day"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "effective_on"}


def test_certificates_are_added_and_listed_once(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    path = f"/inspectors/{api_world.rfb.inspector.pk}/certificates/"
    data = {"number": "RFB-C2", "issuer": "山西省人民政府", "valid_from": "2026-01-01",
            "valid_to": "2031-12-31"}
    assert _post(office, path, data).status_code == 201
    again = _post(office, path, data)
    assert again.status_code == 400 and list(again.json()) == ["number"]
    backwards = _post(office, path, data | {"number": "RFB-C3", "valid_to": "2025-01-01"})
    assert backwards.status_code == 400 and list(backwards.json()) == ["valid_to"]
    numbers = [c["number"] for c in office.get(API + path).json()]
    assert sorted(numbers) == ["RFB-C1", "RFB-C2"]


# --- Conflicts --------------------------------------------------------------------------


def test_an_inspector_declares_their_own_conflict_and_may_withdraw_it(api_world: ApiWorld):
    inspector = client_for(api_world.user("inspector"))
    response = _post(inspector, "/conflicts/", {
        "inspector": api_world.rfb.inspector.pk, "target": api_world.rfb.target.pk,
        "relation": "interest", "declared_by": "office", "reason": "曾在该单位任职"})
    assert response.status_code == 201
    assert response.json()["declared_by"] == "inspector"  # not whatever they claimed
    pk = response.json()["id"]
    revoked = _post(inspector, f"/conflicts/{pk}/revoke/", {"reason": "已离职满五年"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert len(_audit("conflict.revoke", Conflict.objects.get(pk=pk))) == 1


def test_revoking_twice_says_when_it_was_revoked(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    path = f"/conflicts/{api_world.rfb.conflict.pk}/revoke/"
    assert _post(office, path, {"reason": "关系已解除"}).status_code == 200
    again = _post(office, path, {"reason": "再次"})
    assert again.status_code == 400 and list(again.json()) == ["non_field_errors"]


@pytest.mark.parametrize(("change", "field"), [
    ({"valid_from": "2026-05-01", "valid_to": "2026-01-01"}, "valid_to"),
    ({"target": "xfzd"}, "target"),  # the fire rescue's target is not the office's to name
    ({"inspector": "xfzd"}, "inspector"),
])
def test_a_conflict_is_checked_field_by_field(api_world: ApiWorld, change: dict[str, str],
                                              field: str):
    data = {"inspector": api_world.rfb.inspector.pk, "target": api_world.rfb.target.pk,
            "relation": "other", "reason": "同学关系"}
    for key, value in change.items():
        data[key] = getattr(api_world.xfzd, key).pk if value == "xfzd" else value
    response = _post(client_for(api_world.user("office")), "/conflicts/", data)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_in_force_filter(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    _post(office, f"/conflicts/{api_world.rfb.conflict.pk}/revoke/", {"reason": "解除"})
    in_force = office.get(f"{API}/conflicts/", {"in_force_on": "2026-11-27"}).json()
    revoked = office.get(f"{API}/conflicts/", {"revoked": "true"}).json()
    assert in_force["results"] == []
    assert [row["id"] for row in revoked["results"]] == [api_world.rfb.conflict.pk]


# --- Imports, audit, me, tokens, errors ------------------------------------------------


def test_an_import_job_lists_its_rejected_rows(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    job = office.get(f"{API}/imports/{api_world.rfb.job.pk}/").json()
    assert job["rejected"] == 1 and "file" not in job
    issues = office.get(f"{API}/imports/{api_world.rfb.job.pk}/issues/").json()["results"]
    assert issues == [{"row": 3, "column": "统一社会信用代码", "reason": "校验码错误"}]


def test_the_audit_log_filters_by_action_and_object(api_world: ApiWorld):
    leader = client_for(api_world.user("leader"))
    rows = leader.get(f"{API}/audit/", {"action": "target.",
                                        "object_id": api_world.rfb.target.pk}).json()["results"]
    assert {row["action"] for row in rows} == {"target.create", "target.contact_add"}
    assert rows[0]["seq"] > rows[1]["seq"]  # newest first


def test_me_tells_the_role_and_its_rights(api_world: ApiWorld):
    me = client_for(api_world.user("leader")).get(f"{API}/me/").json()
    assert me["role"] == "leader" and me["organisation"]["code"] == "RFB"
    assert me["permissions"]["audit"] == {"view": True, "change": False}
    assert me["permissions"]["targets"] == {"view": True, "change": False}


def test_a_token_signs_in_and_a_wrong_password_does_not(api_world: ApiWorld):
    anonymous = APIClient()
    wrong = _post(anonymous, "/auth/token/", {"username": "office", "password": "nope"})
    assert wrong.status_code == 400 and list(wrong.json()) == ["non_field_errors"]
    token = _post(anonymous, "/auth/token/", {"username": "office", "password": "pw-office"})
    assert token.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + token.json()["token"])
    assert anonymous.get(f"{API}/me/").json()["username"] == "office"


def test_anonymous_requests_get_401_with_the_scheme_to_use(api_world: ApiWorld):
    response = APIClient().get(f"{API}/targets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_unknown_paths_and_ids_are_json_404s(api_world: ApiWorld):
    office = client_for(api_world.user("office"))
    for path in ("/targets/abc/", "/targets/99999999/", "/nothing/", "/targets/1" + "0" * 30):
        response = office.get(API + path)
        assert response.status_code == 404, path
        assert response.json()["detail"]


def test_a_body_that_is_not_json_is_refused(api_world: ApiWorld):
    response = client_for(api_world.user("office")).post(
        f"{API}/items/", "code=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    response = client_for(api_world.user("office")).post(
        f"{API}/items/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
