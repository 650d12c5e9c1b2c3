"""The printed documents of a visit (检查单, 检查告知书), their QR code, and the public page.

Uses the `drawn_task` of conftest.py: RFB (two items) and the fire rescue (one item), each
group of two officers, `inspector` and `other_inspector` in every group.
"""

import re
import shutil
import subprocess
from datetime import date

import pytest
import segno
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from shuangsuiji.accounts.choices import Role
from shuangsuiji.draws.models import Assignment, DrawnTarget
from shuangsuiji.draws.services import draw_replace
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.entities.models import Contact
from shuangsuiji.inspections.models import ScanRecord
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.models import InspectionTask
from tests.conftest import make_user
from tests.draws.conftest import make_inspector

from .test_results import fill

pytestmark = pytest.mark.django_db

DOCUMENTS = ("checklist", "checklist_pdf", "notice", "notice_pdf")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The scan de-duplication lives in the cache, which outlives each test's database.
    cache.clear()


@pytest.fixture
def phones(drawn_task):
    """Phone numbers in the directories, which the public page must never show."""
    numbers = []
    for n, a in enumerate(drawn_task.visit.drawn_target.assignments.select_related("inspector")):
        a.inspector.phone = f"1390000{n:04d}"
        a.inspector.save(update_fields=["phone"])
        numbers.append(a.inspector.phone)
    Contact.objects.create(target=drawn_task.visit.drawn_target.target, name="李经理",
                           position="经理", phone="13812345678")
    return [*numbers, "13812345678"]


