"""检查对象名录库 pages: list and search, detail, create, edit, contacts, risk class."""

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Contact, Target, TargetChange
from shuangsuiji.entities.services import contact_add, target_create, target_update

from .conftest import code

pytestmark = pytest.mark.django_db


def form_data(target: Target, **changes: object) -> dict[str, object]:
    fields = ["uscc", "no_code_reason", "name", "entity_type", "legal_rep", "address",
              "region_code", "industry_code", "registration_authority", "locality",
              "reg_status"]
    data = {f: getattr(target, f) or "" for f in fields}
    return data | {"founded_on": ""} | changes


def audited(action: str, obj: object) -> bool:
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists()


def make_targets(world, n: int) -> list[Target]:  # type: ignore[no-untyped-def]
    office = world.users["office"]
    return [target_create(actor=office, department_id=world.office.pk, data={
        "uscc": code(100 + i), "name": f"晋城市测试企业{i:03d}有限公司",
        "region_code": "140502" if i % 2 else "140525", "industry_code": "K7010",
        "reg_status": "active" if i % 3 else "deregistered"}) for i in range(n)]


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.name for t in response.context["page"]]


def test_it_lists_the_organisations_directory_only(login, data):
    response = login("office").get(reverse("entities:list"))
    assert names(response) == ["晋城市兴达房地产开发有限公司"]


@pytest.mark.parametrize(("query", "count"), [
    ({"q": "测试企业001"}, 1),
    ({"q": "测试企业"}, 6),
    ({"region_code": "140502"}, 3),
    ({"region_code": "140500"}, 6),  # a city code selects its districts
    ({"reg_status": "deregistered"}, 2),
    ({"risk_class": "none"}, 5),
    ({"risk_class": "D"}, 1),
    ({"source": "import"}, 0),
    ({"industry_code": "K"}, 6),
    ({"industry_code": "70"}, 6),  # stored as K7010: the digits alone find it too
    ({"industry_code": "C"}, 0),
    ({"region_code": "泽州县"}, 3),  # a name stands for its code
    ({"region_code": "晋城"}, 6),  # the one region whose name holds it: 晋城市
    ({"region_code": "城区"}, 3),  # 阳泉市, 晋城市 and 汕尾市 have one: the office's own
    ({"industry_code": "房地产开发经营"}, 6),
    ({"industry_code": "房地产业"}, 6),
])
def test_it_searches_and_filters(login, world, query, count):
    targets = make_targets(world, 6)
    target_update(actor=world.users["office"], target=targets[0], data={"risk_class": "D"})
    response = login("office").get(reverse("entities:list"), query)
    assert response.status_code == 200
    assert len(response.context["page"]) == count


def test_it_finds_a_target_by_its_code_however_typed(login, data):
    typed = " ".join([data.target.uscc[:6], data.target.uscc[6:]]).lower()
    response = login("office").get(reverse("entities:list"), {"q": typed})
    assert names(response) == [data.target.name]
    prefix = login("office").get(reverse("entities:list"), {"q": data.target.uscc[:10]})
    assert names(prefix) == [data.target.name]


def test_it_finds_a_target_without_a_code_by_its_draw_id(login, world):
    target = target_create(actor=world.users["office"], department_id=world.office.pk,
                           data={"uscc": "", "no_code_reason": "个体户", "name": "老王五金店"})
    response = login("office").get(reverse("entities:list"), {"q": f"X-{target.pk}"})
    assert names(response) == ["老王五金店"]


def test_latin_letters_in_a_name_are_matched_in_either_case(login, world):
    target_create(actor=world.users["office"], department_id=world.office.pk,
                  data={"uscc": code(6), "name": "晋城ABC商贸有限公司"})
    response = login("office").get(reverse("entities:list"), {"q": "abc商贸"})
    assert names(response) == ["晋城ABC商贸有限公司"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("region_code", "火星", "没有名为“火星”的行政区划"),
    ("region_code", "新城区", "西安市 新城区 610102"),  # none in 晋城市: which one?
    ("industry_code", "飞船", "没有名为“飞船”的行业"),
])
def test_a_bad_filter_value_is_explained(login, data, field, value, message):
    response = login("office").get(reverse("entities:list"), {field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])


