"""The seed's joint task drawn in a real browser, on the demo data.

The office opens the public draw of the frozen joint task (37 candidates, 15%), enters the
die's digits, the witnesses and the people present, and gets 6 targets with a group of two
officers from each department; then the draft task is frozen on its page and drawn too.
Elements are found by name and URL, never by their (translated) text.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page

from shuangsuiji.accounts.models import User
from shuangsuiji.draws.models import DrawnTarget, DrawRecord
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw.verify import verify

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser]

SEED, DRAFT = "RFB-2023-LH01", "RFB-2023-ZL01"


def signed_in(browser: Browser, base: str, username: str) -> Page:
    user = User.objects.get(username=username)
    user.set_password("pw-browser")
    user.save(update_fields=["password"])
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/login/")
    page.fill("main input[name=username]", username)
    page.fill("main input[name=password]", "pw-browser")
    with page.expect_navigation():
        page.locator("main form button").click()
    assert "/login/" not in page.url
    return page


def submit(page: Page, form: str) -> None:
    with page.expect_navigation(wait_until="load") as navigation:
        page.locator(f"{form} button.primary").click()
    response = navigation.value
    assert response is not None and response.status == 200, (
        page.url, page.locator(".errorlist, .form-errors").all_inner_texts())


def draw_through_the_page(page: Page, base: str, task: InspectionTask, shots, shot: str) -> None:
    page.goto(base + reverse("draws:ceremony", args=[task.pk]), wait_until="load")
    shots(page, f"{shot}-ceremony")
    page.fill("input[name=ceremony_input], textarea[name=ceremony_input]",
              "38201958377102938475")
    page.fill("[name=source]", "十面骰子 20 次")
    page.fill("[name=witnesses]", "王新根\n李慧")
    page.fill("[name=present]", "李慧、周敏、陈志刚、郝建国")
    page.fill("[name=place]", "晋城市人民防空办公室三楼会议室")
    submit(page, "main form.form")
    assert page.url.endswith(reverse("draws:result", args=[task.pk]))
    shots(page, f"{shot}-result")


def test_the_office_draws_the_seeds_joint_task_in_the_browser(browser, live_server, shots,
                                                              private_files):
    with override_settings(DEBUG=True):
        call_command("demo", "--date", "2023-03-31", stdout=StringIO())
    seed = InspectionTask.objects.get(code=SEED)
    assert seed.state == TaskState.FROZEN and seed.freeze.pool_size == 37
    page = signed_in(browser, live_server.url, "office")

    draw_through_the_page(page, live_server.url, seed, shots, "seed")
    record = DrawRecord.objects.get(task=seed).record
    drawn = [t["id"] for t in record["drawn"]]
    assert len(drawn) == 6 and verify(record) is None
    text = page.locator("main").inner_text()
    assert all(ident in text for ident in drawn)
    for target in DrawnTarget.objects.filter(task=seed):
        codes = sorted(target.assignments.values_list("department__code", flat=True))
        assert codes == ["RFB", "RFB", "XFZD-CQ", "XFZD-CQ"]
    # The written record: its page, and its PDF from the link on the result.
    printed = reverse("draws:print", args=[seed.pk])
    assert page.locator(f'a[href="{printed}"]').count()
    page.goto(live_server.url + printed, wait_until="load")
    assert record["record_digest"] in page.locator("body").inner_text().replace("\n", "")
    shots(page, "seed-print")
    pdf = page.request.get(live_server.url + reverse("draws:pdf", args=[seed.pk]))
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"

    draft = InspectionTask.objects.get(code=DRAFT)
    page.goto(live_server.url + reverse("draws:freeze", args=[draft.pk]), wait_until="load")
    shots(page, "draft-freeze")
    page.fill("input[name=planned_draw_at]",
              (timezone.localtime() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=confirm]")
    submit(page, "main form.form")
    draft.refresh_from_db()
    assert draft.state == TaskState.FROZEN
    draw_through_the_page(page, live_server.url, draft, shots, "draft")
    assert DrawnTarget.objects.filter(task=draft).count() == 4
