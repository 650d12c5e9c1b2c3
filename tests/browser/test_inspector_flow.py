"""The inspectors' work in a real browser, for both groups of a joint visit.

The office's inspector (RFB-E1) and the fire rescue's (XFZD-E1) claim the task and agree the
date; each enters their department's result, has it signed on the screen pad and submits it.
The office returns its result once and approves it after the correction; the fire rescue
approves its result, which found a problem, and records an order to rectify, re-checks and
closes it. Elements are found by name, value and URL, never by their (translated) text.
"""

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from shuangsuiji.inspections.models import Claim, FollowUp, Inspection, ReviewEvent, Signature

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser]

AGREED = "2026-10-21"  # within the task's period, 2026-10-08 to 2026-11-13
INSPECTED = "2026-10-21"


def url_or_none(name: str, *args: int) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Session:
    """One signed-in user in a browser context of their own."""

    def __init__(self, browser: Browser, base: str, username: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        # Chromium reports what the Content-Security-Policy blocked on the console.
        self.blocked: list[str] = []
        self.page.on("console", lambda message: self.blocked.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.open("/login/")
        self.page.fill("main input[name=username]", username)
        self.page.fill("main input[name=password]", "pw-" + username)
        self.submit(self.page.locator("main form button"))
        assert "/login/" not in self.page.url, f"{username} could not sign in"

    def open(self, path: str) -> Page:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response and
                                                                   response.status)
        return self.page

    def submit(self, button: Locator, status: int = 200) -> Page:
        """Click a button that sends a form; wait until the answer (after a redirect) loads."""
        with self.page.expect_navigation(wait_until="load") as navigation:
            button.click()
        response = navigation.value
        got = response.status if response else None
        if got != status:
            errors = self.page.locator(".errorlist, .msg-error, .form-errors").all_inner_texts()
            raise AssertionError(f"{self.page.url}: HTTP {got}, errors {errors}")
        return self.page

    def close(self) -> None:
        self.context.close()


def state_badge(page: Page) -> Locator:
    return page.locator(".page-head > .badge").first  # the kind badge sits in the heading


def draw_signature(page: Page) -> None:
    canvas = page.locator(".signature-form .signature-pad canvas")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 9):
        page.mouse.move(x + i * box["width"] * 0.09, y + (-1) ** i * box["height"] * 0.2,
                        steps=3)
    page.mouse.up()


def sign(session: Session, role: str, *, inspector: str = "", name: str = "") -> None:
    page = session.page
    form = page.locator("form.signature-form")
    form.locator("select[name=role]").select_option(role)
    # The form shows the inspector choice for an inspector, the name field otherwise.
    if role == "inspector":
        expect(form.locator("input[name=name]")).to_be_hidden()
        form.locator("select[name=inspector]").select_option(inspector)
    else:
        expect(form.locator("select[name=inspector]")).to_be_hidden()
        form.locator("input[name=name]").fill(name)
    draw_signature(page)
    session.submit(form.locator("button[type=submit]"))


def claim_and_open_the_visit(session: Session, drawn, shots, shot: str | None) -> Page:
    task, visit = drawn.task, drawn.visit
    page = session.open(reverse("inspections:mine"))
    claim = page.locator(f'form[action="{reverse("inspections:claim", args=[task.pk])}"]')
    if shot:
        shots(page, shot)
    session.submit(claim.locator("button[type=submit]"))
    expect(claim).to_have_count(0)
    session.submit(page.locator(f'a[href="{reverse("inspections:visit", args=[visit.pk])}"]'))
    return page


def open_the_documents(session: Session, visit_pk: int) -> None:
    """The print page of the checklist and its PDF, when the documents are there."""
    checklist, pdf = (url_or_none("inspections:checklist", visit_pk),
                      url_or_none("inspections:checklist_pdf", visit_pk))
    page = session.page
    if checklist:
        back = page.url
        session.submit(page.locator(f'a[href="{checklist}"]').first)
        session.page.goto(back, wait_until="load")
    if pdf:
        response = page.request.get(session.base + pdf)
        assert response.status == 200
        assert response.body()[:4] == b"%PDF"