def login(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def members(visit):
    return list(Assignment.objects.filter(drawn_target_id=visit.drawn_target_id,
                                          released_at__isnull=True)
                .select_related("inspector").prefetch_related("inspector__certificates"))


def poppler(tool: str, pdf: bytes) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} (poppler-utils) is needed to read the PDF"
    args = [path, "-", "-"] if tool == "pdftotext" else [path, "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


def svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) drawn by a segno SVG path: M/m moves, h dark runs."""
    path = re.search(r' d="([^"]+)"', svg)
    assert path, "no QR path in the SVG"
    dark, x, y = set(), 0.0, 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path.group(1)):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(y), int(x) + i) for i in range(int(float(a)))}
            x += float(a)
    return dark


def qr_modules(url: str, border: int = 2) -> set[tuple[int, int]]:
    """The dark modules of the code for `url`, straight from segno (level M, as printed)."""
    matrix = segno.make(url, error="m", micro=False, boost_error=False).matrix
    return {(r + border, c + border) for r, row in enumerate(matrix)
            for c, bit in enumerate(row) if bit}


def test_it_prints_every_item_and_both_groups_on_one_checklist(client, world, drawn_task):
    visit, task = drawn_task.visit, drawn_task.task
    login(client, world.users["office"])
    page = client.get(reverse("inspections:checklist", args=[visit.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    target = visit.drawn_target.target
    assert task.code in body and task.name in body
    assert target.name in body and target.uscc in body
    items = [i for p in task.participants.all() for i in p.items.all()]
    assert len(items) == 3  # RF-01, RF-02 of the office; XF-01 of the fire rescue
    for item in items:
        assert item.code in body and item.matter in body
    assert body.count("《中华人民共和国人民防空法》第二十二条") == 3  # every line has its basis
    group = members(visit)
    assert {a.department_id for a in group} == {world.office.pk, world.fire.pk}
    for a in group:
        assert a.inspector.name in body
        assert f"CERT-{a.inspector.code}" in body
    # The initiating department's part comes first, then the cooperating one's.
    assert body.index("Initiating department") < body.index("Cooperating department")
    assert body.index("RF-02") < body.index("XF-01")
    # Three result boxes per line, a signature row per inspector, and the seal box.
    assert body.count('class="box"') == 3 * 3
    assert body.count('class="seal"') == 1


def test_it_ticks_the_outcomes_a_user_may_see(client, world, drawn_task):
    visit, office_result = drawn_task.visit, drawn_task.office_result
    item = office_result.findings.order_by("item__code").first().item
    fill(office_result, world.users["inspector"], categories=["corrected"],
         findings={f.item_id: ("non_compliant" if f.item_id == item.pk else "compliant",
                               "消防通道堵塞，已责令改正" if f.item_id == item.pk else "")
                   for f in office_result.findings.all()})
    url = reverse("inspections:checklist", args=[visit.pk])
    body = login(client, world.users["office"]).get(url).content.decode()
    assert body.count('class="box on"') == 2 and "消防通道堵塞，已责令改正" in body
    blank = client.get(url + "?blank=1").content.decode()
    assert 'class="box on"' not in blank and "消防通道堵塞" not in blank
    # A cooperating organisation does not see the office's result, so nothing is ticked.
    partner = login(client, world.users["partner"]).get(url).content.decode()
    assert 'class="box on"' not in partner and "消防通道堵塞" not in partner


def test_it_renders_both_documents_as_a4_pdfs_with_chinese_text(client, world, drawn_task):
    visit, task = drawn_task.visit, drawn_task.task
    login(client, world.users["inspector"])
    for name in ("checklist_pdf", "notice_pdf"):
        response = client.get(reverse(f"inspections:{name}", args=[visit.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert visit.drawn_target.ident in response["Content-Disposition"]
        assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)",
                         poppler("pdfinfo", response.content))
        text = "".join(poppler("pdftotext", response.content).split())
        assert visit.drawn_target.target.name in text  # real text, in a CJK font
        assert task.code in text
        for a in members(visit):
            assert a.inspector.name in text and f"CERT-{a.inspector.code}" in text


def test_it_prints_the_qr_code_of_the_public_page(client, world, drawn_task):
    visit = drawn_task.visit
    expected = f"http://testserver/v/{visit.token}/"
    login(client, world.users["office"])
    for name in ("checklist", "notice"):
        body = client.get(reverse(f"inspections:{name}", args=[visit.pk])).content.decode()
        svg = re.search(r'<svg[^>]*class="qr".*?</svg>', body, re.S)
        assert svg, f"no QR code on the {name}"
        # Reading the code back module by module gives the code of the public page's URL.
        assert svg_modules(svg.group(0)) == qr_modules(expected)
        assert svg_modules(svg.group(0)) != qr_modules(expected.replace(visit.token, "x"))
    assert expected in client.get(reverse("inspections:checklist", args=[visit.pk])
                                  ).content.decode()  # printed in clear beside the code


def test_the_notice_tells_the_date_the_materials_and_the_contact(client, world, drawn_task,
                                                                  phones):
    visit = drawn_task.visit
    url = reverse("inspections:notice", args=[visit.pk])
    body = login(client, world.users["office"]).get(url).content.decode()
    assert "Business licence" in body  # the default list when none was agreed
    assert "The inspection will take place on" in body and "refuse, obstruct" in body
    first = min((a for a in members(visit) if a.department_id == world.office.pk),
                key=lambda a: a.position)
    assert first.inspector.name in body and first.inspector.phone in body
    assert world.office.name in body and world.fire.name in body
    visit.agreed_date, visit.materials = date(2026, 10, 20), "营业执照副本\n\n消防安全管理制度\n"
    visit.save()
    body = client.get(url).content.decode()
    with translation.override("en"):
        assert date_format(visit.agreed_date) in body
    assert "<li>营业执照副本</li>" in body and "<li>消防安全管理制度</li>" in body
    assert "Business licence" not in body


def test_the_public_page_needs_no_login_and_records_the_scan(client, world, drawn_task, phones):
    visit, task = drawn_task.visit, drawn_task.task
    target = visit.drawn_target.target
    url = reverse("visit_public", args=[visit.token])
    assert url == f"/v/{visit.token}/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="Mozilla/5.0 手机",
                          REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This inspection is genuine" in body
    assert task.code in body and task.name in body and target.name in body
    assert world.office.name in body and world.fire.name in body
    for p in task.participants.all():
        for item in p.items.all():
            assert item.matter in body
    for a in members(visit):
        assert a.inspector.name in body and f"CERT-{a.inspector.code}" in body
    # Nothing internal: no phone, no credit-risk class, no ticket, no other target.
    for number in phones:
        assert number not in body
    assert target.risk_class
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert str(RiskClass(target.risk_class).label) not in body
    assert "risk" not in body.lower()
    assert visit.drawn_target.ticket not in body
    others = DrawnTarget.objects.filter(task=task).exclude(pk=visit.drawn_target_id)
    assert others.exists()
    for other in others.select_related("target"):
        assert other.target.name not in body and other.ident not in body
    assert response["Cache-Control"] == "no-store"
    scan = ScanRecord.objects.get(visit=visit)
    assert scan.user_agent == "Mozilla/5.0 手机"
    assert scan.client_hash and "203.0.113.7" not in scan.client_hash
    # A reload from the same phone is the same scan; another phone is another.
    client.get(url, HTTP_USER_AGENT="Mozilla/5.0 手机", REMOTE_ADDR="203.0.113.7")
    assert ScanRecord.objects.filter(visit=visit).count() == 1
    client.get(url, HTTP_USER_AGENT="Mozilla/5.0 手机", REMOTE_ADDR="198.51.100.4")
    assert ScanRecord.objects.filter(visit=visit).count() == 2


def test_an_unknown_token_is_404(client, drawn_task):
    assert client.get(reverse("visit_public", args=["x" * 24])).status_code == 404
    assert not ScanRecord.objects.exists()


def test_the_code_of_a_replaced_target_is_no_longer_valid(client, world, drawn_task):
    visit = drawn_task.visit
    draw_replace(actor=world.users["office"], task=drawn_task.task,
                 ident=visit.drawn_target.ident, reason="已注销，无法检查")
    body = client.get(reverse("visit_public", args=[visit.token]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This code is no longer valid" in body and "genuine" not in body
    for a in Assignment.objects.filter(drawn_target_id=visit.drawn_target_id):
        assert a.inspector.name not in body  # a stale code must not vouch for anyone
    assert ScanRecord.objects.filter(visit=visit).count() == 1  # kept: someone showed it


def test_the_code_of_a_closed_task_is_no_longer_valid(client, drawn_task):
    url = reverse("visit_public", args=[drawn_task.visit.token])
    assert "genuine" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    InspectionTask.objects.filter(pk=drawn_task.task.pk).update(state=TaskState.CLOSED)
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This code is no longer valid" in body and "genuine" not in body


def test_only_those_who_may_see_the_visit_get_its_documents(client, world, drawn_task):
    visit = drawn_task.visit
    urls = [reverse(f"inspections:{name}", args=[visit.pk]) for name in DOCUMENTS]
    for url in urls:  # anonymous: to the login page
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    # An inspector of the office who is in none of this visit's groups.
    stranger = make_user("stranger", Role.INSPECTOR, world.engineering)
    inspector = make_inspector(world.engineering, "RFB-E9", valid_to=date(2099, 12, 31))
    inspector.user = stranger
    inspector.save(update_fields=["user"])
    for who in (stranger, world.users["expert"]):
        login(client, who)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
    for role in ("inspector", "other_inspector", "partner", "office"):
        login(client, world.users[role])
        assert client.get(urls[0]).status_code == 200, role
        assert client.get(urls[2]).status_code == 200, role


def test_released_members_leave_the_documents(client, world, drawn_task):
    """A member replaced in the group no longer appears, and no longer gets the documents."""
    visit = drawn_task.visit
    mine = Assignment.objects.get(drawn_target_id=visit.drawn_target_id,
                                  inspector__user=world.users["inspector"])
    Assignment.objects.filter(pk=mine.pk).update(released_at=timezone.now())
    login(client, world.users["office"])
    body = client.get(reverse("inspections:checklist", args=[visit.pk])).content.decode()
    assert mine.inspector.name not in body
    login(client, world.users["inspector"])
    assert client.get(reverse("inspections:notice", args=[visit.pk])).status_code == 404


def test_the_qr_code_carries_the_public_address_when_one_is_set(client, world, drawn_task,
                                                                 settings):
    from shuangsuiji.inspections import qr

    settings.SHUANGSUIJI_PUBLIC_URL = "https://sjsj.jcrfb.gov.cn/"
    client.force_login(world.users["inspector"])
    page = client.get(reverse("inspections:notice", args=[drawn_task.visit.pk]))
    url = f"https://sjsj.jcrfb.gov.cn/v/{drawn_task.visit.token}/"
    assert page.context["public_url"] == url
    assert str(qr.svg(url)) in page.content.decode()
