"""年度报告备案: the office files its year's report with the city from its dashboard; the
report is kept as filed (its SHA-256 in the audit entry), once a year; the city lists and signs
for it; nobody else files, signs, or reads another organisation's filing."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.oversight import filings, views
from shuangsuiji.oversight.models import ReportFiling
from tests.conftest import make_user
from tests.oversight.conftest import TODAY

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def as_of(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(views, "today", lambda: TODAY)
    settings.STORAGES = settings.STORAGES | {"default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(world) -> ReportFiling:
    office = _client(world.users["office"])
    response = office.post(reverse("oversight:report_file") + "?year=2026", **ZH)
    assert response.status_code == 302
    return ReportFiling.objects.get()


def test_the_office_files_and_the_city_signs(world, known):
    filing = _file(world)
    assert filing.organisation == world.office and filing.year == 2026
    stored = filing.file.open("rb").read()
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == filing.sha256
    entry = AuditEvent.objects.get(action="report.file")
    assert entry.data["sha256"] == filing.sha256 and entry.organisation_id == world.office.pk
    page = _client(world.users["office"]).get(reverse("oversight:dashboard") + "?year=2026",
                                              **ZH).content.decode()
    assert "2026-12" in page and reverse("oversight:filing_pdf", args=[filing.pk]) in page
    city = _client(make_user("city", Role.CITY, None))
    listed = city.get(reverse("oversight:filings"), **ZH).content.decode()
    assert world.office.name in listed and filing.sha256[:16] in listed
    download = city.get(reverse("oversight:filing_pdf", args=[filing.pk]))
    assert b"".join(download.streaming_content) == stored
    city.post(reverse("oversight:filing_receive", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.received_at is not None
    assert AuditEvent.objects.filter(action="report.filing_received").count() == 1
    city.post(reverse("oversight:filing_receive", args=[filing.pk]))  # twice: refused
    assert AuditEvent.objects.filter(action="report.filing_received").count() == 1


def test_filed_once_a_year(world, known):
    _file(world)
    again = _client(world.users["office"]).post(
        reverse("oversight:report_file") + "?year=2026", follow=True, **ZH)
    assert "已报送" in again.content.decode() or "already" in again.content.decode()
    assert ReportFiling.objects.count() == 1
    with pytest.raises(ValidationError):
        filings.report_file_with_city(actor=world.users["office"], organisation=world.office,
                                      year=2026, pdf=b"%PDF-1.7 other")
    assert ReportFiling.objects.get().file.open("rb").read() != b"%PDF-1.7 other"


def test_nobody_else_files_or_signs(world, known):
    for role in ("section", "leader", "inspector"):
        response = _client(world.users[role]).post(reverse("oversight:report_file")
                                                   + "?year=2026")
        assert response.status_code in {403, 404}
    with pytest.raises(PermissionDenied):
        filings.report_file_with_city(actor=world.users["partner"], organisation=world.office,
                                      year=2026, pdf=b"%PDF")
    assert not ReportFiling.objects.exists()
    filing = _file(world)
    for role in ("office", "leader"):
        with pytest.raises(PermissionDenied):
            filings.report_receive_filing(actor=world.users[role], filing=filing)


def test_another_organisation_never_reads_it(world, known):
    filing = _file(world)
    market = Department.objects.create(code="SJJ", name="晋城市市场监督管理局",
                                       kind=DepartmentKind.OFFICE)
    stranger = _client(make_user("sjj.office", Role.OFFICE, market))
    assert stranger.get(reverse("oversight:filing_pdf", args=[filing.pk])).status_code == 404
    assert world.office.name.encode() not in stranger.get(reverse("oversight:filings")).content
    assert stranger.post(reverse("oversight:filing_receive", args=[filing.pk])).status_code == 404
    for role in ("inspector", "section"):
        client = _client(world.users[role])
        assert client.get(reverse("oversight:filings")).status_code == 403
        assert client.get(reverse("oversight:filing_pdf", args=[filing.pk])).status_code == 404