def enter_result(session: Session, result: Inspection, *, categories: list[str],
                 outcomes: dict[int, str], summary: str) -> None:
    page = session.page
    form = page.locator(f'form[action="{reverse("inspections:result", args=[result.pk])}"]')
    form.locator("input[name=inspected_on]").fill(INSPECTED)
    for method in ("on_site", "documents"):
        form.locator(f"input[name=methods][value={method}]").check()
    for category in categories:
        form.locator(f"input[name=categories][value={category}]").check()
    for item_id, outcome in outcomes.items():
        form.locator(f"input[name=outcome_{item_id}][value={outcome}]").check()
        if outcome == "non_compliant":
            form.locator(f"textarea[name=note_{item_id}]").fill("疏散指示标志损坏")
    form.locator("textarea[name=summary]").fill(summary)
    session.submit(form.locator("button[type=submit]"))


def sign_and_submit(session: Session, result: Inspection, shots, shot: str | None) -> None:
    page = session.page
    inspectors = [v for v in page.locator(
        "form.signature-form select[name=inspector] option").evaluate_all(
        "options => options.map(o => o.value)") if v]
    assert len(inspectors) == 2, inspectors
    for inspector in inspectors:
        sign(session, "inspector", inspector=inspector)
    sign(session, "representative", name="张经理")
    assert Signature.objects.filter(inspection=result).count() == 3
    expect(page.locator("ul.signatures li img")).to_have_count(3)
    if shot:
        shots(page, shot)
    send = page.locator(f'form[action="{reverse("inspections:submit", args=[result.pk])}"] '
                        "button[type=submit]")
    expect(send).to_be_enabled()
    session.submit(send)
    expect(state_badge(page)).to_have_class(re.compile(r"\bwarn\b"))
    result.refresh_from_db()
    assert result.state == "submitted"


def review(session: Session, result: Inspection, decision: str, reason: str = "",
           shots=None) -> Page:
    page = session.open(reverse("inspections:review_queue"))
    session.submit(page.locator(
        f'a[href="{reverse("inspections:result", args=[result.pk])}"]'))
    if shots:
        shots(page, "review")
    if reason:
        page.locator("textarea[name=reason]").fill(reason)
    session.submit(page.locator(f"button[name=decision][value={decision}]"))
    return page


