"""抽查事项清单 pages: list, detail with version history, create, adjust, publish."""

import pytest
from django.urls import reverse

from shuangsuiji.catalog.forms import ItemForm
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.catalog.services import ITEM_FIELDS, item_create, item_update
from shuangsuiji.core.models import AuditEvent

from .conftest import item_data

pytestmark = pytest.mark.django_db


def form_data(item: InspectionItem, **changes: object) -> dict[str, object]:
    data = {f: getattr(item, f) for f in ITEM_FIELDS if f not in {"department", "is_active"}}
    data["department"] = item.department_id
    if item.is_active:
        data["is_active"] = "on"
    return data | changes


def audited(action: str, obj: object) -> bool:
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists()


def test_it_lists_the_items_of_the_users_organisation_only(login, data):
    response = login("office").get(reverse("catalog:list"))
    assert response.status_code == 200
    codes = [item.code for item in response.context["page"]]
    assert codes == ["RF-001", "RF-002"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "RF-002"}, ["RF-002"]),
    ({"kind": "general"}, ["RF-003"]),
    ({"category": "人防设备"}, ["RF-003"]),
    ({"published": "1"}, ["RF-002"]),
    ({"published": "0", "active": "1"}, ["RF-001", "RF-003"]),
    ({"active": "0"}, []),
])
def test_it_filters_the_list(login, data, world, query, expected):
    office = world.users["office"]
    item_create(actor=office, data=item_data("RF-003", world.engineering.pk, kind="general",
                                             category="人防设备"))
    client = login("office")
    client.post(reverse("catalog:publish", args=[data.legal_item.pk]),
                {"publish": "1", "reason": "公示"})
    response = client.get(reverse("catalog:list"), query)
    assert [item.code for item in response.context["page"]] == expected


def test_it_filters_by_department(login, data, world):
    response = login("office").get(reverse("catalog:list"), {"department": world.legal.pk})
    assert [item.code for item in response.context["page"]] == ["RF-002"]


