"""The inspector's offline app in a real browser (Debian's chromium), at a phone's width.

Load the day online, lose the network (`context.set_offline(True)`), fill the checklist with
a photo and signatures, reload with no network (everything is still there), come back and
sync; a sync cut half-way; two members of one group editing the same result offline.
Elements are found by name, value and data attributes, never by their (translated) text.
"""

import hashlib
import io
from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from shuangsuiji.accounts.choices import Role
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import Assignment
from shuangsuiji.field.models import FieldSession
from shuangsuiji.inspections.models import Evidence, Inspection, Signature
from tests.conftest import make_user
from tests.field.conftest import AGREED
from tests.rules.test_recordings import webm

from .conftest import PHONE

pytestmark = [pytest.mark.browser]

POSITION = {"latitude": 35.490412, "longitude": 112.851734, "accuracy": 15}


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 40)).save(out, "JPEG")
    return out.getvalue()


class Phone:
    """One inspector's phone: a browser context of its own at 390 px, signed in."""

    def __init__(self, browser: Browser, base: str, username: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                           has_touch=True, geolocation=POSITION,
                                           permissions=["geolocation"])
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and "Failed to load resource" not in m.text
                     and "net::" not in m.text else None)
        self.sign_in(username)
        expect(self.page.locator("#app[data-ready]")).to_have_count(1)
        # The service worker has taken the page: it can now open with no network.
        self.page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    def sign_in(self, username: str) -> None:
        self.page.goto(self.base + "/login/")
        self.page.fill("main input[name=username]", username)
        self.page.fill("main input[name=password]", "pw-" + username)
        with self.page.expect_navigation():
            self.page.click("main form button")
        self.page.goto(self.base + reverse("field:app"))

    def offline(self, value: bool = True) -> None:
        self.context.set_offline(value)

    def download(self) -> None:
        self.page.fill("input[name=day]", AGREED.isoformat())
        self.page.click("[data-action=download]")
        expect(self.page.locator("[data-visit]")).to_have_count(1)

    def open_visit(self) -> None:
        self.page.click("[data-visit]")
        expect(self.page.locator("[data-result]").first).to_be_visible()

    def result(self, result: Inspection):
        return self.page.locator(f'[data-result="{result.pk}"]')

    def fill(self, result: Inspection, *, outcome: str = "compliant",
             categories: tuple[str, ...] = ("no_problem",), summary: str = "") -> None:
        card = self.result(result)
        card.locator("input[name=inspected_on]").fill(AGREED.isoformat())
        card.locator("input[name=methods][value=on_site]").check()
        for line in result.findings.all():
            card.locator(f'input[name="outcome-{line.item_id}"][value={outcome}]').check()
        for category in categories:
            card.locator(f"input[name=categories][value={category}]").check()
        card.locator("textarea[name=summary]").fill(summary)
        card.locator("[data-action=save]").click()
        expect(self.page.locator("#message.fmsg-ok")).to_be_visible()

    def take_photo(self, result: Inspection, data: bytes) -> None:
        card = self.result(result)
        card.locator("input[name=photo]").set_input_files(
            {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": data})
        expect(self.result(result).locator("figure.fphoto img")).to_have_count(1)

    def record(self, result: Inspection, data: bytes) -> None:
        card = self.result(result)
        card.locator("input[name=recording]").set_input_files(
            {"name": "VID_0001.webm", "mimeType": "video/webm", "buffer": data})
        expect(self.result(result).locator("figure.fphoto[data-kind=recording]")
               ).to_have_count(1)

    def sign(self, result: Inspection, role: str, *, inspector: int | None = None,
             name: str = "") -> None:
        card = self.result(result)
        signed = card.locator("[data-signed]").count()
        card.locator("select[name=role]").select_option(role)
        if inspector is not None:
            card.locator("select[name=inspector]").select_option(str(inspector))
        else:
            card.locator("input[name=name]").fill(name)
        canvas = card.locator("canvas.fpad")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        for i in range(1, 9):
            self.page.mouse.move(x + i * box["width"] * 0.09,
                                 y + (-1) ** i * box["height"] * 0.2, steps=3)
        self.page.mouse.up()
        card.locator("[data-action=sign]").click()
        expect(self.result(result).locator("[data-signed]")).to_have_count(signed + 1)

    def home(self) -> None:
        self.page.evaluate("location.hash = ''")
        expect(self.page.locator("[data-action=sync]")).to_be_visible()

    def pending(self) -> int:
        return int(self.page.locator("[data-pending]").get_attribute("data-pending") or -1)

    def sync(self) -> None:
        self.page.click("[data-action=sync]")

    def wait_synced(self) -> None:
        try:
            expect(self.page.locator("[data-pending='0']")).to_have_count(1)
        except AssertionError as exc:
            texts = [self.page.locator(where).text_content() for where in ("#message", "#queue")]
            raise AssertionError(texts) from exc
        expect(self.page.locator("#message.fmsg-ok")).to_be_visible()

    def close(self) -> None:
        self.context.close()


def group_member(visit, department_id: int, user) -> int:
    return Assignment.objects.get(drawn_target=visit.drawn_target, department_id=department_id,
                                  inspector__user=user, released_at__isnull=True).inspector_id


def count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def phones(browser, live_server) -> Iterator[Callable[[str], Phone]]:
    """phones(username): a phone signed in as that user; no script error on any of them."""
    opened: list[Phone] = []

    def phone(username: str) -> Phone:
        opened.append(Phone(browser, live_server.url, username))
        return opened[-1]

    yield phone
    for each in opened:
        assert each.errors == [], each.errors
        each.close()


def test_a_joint_checklist_filled_offline_survives_a_reload_and_syncs(
        agreed, world, shots, phones):
    office, fire = agreed.office_result, agreed.fire_result
    rfb, xfzd = phones("inspector"), phones("other_inspector")
    for phone in (rfb, xfzd):
        phone.download()
    shots(rfb.page, "field-day")

    # Underground: no network at all.
    for phone in (rfb, xfzd):
        phone.offline()
        phone.open_visit()
    assert rfb.page.evaluate("navigator.onLine") is False
    rfb.fill(office, summary="人防工程维护管理良好")
    image = photo()
    rfb.take_photo(office, image)
    rfb.record(office, webm())
    rfb.sign(office, "inspector", inspector=group_member(agreed.visit, world.office.pk,
                                                         world.users["inspector"]))
    rfb.sign(office, "representative", name="张经理")
    shots(rfb.page, "field-visit-offline")
    # The fire rescue's part of the joint checklist, on its inspector's phone.
    xfzd.fill(fire, outcome="non_compliant", categories=("corrected",),
              summary="疏散指示标志损坏，已责令改正")

    # The phone is closed and opened again, still with no network.
    rfb.page.reload()
    expect(rfb.page.locator("#app[data-ready]")).to_have_count(1)
    card = rfb.result(office)
    expect(card.locator("input[name=categories][value=no_problem]")).to_be_checked()
    expect(card.locator("textarea[name=summary]")).to_have_value("人防工程维护管理良好")
    expect(card.locator("figure.fphoto img")).to_have_count(1)
    expect(card.locator("figure.fphoto[data-kind=recording]")).to_have_count(1)
    expect(card.locator("[data-signed]")).to_have_count(2)
    rfb.home()
    assert rfb.pending() == 5  # the save, the photo, the recording, two signatures
    assert Inspection.objects.get(pk=office.pk).version == 0  # nothing reached the server
    shots(rfb.page, "field-queue-offline")

    # Back in signal: the app syncs by itself.
    for phone in (rfb, xfzd):
        phone.home()
        phone.offline(False)
        phone.wait_synced()
    stored = Inspection.objects.get(pk=office.pk)
    assert stored.version == 1 and stored.categories == ["no_problem"]
    evidence = Evidence.objects.get(inspection=office, kind="photo")
    assert Evidence.objects.get(inspection=office, kind="recording").sha256 == hashlib.sha256(
        webm()).hexdigest()
    assert evidence.sha256 == hashlib.sha256(image).hexdigest()
    assert evidence.captured_at is not None
    assert float(evidence.latitude) == pytest.approx(POSITION["latitude"])
    assert Signature.objects.filter(inspection=office).count() == 2
    assert Inspection.objects.get(pk=fire.pk).categories == ["corrected"]
    assert count("result.save") == 2 and count("result.evidence") == 2
    shots(rfb.page, "field-synced")


def test_a_sync_cut_half_way_loses_nothing_and_applies_nothing_twice(agreed, phones):
    office = agreed.office_result
    rfb = phones("inspector")
    rfb.download()
    rfb.offline()
    rfb.open_visit()
    rfb.fill(office, summary="第一次")
    rfb.take_photo(office, photo())
    rfb.sign(office, "representative", name="张经理")
    rfb.home()

    # The server applies the batch but the answer never reaches the phone; the first file
    # upload is cut as well.
    cut = {"sync": 0, "upload": 0}

    def lose_answer(route: Route) -> None:
        if cut["sync"] == 0:
            cut["sync"] += 1
            route.fetch()  # the server receives and applies it
            route.abort("connectionreset")
        else:
            route.continue_()

    def cut_upload(route: Route) -> None:
        if route.request.method == "PUT" and cut["upload"] == 0:
            cut["upload"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    rfb.page.route("**/api/v1/field/sync/", lose_answer)
    rfb.page.route("**/api/v1/field/uploads/*/", cut_upload)
    rfb.offline(False)
    expect(rfb.page.locator("#message.fmsg-error")).to_be_visible()
    assert cut["upload"] == 1
    rfb.sync()  # the upload resumes; this time the sync's answer is lost
    expect(rfb.page.locator("#message.fmsg-error")).to_be_visible()
    assert cut["sync"] == 1
    assert count("result.save") == 1  # applied on the server
    assert rfb.pending() == 3  # but the phone does not know it
    rfb.sync()
    rfb.wait_synced()
    assert count("result.save") == 1 and count("result.evidence") == 1
    assert count("result.signature") == 1
    assert Evidence.objects.filter(inspection=office).count() == 1


def test_two_members_editing_one_result_offline_get_a_conflict_not_an_overwrite(
        agreed, world, shots, phones):
    office = agreed.office_result
    colleague = make_user("colleague", Role.INSPECTOR, world.engineering)
    second = Assignment.objects.get(drawn_target=agreed.visit.drawn_target,
                                    department=world.office, inspector__user__isnull=True)
    second.inspector.user = colleague
    second.inspector.save(update_fields=["user"])
    first, other = phones("inspector"), phones("colleague")
    for phone in (first, other):
        phone.download()
        phone.offline()
        phone.open_visit()
    first.fill(office, summary="甲的记录")
    other.fill(office, outcome="non_compliant", categories=("pending",), summary="乙的记录")
    for phone in (first, other):
        phone.home()

    first.offline(False)
    first.wait_synced()
    other.offline(False)
    conflict = other.page.locator(f'[data-conflict="{office.pk}"]')
    expect(conflict).to_be_visible()
    assert Inspection.objects.get(pk=office.pk).summary == "甲的记录"  # not overwritten
    shots(other.page, "field-conflict")
    # The second inspector keeps theirs, knowingly, on top of the first one's version.
    conflict.locator("[data-action=keep-mine]").click()
    other.sync()
    other.wait_synced()
    stored = Inspection.objects.get(pk=office.pk)
    assert stored.summary == "乙的记录" and stored.version == 2
    assert count("result.save") == 2


def test_the_app_is_installable(live_server, agreed, phones):
    phone = phones("inspector")
    # Chromium's own verdict: manifest, icons, service worker, secure origin.
    cdp = phone.context.new_cdp_session(phone.page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito profiles, where nothing is ever installed.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = phone.page.request.get(live_server.url + reverse("field:manifest")).json()
    assert manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_offline_really_is_offline_for_the_service_worker(agreed, phones):
    """What makes the reload above meaningful: with the network cut, the service worker's own
    requests fail too, so a page that opens came from its cache."""
    phone = phones("inspector")
    phone.offline()
    response = phone.page.reload()
    assert response is not None and response.from_service_worker
    phone.page.evaluate("() => caches.keys().then(keys => Promise.all("
                        "keys.map(key => caches.delete(key))))")
    with pytest.raises(Exception, match=r"ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        phone.page.reload()
    phone.errors.clear()


def test_a_phone_handed_to_another_user_sends_the_first_users_changes_as_theirs(
        agreed, world, phones):
    office = agreed.office_result
    phone = phones("inspector")
    phone.download()
    phone.offline()
    phone.open_visit()
    phone.fill(office, summary="交接前的记录")
    phone.home()
    # Back in signal, but the sync does not get through before the phone changes hands.
    phone.page.route("**/api/v1/field/sync/", lambda route: route.abort("connectionreset"))
    phone.offline(False)
    expect(phone.page.locator("#message.fmsg-error")).to_be_visible()
    assert phone.pending() == 1
    phone.page.unroute("**/api/v1/field/sync/")
    phone.context.clear_cookies()
    phone.sign_in("other_inspector")
    # The first inspector's change went with their own key, then the phone forgot them.
    expect(phone.page.locator("#app[data-ready]")).to_have_count(1)
    stored = Inspection.objects.get(pk=office.pk)
    assert stored.summary == "交接前的记录" and stored.entered_by == world.users["inspector"]
    expect(phone.page.locator("[data-visit]")).to_have_count(0)
    phone.download()  # the new user's own day, with a key of their own
    assert phone.page.locator("[data-pending]").get_attribute("data-pending") == "0"
    assert FieldSession.objects.filter(user=world.users["other_inspector"]).count() == 1


def test_the_office_revokes_a_lost_phone_and_the_phone_is_told_why(
        live_server, agreed, world, shots, phones):
    phone = phones("inspector")
    phone.download()
    office = phones("office")
    office.page.goto(live_server.url + reverse("field:phones"))
    row = office.page.locator("tr[data-session]")
    expect(row).to_have_count(1)
    shots(office.page, "field-phones")
    row.locator("input[name=reason]").fill("手机遗失")
    with office.page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(office.page.locator("tr[data-session] .badge.bad")).to_have_count(1)
    # The phone, with its changes, is refused and says why.
    phone.offline()
    phone.open_visit()
    phone.fill(agreed.office_result, summary="遗失后的记录")
    phone.home()
    phone.offline(False)
    expect(phone.page.locator("#message.fmsg-error")).to_contain_text("手机遗失")
    expect(phone.page.locator("#signin")).to_be_visible()
    assert Inspection.objects.get(pk=agreed.office_result.pk).version == 0
    assert phone.pending() == 1  # kept on the phone, nothing lost