def test_both_groups_enter_sign_submit_and_have_their_results_reviewed(
        browser, live_server, drawn_task, world, shots):
    base = live_server.url
    office_result, fire_result = drawn_task.office_result, drawn_task.fire_result
    visit_url = reverse("inspections:visit", args=[drawn_task.visit.pk])
    rfb = Session(browser, base, "inspector")
    xfzd = Session(browser, base, "other_inspector")

    # Both inspectors claim the task; the office's agrees the date, the fire rescue's sees it.
    page = claim_and_open_the_visit(rfb, drawn_task, shots, "my-tasks")
    page.fill("input[name=agreed_date]", AGREED)
    page.fill("textarea[name=materials]", "人防工程平战转换预案、维护管理台账")
    rfb.submit(page.locator(
        f'form[action="{reverse("inspections:schedule", args=[drawn_task.visit.pk])}"] '
        "button[type=submit]"))
    expect(page.locator("main dl.fields")).to_contain_text(AGREED)
    shots(page, "visit")
    page = claim_and_open_the_visit(xfzd, drawn_task, shots, None)
    expect(page.locator("main dl.fields")).to_contain_text(AGREED)
    assert Claim.objects.filter(task=drawn_task.task).count() == 2
    for session in (rfb, xfzd):
        open_the_documents(session, drawn_task.visit.pk)

    # Each enters their own department's result from the visit page.
    rfb.submit(rfb.page.locator(
        f'a[href="{reverse("inspections:result", args=[office_result.pk])}"]'))
    enter_result(rfb, office_result, categories=["no_problem"], summary="现场检查未发现问题",
                 outcomes={f.item_id: "compliant" for f in office_result.findings.all()})
    office_result.refresh_from_db()
    assert office_result.categories == ["no_problem"]
    assert str(office_result.inspected_on) == INSPECTED
    assert set(office_result.findings.values_list("outcome", flat=True)) == {"compliant"}
    sign_and_submit(rfb, office_result, shots, "result")

    xfzd.open(visit_url)
    xfzd.submit(xfzd.page.locator(
        f'a[href="{reverse("inspections:result", args=[fire_result.pk])}"]'))
    fire_item = fire_result.findings.get().item_id
    enter_result(xfzd, fire_result, categories=["corrected"], outcomes={
        fire_item: "non_compliant"}, summary="疏散指示标志损坏，已责令改正")
    fire_result.refresh_from_db()
    assert fire_result.categories == ["corrected"]
    assert fire_result.findings.get().outcome == "non_compliant"
    sign_and_submit(xfzd, fire_result, shots, None)

    # The office returns its result once; the inspector corrects it and submits it again.
    office = Session(browser, base, "office")
    page = office.open(reverse("inspections:review_queue"))
    expect(page.locator(f'a[href="{reverse("inspections:result", args=[office_result.pk])}"]'
                        )).to_have_count(1)
    # Each organisation reviews only its own department's results.
    expect(page.locator(f'a[href="{reverse("inspections:result", args=[fire_result.pk])}"]'
                        )).to_have_count(0)
    shots(page, "review-queue")
    page = review(office, office_result, "return", reason="请补充检查发现的具体情况",
                  shots=shots)
    expect(state_badge(page)).to_have_class(re.compile(r"\bbad\b"))
    office_result.refresh_from_db()
    assert office_result.state == "returned"
    assert office_result.return_reason == "请补充检查发现的具体情况"

    page = rfb.open(reverse("inspections:result", args=[office_result.pk]))
    expect(page.locator("main p.error[role=alert]")).to_contain_text("请补充检查发现的具体情况")
    form = page.locator(
        f'form[action="{reverse("inspections:result", args=[office_result.pk])}"]')
    form.locator("textarea[name=summary]").fill("现场检查人防工程维护管理情况，未发现问题")
    rfb.submit(form.locator("button[type=submit]"))
    # Saved again in Chinese, the date comes back from the form as it went in.
    office_result.refresh_from_db()
    assert str(office_result.inspected_on) == INSPECTED
    rfb.submit(page.locator(
        f'form[action="{reverse("inspections:submit", args=[office_result.pk])}"] '
        "button[type=submit]"))
    expect(state_badge(page)).to_have_class(re.compile(r"\bwarn\b"))

    page = review(office, office_result, "approve")
    expect(state_badge(page)).to_have_class(re.compile(r"\bok\b"))
    # Once approved, the result reads as a sheet: no form, no signature pad.
    expect(page.locator("form.signature-form")).to_have_count(0)

    # The fire rescue approves its result and follows the problem up: order, re-check, close.
    partner = Session(browser, base, "partner")
    page = review(partner, fire_result, "approve")
    expect(state_badge(page)).to_have_class(re.compile(r"\bok\b"))
    partner.submit(page.locator(
        f'a[href="{reverse("inspections:followup_new", args=[fire_result.pk])}"]'))
    page.locator("select[name=kind]").select_option("rectify")
    rectify_by = timezone.localdate() + timedelta(days=10)
    page.locator("input[name=rectify_by]").fill(rectify_by.isoformat())
    page.locator("textarea[name=notes]").fill("责令十日内更换损坏的疏散指示标志")
    partner.submit(page.locator("main form.card button.primary"))
    follow_up = FollowUp.objects.get(inspection=fire_result)
    assert (follow_up.kind, follow_up.state, follow_up.rectify_by) == (
        "rectify", "open", rectify_by)
    recheck = page.locator("form#recheck")
    recheck.locator("input[name=passed][value='1']").check()
    recheck.locator("textarea[name=note]").fill("疏散指示标志已更换")
    partner.submit(recheck.locator("button"))
    follow_up.refresh_from_db()
    assert follow_up.recheck_passed is True
    shots(page, "follow-up")
    partner.submit(page.locator("form#close button"))
    expect(state_badge(page)).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator("form#close")).to_have_count(0)
    shots(page, "follow-up-closed")

    # What the database says at the end.
    for result in (office_result, fire_result):
        result.refresh_from_db()
        assert result.state == "approved"
        assert Signature.objects.filter(inspection=result).count() == 3
        assert set(Signature.objects.filter(inspection=result).values_list(
            "role", flat=True)) == {"inspector", "representative"}
    assert list(ReviewEvent.objects.filter(inspection=office_result).order_by("pk")
                .values_list("to_state", flat=True)) == [
        "submitted", "returned", "submitted", "approved"]
    follow_up.refresh_from_db()
    assert follow_up.state == "closed" and follow_up.closed_on == timezone.localdate()
    # The other group sees the outcome on the visit page: both results approved.
    page = xfzd.open(visit_url)
    expect(page.locator("main table .badge.ok")).to_have_count(2)
    page = office.open(reverse("inspections:task", args=[drawn_task.task.pk]))
    expect(page.locator("main table .badge.ok")).to_have_count(2)
    shots(page, "task-progress")

    # Every page above, the signature pad included, ran under the policy without a violation.
    for session in (rfb, xfzd, office, partner):
        assert session.blocked == []
        session.close()