def test_the_list_is_paged_without_a_query_per_row(login, world, django_assert_max_num_queries):
    for n in range(60):
        item_create(actor=world.users["office"],
                    data=item_data(f"RF-{n:03d}", world.engineering.pk))
    client = login("office")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("catalog:list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == 60


def test_an_inspector_may_read_the_list_but_not_add_to_it(login, data):
    client = login("inspector")
    response = client.get(reverse("catalog:detail", args=[data.item.pk]))
    assert response.status_code == 200
    assert reverse("catalog:edit", args=[data.item.pk]) not in response.content.decode()
    assert client.get(reverse("catalog:create")).status_code == 403


def test_the_office_creates_an_item(login, data, world):
    payload = form_data(data.item, code="RF-009", matter="人防宣传教育开展情况检查")
    response = login("office").post(reverse("catalog:create"), payload)
    item = InspectionItem.objects.get(code="RF-009")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:detail", args=[item.pk])
    assert item.version == 1 and not item.is_published
    assert item.versions.get().changed_by == world.users["office"]
    assert audited("item.create", item)


def test_creating_an_item_shows_errors_next_to_the_fields(login, data):
    payload = form_data(data.item, code="RF-001", matter="")
    response = login("office").post(reverse("catalog:create"), payload)
    assert response.status_code == 200
    form = response.context["form"]
    assert "code" in form.errors and "matter" in form.errors
    assert 'id="id_matter_errors"' in response.content.decode()


def test_a_section_creates_items_only_for_itself(login, data, world):
    client = login("section")
    payload = form_data(data.item, code="RF-010", department=world.legal.pk)
    response = client.post(reverse("catalog:create"), payload)
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    payload["department"] = world.engineering.pk
    assert client.post(reverse("catalog:create"), payload).status_code == 302


def test_an_adjustment_saves_a_new_version_with_its_reason(login, data, world):
    payload = form_data(data.item, content="是否按批准的设计施工", reason="按2023年实施方案调整")
    response = login("office").post(reverse("catalog:edit", args=[data.item.pk]), payload)
    assert response.status_code == 302
    data.item.refresh_from_db()
    assert data.item.version == 2 and data.item.content == "是否按批准的设计施工"
    latest = data.item.versions.first()
    assert (latest.version, latest.reason) == (2, "按2023年实施方案调整")
    assert latest.changed_by == world.users["office"]
    event = AuditEvent.objects.get(action="item.update", object_id=str(data.item.pk))
    assert event.data["reason"] == "按2023年实施方案调整"


def test_an_adjustment_without_a_reason_is_refused(login, data):
    payload = form_data(data.item, content="新内容")
    response = login("office").post(reverse("catalog:edit", args=[data.item.pk]), payload)
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    data.item.refresh_from_db()
    assert data.item.version == 1 and data.item.content != "新内容"


def test_the_version_history_shows_who_when_why_and_the_field_diff(login, data, world):
    office = world.users["office"]
    item_update(actor=office, item=data.item, data={"method": "书面检查"}, reason="第一次调整")
    item_update(actor=office, item=data.item, data={"department": world.legal.pk},
                reason="检查主体调整")
    response = login("office").get(reverse("catalog:detail", args=[data.item.pk]))
    history = response.context["history"]
    assert [entry.version.version for entry in history] == [3, 2, 1]
    assert [(c.old, c.new) for c in history[0].changes] == [("工程科", "法宣科")]
    assert [(c.old, c.new) for c in history[1].changes] == [("现场检查", "书面检查")]
    page = response.content.decode()
    assert "第一次调整" in page and "检查主体调整" in page and office.full_name in page


def test_a_section_adjusts_its_own_items_only(login, data):
    client = login("section")
    own = form_data(data.item, method="书面检查", reason="调整")
    assert client.post(reverse("catalog:edit", args=[data.item.pk]), own).status_code == 302
    other = form_data(data.legal_item, method="书面检查", reason="调整")
    assert client.post(reverse("catalog:edit", args=[data.legal_item.pk]),
                       other).status_code == 403
    assert client.get(reverse("catalog:edit", args=[data.legal_item.pk])).status_code == 403
    data.legal_item.refresh_from_db()
    assert data.legal_item.version == 1


def test_edit_buttons_show_only_to_those_who_may_change(login, data):
    edit_url = reverse("catalog:edit", args=[data.legal_item.pk])
    detail = reverse("catalog:detail", args=[data.legal_item.pk])
    assert edit_url in login("office").get(detail).content.decode()
    assert edit_url not in login("section").get(detail).content.decode()
    assert edit_url not in login("leader").get(detail).content.decode()


def test_publishing_and_withdrawing_need_a_reason_and_are_audited(login, data):
    client = login("office")
    url = reverse("catalog:publish", args=[data.item.pk])
    response = client.post(url, {"publish": "1", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert client.post(url, {"publish": "1", "reason": "局务会通过"}).status_code == 302
    data.item.refresh_from_db()
    assert data.item.is_published and data.item.version == 2
    assert audited("item.publish", data.item)
    assert client.post(url, {"publish": "0", "reason": "依据废止"}).status_code == 302
    data.item.refresh_from_db()
    assert not data.item.is_published and data.item.versions.first().reason == "依据废止"
    assert audited("item.unpublish", data.item)


def test_the_item_form_covers_every_versioned_field():
    assert set(ItemForm.Meta.fields) == set(ITEM_FIELDS)


def _urls(data):  # type: ignore[no-untyped-def]
    pk = data.item.pk
    return {"list": reverse("catalog:list"), "create": reverse("catalog:create"),
            "detail": reverse("catalog:detail", args=[pk]),
            "edit": reverse("catalog:edit", args=[pk]),
            "publish": reverse("catalog:publish", args=[pk])}


@pytest.mark.parametrize("name", ["list", "create", "detail", "edit", "publish"])
def test_anonymous_users_are_sent_to_sign_in(client, data, name):
    url = _urls(data)[name]
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["detail", "edit", "publish"])
def test_another_organisation_gets_404(login, data, name):
    client = login("other_office")
    url = _urls(data)[name]
    assert client.get(url).status_code == 404
    assert client.post(url, {"publish": "1", "reason": "x"}).status_code in (404, 405)


@pytest.mark.parametrize("name", ["create", "edit", "publish"])
def test_a_user_who_may_only_view_gets_403_on_post(login, data, name):
    response = login("leader").post(_urls(data)[name], form_data(
        data.item, code="RF-099", reason="x", publish="1"))
    assert response.status_code == 403
    data.item.refresh_from_db()
    assert data.item.version == 1 and not InspectionItem.objects.filter(code="RF-099").exists()


def test_the_detail_reads_the_history_without_a_query_per_version(
        login, data, world, django_assert_max_num_queries):
    for n in range(20):
        item_update(actor=world.users["office"], item=data.item, data={"remarks": str(n)},
                    reason=f"调整{n}")
    client = login("office")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:detail", args=[data.item.pk]))
    assert len(response.context["history"]) == 21
