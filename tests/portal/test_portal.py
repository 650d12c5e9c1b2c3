"""The public portal: pages without login, search, the public record, and what never appears
in public (withheld or masked data, credit-risk classes, complaints, withdrawn results)."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shuangsuiji.credit.models import BlacklistEntry, Complaint
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.entities.models import Contact, Licence, Target
from shuangsuiji.portal import selectors
from shuangsuiji.publication import services as publication
from shuangsuiji.publication.models import PublishedResult
from shuangsuiji.rules import code_tables
from shuangsuiji.rules.draw.verify import verify

from .conftest import ID_NUMBER, PHONE, SECRET_FINDINGS, draw, risk_task

pytestmark = pytest.mark.django_db


def public_urls(portal) -> list[str]:
    task = portal.task
    result = portal.results[0]
    item = task.participants.first().items.first()
    return [
        reverse("portal:index"), reverse("portal:items"), reverse("portal:item", args=[item.pk]),
        reverse("portal:plans"), reverse("portal:tasks"),
        reverse("portal:task", args=[task.code]),
        reverse("portal:task_record", args=[task.code]),
        reverse("portal:results"), reverse("portal:results") + "?name=晋城",
        reverse("portal:results") + f"?code={result.uscc}",
        reverse("portal:results") + f"?task={task.code}",
        *[reverse("portal:result", args=[r.pk]) for r in portal.results],
        reverse("portal:entity", args=[result.uscc]),
        reverse("portal:verify"), reverse("portal:verify") + f"?task={task.code}",
        "/api/v1/public/results/", f"/api/v1/public/results/?code={result.uscc}",
        "/api/v1/public/results/?name=晋城", "/api/v1/public/tasks/",
        f"/api/v1/public/tasks/{task.pk}/record/",
    ]


def add_results(world, template, task_code, count, *, name, days_back=lambda i: 0) -> None:
    """`count` more published results of the office on `template`'s entity code."""
    PublishedResult.objects.bulk_create(
        PublishedResult(organisation=world.office, department_name="法宣科",
                        task_code=task_code, task_name="2025年抽查", entity_name=name(i),
                        uscc=template.uscc, category_text="未发现问题",
                        published_on=template.published_on
                        - timezone.timedelta(days=days_back(i)))
        for i in range(count))


def everything_public(client, portal) -> str:
    """Every public page and API answer, in both languages, as one text."""
    texts = []
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        for url in public_urls(portal):
            response = client.get(url)
            assert response.status_code == 200, url
            texts.append(json.dumps(response.json(), ensure_ascii=False)
                         if url.startswith("/api/") else response.content.decode())
    return "\n".join(texts)


def test_it_answers_every_page_without_login(portal, anonymous):
    for url in public_urls(portal):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert "/login/" not in response.get("Location", "")


def test_it_never_shows_withheld_masked_or_internal_data(world, portal, anonymous):
    Complaint.objects.create(target=portal.approved.drawn.visit.drawn_target.target,
                             organisation=world.office, received_on=timezone.localdate(),
                             summary="投诉内容：夜间噪音扰民")
    text = everything_public(anonymous, portal)
    # What the redaction withheld, and the personal data masked in the findings.
    assert SECRET_FINDINGS not in text
    assert PHONE not in text and ID_NUMBER not in text
    assert "138****5678" in text  # the masked findings are published
    # Credit-risk classes (every drawn target is in class D), complaints, contacts.
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for choice in RiskClass:
                assert str(choice.label) not in text
    assert "risk_class" not in text and "夜间噪音扰民" not in text
    assert "王五" not in text  # no legal representative
    assert portal.task.draw.record["pool"]["lines"][0] not in text  # no pool lines
    # The fields the redaction withheld are said to be withheld, not shown empty.
    fire = portal.results[-1]
    assert fire.withheld_fields == ["findings"]
    page = anonymous.get(reverse("portal:result", args=[fire.pk]))
    assert 'class="withheld"' in page.content.decode()


def test_a_withdrawn_result_vanishes(world, portal, anonymous):
    result = portal.results[0]
    publication.result_withdraw(actor=world.users["office"], published=result,
                                reason="公示信息有误，更正后重新公示")
    assert anonymous.get(reverse("portal:result", args=[result.pk])).status_code == 404
    listed = anonymous.get("/api/v1/public/results/", {"code": result.uscc}).json()
    assert result.pk not in [r["id"] for r in listed["results"]]
    page = anonymous.get(reverse("portal:results"), {"task": portal.task.code})
    assert reverse("portal:result", args=[result.pk]) not in page.content.decode()
    assert [r.pk for r in selectors.search_results(selectors.ResultQuery()).rows] == [
        r.pk for r in sorted(portal.results[1:], key=lambda r: (r.published_on, r.pk),
                             reverse=True)]


