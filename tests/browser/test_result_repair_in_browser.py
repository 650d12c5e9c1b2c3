"""信用修复 of a published result in a real browser: the entity applies on its result page
(phone), the office accepts (desktop), and the public result page shows 已信用修复 with its
day instead of what the result found. Also the office's warning after a recusal accepted
while the inspector still stands in the group. Pages fit a phone's width.

    SHUANGSUIJI_SHOTS=/tmp/shots pytest tests/browser/test_result_repair_in_browser.py
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser

from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest
from shuangsuiji.publication.models import ResultRepair
from tests.entityportal.conftest import approve, entities, last_code  # noqa: F401
from tests.entityportal.test_recusal_after_draw import recusal
from tests.entityportal.test_requests import group_inspector
from tests.entityportal.test_result_repair import FINDING, published, rectified

from .conftest import PHONE

pytestmark = [pytest.mark.browser]
WIDE = {"width": 1366, "height": 900}


def shot(page, name: str) -> None:
    """Screenshots at 1366 and 390 px (SHUANGSUIJI_SHOTS), and the page fits a phone."""
    directory = os.environ.get("SHUANGSUIJI_SHOTS", "")
    for label, size in (("1366", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}-{label}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


def sign_in_office(browser: Browser, base: str):
    ctx = browser.new_context(viewport=WIDE, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    office = ctx.new_page()
    office.goto(base + "/login/")
    office.fill("main input[name=username]", "office")
    office.fill("main input[name=password]", "pw-office")
    office.click("main form button")
    office.wait_for_url(base + "/")
    return ctx, office


def sign_in_entity(browser: Browser, base: str, entities):  # noqa: F811
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto(base + reverse("entityportal:sign_in"))
    page.fill("input[name=uscc]", entities.target.uscc)
    page.click("main form button")
    page.click(f"button[name=contact][value='{entities.contact.pk}']")
    page.wait_for_url("**/sign-in/code/")
    page.fill("input[name=code]", last_code(entities.contact))
    page.click("main form button")
    page.wait_for_url(base + reverse("entityportal:home"))
    return ctx, page


def test_an_entity_has_a_published_result_credit_repaired(
        browser: Browser, live_server, entities, world):  # noqa: F811
    base = live_server.url
    result = approve(entities.task.office_result)
    rectified(world, result)
    snapshot = published(world, result)
    public_url = base + reverse("portal:result", args=[snapshot.pk])

    ctx, page = sign_in_entity(browser, base, entities)
    page.goto(base + reverse("entityportal:result", args=[result.pk]))
    page.fill("textarea[name=repair-text]", "已按责令改正通知全部整改，复查合格")
    shot(page, "entity-result-repair-form")
    page.click("input[name=action][value=repair] ~ p button")
    page.wait_for_load_state()
    request = EntityRequest.objects.get(kind=RequestKind.REPAIR)

    office_ctx, office = sign_in_office(browser, base)
    office.goto(base + reverse("entityportal:office_detail", args=[request.pk]))
    office.check("input[name=state][value=accepted]")
    office.fill("textarea[name=answer]", "符合信用修复条件，予以修复")
    shot(office, "office-result-repair")
    office.click("form.card button")
    office.wait_for_load_state()
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED
    assert ResultRepair.objects.filter(result=snapshot).exists()

    page.reload()
    assert "已信用修复" in page.content()
    shot(page, "entity-result-repaired")
    public = browser.new_context(viewport=WIDE, locale="zh-CN").new_page()
    public.goto(public_url)
    text = public.content()
    assert "已信用修复" in text and timezone.localdate().isoformat() in text
    assert FINDING not in text
    shot(public, "public-result-repaired")
    public.goto(base + reverse("portal:entity", args=[snapshot.uscc]))
    assert "已信用修复" in public.content()
    shot(public, "public-entity-file-repaired")
    ctx.close()
    office_ctx.close()


def test_the_office_sees_that_a_recused_inspector_is_still_in_the_group(
        browser: Browser, live_server, entities, world):  # noqa: F811
    base = live_server.url
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    office_ctx, office = sign_in_office(browser, base)
    office.goto(base + reverse("entityportal:office_detail", args=[request.pk]))
    office.check("input[name=state][value=accepted]")
    office.fill("textarea[name=answer]", "回避理由成立")
    office.click("form.card button")
    office.wait_for_load_state()
    text = office.content()
    assert "仍在" in text and inspector.name in text
    shot(office, "office-recusal-attention")
    office_ctx.close()
