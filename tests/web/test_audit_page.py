"""The audit log page and API: actions by their Chinese names, objects by their names, a link
only to a page the reader may open, names loaded per kind of object (not per entry)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit.services import risk_rule_delete, risk_rule_save
from shuangsuiji.entities.services import target_create, target_update

from .conftest import code

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def row_of(html: str, seq: int) -> str:
    found = [r for r in rows(html) if re.search(rf'<td class="hide-sm">{seq}</td>', r)]
    assert len(found) == 1, f"entry #{seq} not on the page"
    return found[0]


def shown_actions(html: str) -> set[str]:
    return set(re.findall(r'<code class="action-code">([a-z_.]+)</code>', "".join(rows(html))))


def seq_of(action: str, object_id: object) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(object_id)).latest("seq").seq


def test_actions_and_objects_are_shown_by_their_names(world, data, login):
    html = login("office").get("/audit/", **ZH).content.decode()
    row = row_of(html, seq_of("target.create", data.target.pk))
    assert "新增检查对象" in row
    assert "检查对象" in row and data.target.name in row
    assert f'href="/targets/{data.target.pk}/"' in row
    row = row_of(html, seq_of("conflict.record", data.conflict.pk))
    assert "登记回避" in row and "回避关系" in row
    assert f"{data.officer.name} ↔ {data.target.name}" in row
    assert "inspectors.conflict:" not in html  # the stored form of the object is not the name


def test_the_stored_action_stays_visible_beside_its_label(world, data, login):
    row = row_of(login("office").get("/audit/", **ZH).content.decode(),
                 seq_of("inspector.create", data.inspector.pk))
    assert "新增执法检查人员" in row and "inspector.create" in row


def test_an_action_without_a_label_is_shown_as_stored(world, login):
    event = audit_record(actor=world.users["office"], action="legacy.something",
                         organisation_id=world.office.pk, summary="old entry")
    response = login("office").get("/audit/", **ZH)
    assert response.status_code == 200
    assert "legacy.something" in row_of(response.content.decode(), event.seq)


def test_a_deleted_object_shows_its_id_and_deleted(world, login):
    office = world.users["office"]
    rule = risk_rule_save(actor=office, organisation_id=world.office.pk,
                          data={"trigger": "blacklist", "threshold": 1, "period_days": 365,
                                "raise_to": "D", "is_active": True})
    pk = rule.pk
    risk_rule_delete(actor=office, rule=rule)
    html = login("office").get("/audit/", **ZH).content.decode()
    for action in ("credit.rule_create", "credit.rule_delete"):
        row = row_of(html, seq_of(action, pk))
        assert f"#{pk}" in row and "已删除" in row and "href" not in row


def test_an_object_outside_the_readers_scope_is_named_but_not_linked(world, data, login):
    # An entry of the office naming the fire rescue's target: the office may not open it.
    event = audit_record(actor=world.users["office"], action="target.update",
                         obj=data.fire_target, organisation_id=world.office.pk,
                         summary="cross-organisation entry")
    row = row_of(login("office").get("/audit/", **ZH).content.decode(), event.seq)
    assert data.fire_target.name in row
    assert "href" not in row


def test_a_risk_rule_links_for_the_office_and_not_for_the_leader(world, login):
    rule = risk_rule_save(actor=world.users["office"], organisation_id=world.office.pk,
                          data={"trigger": "blacklist", "threshold": 1, "period_days": 365,
                                "raise_to": "D", "is_active": True})
    seq = seq_of("credit.rule_create", rule.pk)
    link = f'href="/credit/rules/{rule.pk}/"'
    assert link in row_of(login("office").get("/audit/").content.decode(), seq)
    leader_row = row_of(login("leader").get("/audit/").content.decode(), seq)
    assert link not in leader_row and "href" not in leader_row


@pytest.mark.parametrize("role", ["admin", "office", "leader"])
def test_every_link_on_the_page_opens_for_its_reader(world, data, login, role):
    client = login(role)
    html = client.get("/audit/").content.decode()
    links = set(re.findall(r'<td>(?:<div[^>]*>[^<]*</div>)?<a href="([^"]+)"', html))
    assert links, "no object links at all"
    for url in links:
        assert client.get(url).status_code == 200, url


def _targets(world, n: int, start: int) -> None:
    office = world.users["office"]
    for i in range(start, start + n):
        target = target_create(actor=office, department_id=world.office.pk,
                               data={"uscc": code(100 + i), "name": f"测试单位{i}"})
        target_update(actor=office, target=target, data={"name": f"测试单位{i}有限公司"})


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/audit/").status_code == 200
    return len(queries)


def test_names_and_links_cost_the_same_queries_for_few_or_many_entries(
        world, data, login, django_assert_max_num_queries):
    client = login("office")
    _targets(world, 2, 0)
    few = _page_queries(client)
    _targets(world, 20, 2)  # 40 more entries: the page of 50 is all targets now
    many = _page_queries(client)
    assert many <= few
    with django_assert_max_num_queries(few):
        client.get("/audit/")


def test_the_filter_offers_labels_grouped_and_selects_one_action(world, data, login):
    client = login("office")
    html = client.get("/audit/", **ZH).content.decode()
    assert '<optgroup label="检查对象名录">' in html
    assert '<option value="target.create">新增检查对象</option>' in html
    assert '<option value="@target">全部（检查对象名录）</option>' in html
    html = client.get("/audit/", {"action": "target.create"}, **ZH).content.decode()
    assert '<option value="target.create" selected>' in html
    assert shown_actions(html) == {"target.create"}


def test_a_group_of_actions_and_a_prefix_from_a_link_both_filter(world, data, login):
    client = login("office")
    group = client.get("/audit/", {"action": "@inspector"}).content.decode()
    assert shown_actions(group) == {"inspector.create", "inspector.certificate", "conflict.record"}
    prefix = client.get("/audit/", {"action": "inspector."}).content.decode()
    assert shown_actions(prefix) == {"inspector.create", "inspector.certificate"}
    assert '<option value="inspector." selected>inspector.</option>' in prefix


def test_the_object_filter_takes_a_kind_and_an_id(world, data, login):
    client = login("office")
    html = client.get("/audit/", {"type": "entities.target", "object": data.target.pk},
                      **ZH).content.decode()
    assert '<option value="entities.target" selected>检查对象</option>' in html
    found = rows(html)
    assert found and all(data.target.name in r for r in found)
    assert all("抽查事项" not in r for r in found)
    html = client.get("/audit/", {"type": "legacy.kind"}).content.decode()
    assert '<option value="legacy.kind" selected>legacy.kind</option>' in html
    assert "No entries." in html or "暂无记录" in html


def test_the_api_adds_labels_beside_the_stored_fields(world, data, login):
    client = login("office")
    results = client.get("/api/v1/audit/", {"action": "target.create"}, **ZH).json()["results"]
    entry = next(e for e in results if e["object_id"] == str(data.target.pk))
    assert entry["action"] == "target.create" and entry["object_type"] == "entities.target"
    assert entry["action_label"] == "新增检查对象"
    assert entry["object_label"] == f"检查对象 {data.target.name}"
    one = client.get(f"/api/v1/audit/{entry['seq']}/", **ZH).json()
    assert one["action_label"] == "新增检查对象" and one["object_label"] == entry["object_label"]


def test_the_api_says_deleted_for_an_object_gone(world, login):
    office = world.users["office"]
    rule = risk_rule_save(actor=office, organisation_id=world.office.pk,
                          data={"trigger": "blacklist", "threshold": 1, "period_days": 365,
                                "raise_to": "D", "is_active": True})
    pk = rule.pk
    risk_rule_delete(actor=office, rule=rule)
    results = login("office").get("/api/v1/audit/", {"action": "credit.rule_delete"},
                                  **ZH).json()["results"]
    assert results[0]["object_label"] == f"风险规则 #{pk}（已删除）"


def test_the_schema_documents_the_labels(client):
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(public=True)
    fields = schema["components"]["schemas"]["AuditEvent"]["properties"]
    for name in ("action_label", "object_label"):
        assert fields[name]["type"] == "string" and fields[name]["readOnly"]
        assert fields[name]["description"]
    assert {"action", "object_type", "object_id"} <= set(fields)


def test_the_platform_itself_is_named_as_the_system(world, login):
    event = audit_record(actor=None, action="import.expire", organisation_id=world.office.pk,
                         summary="stopped")
    row = row_of(login("office").get("/audit/", **ZH).content.decode(), event.seq)
    assert "系统" in row and "system" not in row