def test_it_searches_by_name_code_task_and_date(portal):
    office = portal.results[0]
    by_code = selectors.search_results(selectors.ResultQuery(code=office.uscc.lower()))
    assert {r.uscc for r in by_code.rows} == {office.uscc}
    by_name = selectors.search_results(selectors.ResultQuery(name=office.entity_name[:6]))
    assert office.pk in [r.pk for r in by_name.rows]
    assert not selectors.search_results(selectors.ResultQuery(name="不存在的企业")).rows
    assert office.pk in [r.pk for r in selectors.search_results(
        selectors.ResultQuery(name=office.entity_name[3:7])).rows]  # any part of the name
    by_task = selectors.search_results(selectors.ResultQuery(task=portal.task.code))
    assert len(by_task.rows) == len(portal.results)
    later = selectors.search_results(selectors.ResultQuery(
        date_from=office.published_on + timezone.timedelta(days=1)))
    assert not later.rows


@pytest.mark.parametrize("by_name", [False, True])
def test_it_pages_by_cursor_without_repeating_or_skipping(world, portal, by_name):
    add_results(world, portal.results[0], "RFB-2025-01", 45,
                name=lambda i: f"晋城市翻页测试{i % 7}有限公司", days_back=lambda i: i % 5)
    query = selectors.ResultQuery(name="晋城市翻页" if by_name else "", task="RFB-2025-01"
                                  if not by_name else "")
    seen, cursor = [], ""
    for _page in range(10):
        page = selectors.search_results(query, cursor=cursor, limit=10)
        seen += [r.pk for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 45
    everything = list(selectors.search_results(query, limit=100).rows)
    assert seen == [r.pk for r in everything]
    assert selectors.search_results(query, cursor="not a cursor!").rows  # the first page


def test_the_entity_page_shows_blacklist_entries_in_force_only(world, portal, anonymous):
    target = portal.approved.drawn.visit.drawn_target.target
    today = timezone.localdate()
    BlacklistEntry.objects.create(target=target, organisation=world.office,
                                  basis="拒不履行整改决定，列入严重违法失信名单",
                                  listed_on=today, created_by=world.users["office"])
    BlacklistEntry.objects.create(target=target, organisation=world.office,
                                  basis="已修复的旧记录",
                                  listed_on=today - timezone.timedelta(days=400),
                                  removed_on=today - timezone.timedelta(days=30),
                                  removal_reason="信用修复", created_by=world.users["office"])
    html = anonymous.get(reverse("portal:entity", args=[target.uscc])).content.decode()
    assert "拒不履行整改决定" in html and "已修复的旧记录" not in html
    assert anonymous.get(reverse("portal:entity", args=["91140500MA0XXXXXX0"])).status_code == 404


def test_a_task_before_the_draw_shows_its_announcement_without_risk_strata(world, portal,
                                                                           anonymous):
    task = risk_task(world)
    html = anonymous.get(reverse("portal:task", args=[task.code])).content.decode()
    freeze = task.freeze
    assert freeze.commitment in html and freeze.pool_digest in html
    assert f">{freeze.pool_size}<" in html
    assert freeze.server_secret not in html
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert all(str(c.label) not in html for c in RiskClass)
    assert anonymous.get(reverse("portal:task_record", args=[task.code])).status_code == 404
    draw(world, task)
    html = anonymous.get(reverse("portal:task", args=[task.code])).content.decode()
    record = anonymous.get(reverse("portal:task_record", args=[task.code])).json()
    assert "strata" not in record and all("stratum" not in t for t in record["drawn"])
    assert verify(record) is None
    # Auditor verification (§9): the tickets would show the classes, so no secret, seed or
    # ticket is public; the full record's digest is.
    assert record["verification"] == "auditor" and record["record_digest"] in html
    assert not {"server_secret", "seed"} & set(record)
    assert all(set(t) == {"id"} for t in record["drawn"])
    full = task.draw.record
    assert full["server_secret"] not in html and full["seed"] not in html
    assert not any(t["ticket"][:20] in html for t in full["drawn"])
    api = anonymous.get(f"/api/v1/public/tasks/{task.pk}/record/").json()
    assert api == record


def test_draft_tasks_unpublished_plans_and_items_stay_internal(world, portal, anonymous):
    from shuangsuiji.plans import services as plans

    draft = plans.task_create(actor=world.users["office"], data={
        "code": "RFB-2026-CG01", "name": "草稿任务", "initiating": world.office,
        "period_start": timezone.localdate(), "period_end": timezone.localdate()})
    assert anonymous.get(reverse("portal:task", args=[draft.code])).status_code == 404
    assert draft.code not in anonymous.get(reverse("portal:tasks")).content.decode()
    item = portal.task.participants.first().items.first()
    type(item).objects.filter(pk=item.pk).update(is_published=False)
    item.versions.update(is_published=False)
    assert anonymous.get(reverse("portal:item", args=[item.pk])).status_code == 404
    assert anonymous.get(f"/api/v1/public/tasks/{draft.pk}/record/").status_code == 404
    for url in ("/api/v1/results/", "/api/v1/targets/", "/api/v1/tasks/"):
        assert anonymous.get(url).status_code == 401  # nothing internal opens
    assert anonymous.get(reverse("entities:list")).status_code == 302


def test_the_public_api_validates_its_query(anonymous, portal):
    response = anonymous.get("/api/v1/public/results/", {"date_from": "not-a-date"})
    assert response.status_code == 400 and "date_from" in response.json()
    assert anonymous.get("/api/v1/public/results/", {"page_size": "x"}).status_code == 400
    page = anonymous.get("/api/v1/public/results/", {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]
    assert set(page["results"][0]) == {*selectors.RESULT_FIELDS, "repaired_on"}
    second = anonymous.get("/api/v1/public/results/", {"page_size": 1, "after": page["next"]})
    assert second.json()["results"][0]["id"] != page["results"][0]["id"]


def test_the_public_api_is_throttled(anonymous, portal, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SHUANGSUIJI_PUBLIC_API_RATE = "3/min"
    codes = [anonymous.get("/api/v1/public/tasks/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_the_results_page_links_each_card_and_pages_forward_and_back(world, portal, anonymous):
    template = portal.results[0]
    add_results(world, template, "RFB-2025-02", 25, name=lambda i: f"晋城市链接测试{i}有限公司")
    first = anonymous.get(reverse("portal:results"), {"task": "RFB-2025-02"})
    cards = first.context["cards"]
    assert len(cards) == selectors.PAGE_SIZE
    for card in cards[:3]:  # every link a card makes is the one reverse() makes, and answers
        assert anonymous.get(card.url).status_code == 200
        assert card.entity_url == reverse("portal:entity", args=[template.uscc])
    assert anonymous.get(cards[0].entity_url).status_code == 200
    assert first.context["first_url"] is None
    second = anonymous.get(reverse("portal:results") + first.context["next_url"])
    assert len(second.context["cards"]) == 25 - selectors.PAGE_SIZE
    assert not {c.url for c in cards} & {c.url for c in second.context["cards"]}
    assert second.context["next_url"] is None
    assert second.context["first_url"] == "?task=RFB-2025-02"  # the search, without the cursor


def test_a_result_names_its_region_beside_the_code(portal, anonymous):
    result = next(r for r in portal.results if r.region_code and
                  "region_code" not in r.withheld_fields)
    page = anonymous.get(reverse("portal:result", args=[result.pk])).content.decode()
    assert code_tables.region_path(result.region_code) in page and result.region_code in page


def test_the_entity_page_shows_registration_and_licences_never_class_or_contacts(
        world, portal, anonymous):
    target = portal.approved.drawn.visit.drawn_target.target
    Target.objects.filter(pk=target.pk).update(
        legal_rep="王建国", address="晋城市城区凤台东街 88 号",
        registration_authority="晋城市市场监督管理局", risk_class="D")
    Licence.objects.create(target=target, number="XK-2023-017", item="人防工程平时使用",
                           authority="晋城市人民防空办公室", decision_no="晋市人防许〔2023〕17号")
    Contact.objects.create(target=target, name="刘秘书", phone="13912345678")
    html = anonymous.get(reverse("portal:entity", args=[target.uscc]),
                         HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for shown in ("王建国", "凤台东街", "晋城市市场监督管理局", "XK-2023-017", "人防工程平时使用",
                  "晋市人防许〔2023〕17号", "登记信息"):
        assert shown in html, shown
    for hidden in ("刘秘书", "13912345678", "信用风险", "高风险"):
        assert hidden not in html, hidden