def test_the_list_is_paged_without_a_query_per_row(login, world, django_assert_max_num_queries):
    make_targets(world, 55)
    client = login("office")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("entities:list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == 55


def test_inspectors_may_not_browse_the_directory(login, data):
    assert login("inspector").get(reverse("entities:list")).status_code == 403


def test_the_detail_shows_every_section(login, data, world):
    contact_add(actor=world.users["office"], target=data.target, name="陈经理",
                position="安全负责人", phone="13912345678")
    target_update(actor=world.users["office"], target=data.target,
                  data={"legal_rep": "刘建军"}, note="营业执照变更")
    response = login("office").get(reverse("entities:detail", args=[data.target.pk]))
    page = response.content.decode()
    assert "13912345678" in page and "刘建军" in page and "营业执照变更" in page
    assert "李执法" in page  # the conflict registered for it
    (latest, created) = response.context["history_entries"]
    assert [(c.old, c.new) for c in latest.changes] == [("—", "刘建军")]
    assert latest.change.actor == world.users["office"] and created.change.action == "create"


def test_phones_are_masked_for_those_who_only_view(login, data, world):
    contact_add(actor=world.users["office"], target=data.target, name="陈经理",
                phone="13912345678")
    page = login("leader").get(reverse("entities:detail", args=[data.target.pk]))
    assert "13912345678" not in page.content.decode()
    assert "139****5678" in page.content.decode()
    assert reverse("entities:edit", args=[data.target.pk]) not in page.content.decode()


def test_the_office_adds_a_target_with_a_normalised_code(login, data, world):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code(3)[:8])  # "９１１４０５００"
    typed = full_width + " " + code(3)[8:].lower()
    response = login("office").post(reverse("entities:create"), {
        "department": world.office.pk, "uscc": typed, "name": "新企业", "reg_status": "active"})
    target = Target.objects.get(name="新企业")
    assert response.status_code == 302 and target.uscc == code(3)
    assert target.changes.get().actor == world.users["office"]
    assert audited("target.create", target)


def test_a_bad_code_is_refused_with_the_reason(login, data, world):
    bad = code(4)[:-1] + ("0" if code(4)[-1] != "0" else "1")
    response = login("office").post(reverse("entities:create"), {
        "department": world.office.pk, "uscc": bad, "name": "新企业", "reg_status": "active"})
    assert response.status_code == 200
    errors = response.context["form"].errors["uscc"]
    assert "18" in errors[0]  # names the 18th (check) character
    assert not Target.objects.filter(name="新企业").exists()


def test_a_target_without_a_code_needs_a_reason(login, data, world):
    client = login("office")
    payload = {"department": world.office.pk, "uscc": "", "name": "老王五金店",
               "reg_status": "active"}
    response = client.post(reverse("entities:create"), payload)
    assert response.status_code == 200
    assert "no_code_reason" in response.context["form"].errors
    payload["no_code_reason"] = "个体工商户未换发营业执照"
    assert client.post(reverse("entities:create"), payload).status_code == 302
    assert Target.objects.get(name="老王五金店").uscc is None


def test_a_duplicate_code_is_named_next_to_the_field(login, data, world):
    response = login("office").post(reverse("entities:create"), {
        "department": world.office.pk, "uscc": data.target.uscc, "name": "重复",
        "reg_status": "active"})
    assert data.target.name in response.context["form"].errors["uscc"][0]


def test_an_edit_is_saved_in_the_history_and_audited(login, data):
    payload = form_data(data.target, address="凤台东街88号", note="地址变更")
    response = login("office").post(reverse("entities:edit", args=[data.target.pk]), payload)
    assert response.status_code == 302
    data.target.refresh_from_db()
    assert data.target.address == "凤台东街88号"
    change = data.target.changes.first()
    assert change.note == "地址变更" and change.after["address"] == "凤台东街88号"
    assert audited("target.update", data.target)


def test_setting_the_risk_class_records_the_date(login, data):
    day = timezone.localdate().isoformat()
    response = login("office").post(reverse("entities:risk", args=[data.target.pk]),
                                    {"risk_class": "C", "risk_set_on": day})
    assert response.status_code == 302
    data.target.refresh_from_db()
    assert data.target.risk_class == "C" and data.target.risk_set_on.isoformat() == day
    assert data.target.changes.first().after["risk_class"] == "C"
    assert audited("target.update", data.target)


