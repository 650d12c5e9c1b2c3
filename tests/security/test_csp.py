"""The Content-Security-Policy: on every HTML page, scripts and styles only from this server's
static files, nothing inline, so markup injected into a page can neither run nor restyle it.
The crawl (test_crawl.py) checks the header on every page of the demo; these check the policy
itself, the templates, and that the pages still work in a browser under it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(settings.PACKAGE_DIR)
# Inline code and styles, as a template may write them.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]
# Rendered only into PDFs by WeasyPrint, never served as a page.
PDF_ONLY = {"oversight/templates/oversight/report_pdf.html",
            "oversight/templates/oversight/city_report_pdf.html"}
PDF_BLOCK = re.compile(r"\{% if for_pdf %\}<style>.*?</style>\{% endif %\}", re.S)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_no_template_writes_inline_script_or_style():
    found = []
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        name = str(path.relative_to(ROOT))
        if name in PDF_ONLY:
            continue
        text = PDF_BLOCK.sub("", path.read_text(encoding="utf-8"))
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


@pytest.mark.parametrize("role", ["admin", "office", "section", "inspector", "expert", "leader",
                                  "partner", None])
def test_every_role_gets_the_policy(world, client, role):
    if role:
        client.force_login(world.users[role])
    for url in ("/", "/public/", "/public/items/", "/calendar/", "/login/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        body = response.content.decode()
        assert not any(p.search(body) for p, _what in INLINE), url


def test_only_the_api_docs_allow_inline_styles_for_redoc(client, world):
    client.force_login(world.users["office"])
    policy = directives(client.get("/api/docs/")["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["worker-src"] == ["'self'", "blob:"]


def test_the_printed_documents_inline_their_styles_only_in_the_pdf(world, drawn_task, client):
    # The page links the stylesheet; the PDF (rendered without fetching) carries it inline.
    from shuangsuiji.draws.document import record_document
    from shuangsuiji.draws.models import DrawRecord

    client.force_login(world.users["office"])
    page = client.get(reverse("inspections:notice", args=[drawn_task.visit.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "<style" not in html
    assert "/static/shuangsuiji/documents/notice.css" in html and "data-print" in html
    task = drawn_task.task
    pdf_html = record_document(user=world.users["office"], task=task,
                               draw=DrawRecord.objects.get(task=task), for_pdf=True)
    assert "<style>" in pdf_html and "@bottom-center" in pdf_html
    assert "<link" not in pdf_html and "<script" not in pdf_html


@pytest.mark.browser
def test_the_pages_with_scripts_work_under_the_policy(browser, live_server, drawn_task, world):
    """Redoc, the draw record's print page and the public verifier, in chromium: nothing
    blocked (Chromium reports each blocked script or style on the console)."""
    from playwright.sync_api import expect

    from tests.browser.conftest import DESKTOP

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    blocked: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(live_server.url + reverse("portal:verify") + f"?task={drawn_task.task.code}")
    page.click("#record-fetch")
    expect(page.locator("#verify-result")).to_have_attribute("data-state", "ok")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": _session(world.users["office"])}])
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator("#redoc-container, redoc").first).to_contain_text("API", timeout=30_000)
    page.goto(live_server.url + reverse("draws:print", args=[drawn_task.task.pk]))
    expect(page.locator("button[data-print]")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    context.close()
    # The one thing refused is what the policy is there to refuse: Redoc's logo from its CDN.
    assert [m for m in blocked if "https://cdn.redoc.ly/" not in m] == []


def _session(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
