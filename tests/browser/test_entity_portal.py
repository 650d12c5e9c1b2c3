"""The entity's side in a real browser: an entity of the joint task signs in with the code
the outbox sent, reads its inspection notice, asks for an inspector's recusal, which the
office accepts (a conflict in the registry, and the next inspector by the draw's rule takes
the place in the group: 换人); later it objects to a result and the office
answers. Pages are checked to fit a phone's width."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser

from shuangsuiji.draws.models import Assignment
from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest
from shuangsuiji.inspectors.choices import DeclaredBy
from shuangsuiji.inspectors.models import Conflict
from tests.entityportal.conftest import approve, entities, last_code  # noqa: F401
from tests.entityportal.test_recusal_after_draw import spares  # noqa: F401

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser]


@pytest.mark.usefixtures("spares")  # made before `entities` draws: someone takes the place
def test_an_entity_signs_in_asks_a_recusal_and_objects_to_a_result(
        browser: Browser, live_server, entities, world, shots):  # noqa: F811
    base = live_server.url
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto(base + reverse("entityportal:sign_in"))
    page.fill("input[name=uscc]", entities.target.uscc)
    page.click("main form button")
    page.click(f"button[name=contact][value='{entities.contact.pk}']")
    page.wait_for_url("**/sign-in/code/")
    page.fill("input[name=code]", last_code(entities.contact))  # what the console printed
    page.click("main form button")
    page.wait_for_url(base + reverse("entityportal:home"))
    shots(page, "entity-home")

    visit_url = reverse("entityportal:visit", args=[entities.visit.pk])
    page.click(f"a[href='{visit_url}'].button")
    group = Assignment.objects.filter(drawn_target=entities.visit.drawn_target,
                                      released_at__isnull=True).select_related("inspector")
    assert all(f"CERT-{a.inspector.code}" in page.content() for a in group
               if a.inspector.role == "officer")
    shots(page, "entity-notice")
    inspector_id = page.locator("select[name=inspector] option").first.get_attribute("value")
    page.select_option("select[name=inspector]", inspector_id)
    page.fill("textarea[name=text]", "该检查人员系我单位法定代表人的近亲属")
    page.click("form[enctype] button")
    page.wait_for_load_state()
    recusal = EntityRequest.objects.get(kind=RequestKind.RECUSAL)

    office_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = office_ctx.new_page()
    office.goto(base + "/login/")
    office.fill("main input[name=username]", "office")
    office.fill("main input[name=password]", "pw-office")
    office.click("main form button")
    office.wait_for_url(base + "/")
    office.goto(base + reverse("entityportal:office_list"))
    office.click(f"a[href='{reverse('entityportal:office_detail', args=[recusal.pk])}']")
    office.check("input[name=state][value=accepted]")
    office.fill("textarea[name=answer]", "申请理由成立，同意回避")
    shots(office, "office-recusal")
    office.click("form.card button")
    office.wait_for_load_state()
    recusal.refresh_from_db()
    assert recusal.state == RequestState.ACCEPTED
    assert Conflict.objects.get(inspector_id=int(inspector_id),
                                target=entities.target).declared_by == DeclaredBy.ENTITY
    # 换人: the office sees who took the place; the entity's notice names the new group.
    incoming = Assignment.objects.get(replaces__inspector_id=int(inspector_id)).inspector
    assert "换人" in office.content() and incoming.name in office.content()
    shots(office, "office-recusal-substituted")
    page.reload()
    assert f"CERT-{Conflict.objects.get().inspector.code}" not in page.content()
    assert f"CERT-{incoming.code}" in page.content()
    shots(page, "entity-notice-after-recusal")

    result = approve(entities.task.office_result)
    page.goto(base + reverse("entityportal:result", args=[result.pk]))
    page.fill("textarea[name=objection-text]", "消防通道当日已清理")
    page.click("input[name=action][value=objection] ~ p button")
    page.wait_for_load_state()
    objection = EntityRequest.objects.get(kind=RequestKind.OBJECTION)
    office.goto(base + reverse("entityportal:office_detail", args=[objection.pk]))
    office.check("input[name=state][value=rejected]")
    office.fill("textarea[name=answer]", "经复核，维持检查结果")
    office.click("form.card button")
    office.wait_for_load_state()
    page.reload()
    assert "经复核，维持检查结果" in page.content()
    shots(page, "entity-result-answered")
    ctx.close()
    office_ctx.close()