def test_a_risk_class_outside_a_to_d_is_refused(login, data):
    response = login("office").post(reverse("entities:risk", args=[data.target.pk]),
                                    {"risk_class": "E", "risk_set_on": "2026-01-01"})
    assert "risk_class" in response.context["form"].errors
    data.target.refresh_from_db()
    assert data.target.risk_class == ""


def test_contacts_are_added_and_removed(login, data):
    client = login("office")
    response = client.post(reverse("entities:contact_add", args=[data.target.pk]),
                           {"name": "陈经理", "position": "安全负责人", "phone": "13912345678"})
    assert response.status_code == 302
    contact = Contact.objects.get(target=data.target)
    assert audited("target.contact_add", data.target)
    response = client.post(reverse("entities:contact_remove",
                                   args=[data.target.pk, contact.pk]))
    assert response.status_code == 302 and not Contact.objects.exists()
    assert audited("target.contact_remove", data.target)


def test_a_contact_of_another_target_cannot_be_removed_through_this_one(login, data, world):
    other = target_create(actor=world.users["office"], department_id=world.office.pk,
                          data={"uscc": code(5), "name": "其他"})
    contact = contact_add(actor=world.users["office"], target=other, name="某人")
    response = login("office").post(reverse("entities:contact_remove",
                                            args=[data.target.pk, contact.pk]))
    assert response.status_code == 404 and Contact.objects.filter(pk=contact.pk).exists()


def _urls(data, contact_pk: int = 1):  # type: ignore[no-untyped-def]
    pk = data.target.pk
    return {"list": reverse("entities:list"), "create": reverse("entities:create"),
            "detail": reverse("entities:detail", args=[pk]),
            "edit": reverse("entities:edit", args=[pk]),
            "risk": reverse("entities:risk", args=[pk]),
            "contact_add": reverse("entities:contact_add", args=[pk]),
            "contact_remove": reverse("entities:contact_remove", args=[pk, contact_pk])}


ALL = ["list", "create", "detail", "edit", "risk", "contact_add", "contact_remove"]
CHANGES = ["create", "edit", "risk", "contact_add", "contact_remove"]


@pytest.mark.parametrize("name", ALL)
def test_anonymous_users_are_sent_to_sign_in(client, data, name):
    response = client.post(_urls(data)[name], {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["detail", "edit", "risk", "contact_add", "contact_remove"])
def test_another_organisation_gets_404(login, data, world, name):
    contact = contact_add(actor=world.users["office"], target=data.target, name="陈经理")
    client = login("other_office")
    url = _urls(data, contact.pk)[name]
    if name != "contact_remove":
        assert client.get(url).status_code == 404
    if name != "detail":
        assert client.post(url, {"risk_class": "A", "risk_set_on": "2026-01-01",
                                 "name": "x"}).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("name", CHANGES)
def test_a_user_who_may_only_view_gets_403_on_post(login, data, world, name):
    contact = contact_add(actor=world.users["office"], target=data.target, name="陈经理")
    before = TargetChange.objects.count()
    response = login("section").post(_urls(data, contact.pk)[name], form_data(
        data.target, name="改名", risk_class="A", risk_set_on="2026-01-01",
        department=world.office.pk))
    assert response.status_code == 403
    assert TargetChange.objects.count() == before and Contact.objects.count() == 1


def test_the_detail_reads_a_long_history_without_a_query_per_entry(
        login, data, world, django_assert_max_num_queries):
    for n in range(25):
        target_update(actor=world.users["office"], target=data.target,
                      data={"address": f"泽州路{n}号"})
        contact_add(actor=world.users["office"], target=data.target, name=f"联系人{n}")
    client = login("leader")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("entities:detail", args=[data.target.pk]))
    assert len(response.context["history_entries"]) == 20  # one page of history
    assert response.context["history"].paginator.count == 26


def test_the_directory_heads_its_name_column_as_a_name_not_a_persons(login, world):
    body = login("office").get(reverse("entities:list"),
                               HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<th class="main">名称</th>' in body and "姓名" not in body
