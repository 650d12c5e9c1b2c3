"""Browser tests: Playwright's sync API driving Debian's chromium against the live server.

Skipped only when /usr/bin/chromium is missing (CI installs it). Screenshots are saved when
SHUANGSUIJI_SHOTS names a directory, at a desktop and a phone width.

    SHUANGSUIJI_SHOTS=/tmp/shots pytest tests/browser
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from tests.field.conftest import agreed  # noqa: F401
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(transactional_db, allow_audit_flush, live_server) -> Iterator[object]:
    """A headless chromium; the database is the live server's (transactional), and the ORM
    may be used from the test thread although Playwright runs an event loop in it.

    The live server comes after the test database, so it stops (closing its connections)
    before the database is dropped: PostgreSQL refuses to drop a database in use."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox"])
            try:
                yield chromium
            finally:
                chromium.close()
                # The test's own queries ran while Playwright's loop was current: their
                # connection is closed here, or it would keep the test database in use.
                connections.close_all()
    finally:
        if old is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


class Shots:
    """Checks that a page fits a phone's width without scrolling sideways, and saves full-page
    screenshots at both widths into SHUANGSUIJI_SHOTS (none if it is unset)."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory) if directory else None
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str) -> None:
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            if self.directory:
                page.screenshot(path=str(self.directory / f"{name}-{label}.png"),
                                full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size(DESKTOP)
        assert width <= PHONE["width"], f"{name}: {width}px wide on a phone"


@pytest.fixture
def shots() -> Shots:
    return Shots(os.environ.get("SHUANGSUIJI_SHOTS", ""))
