"""The crawl: on the demo world, as every account the demo creates and as the public, follow
every link the pages show (bounded) and require that none answers a server error, and that no
link shown to a user answers them 403 or 404: a page offers only what its reader may open."""

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation

from shuangsuiji.accounts.models import User
from shuangsuiji.demo.builder import demo_usernames, load_world

from .crawl import Crawl, crawl

pytestmark = pytest.mark.django_db
LIMIT = 400  # pages per account
STARTS = ["/", "/public/"]


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo built once for the module and rolled back at its end (as tests/test_demo.py)."""
    block = transaction.atomic()
    block._from_testcase = True  # the durable draw may run inside, as in Django's TestCase
    with django_db_blocker.unblock(), block:
        with translation.override("en"), override_settings(DEBUG=True):
            call_command("demo", stdout=StringIO())
        yield load_world()
        transaction.set_rollback(True)


def accounts(world: dict) -> list[str]:
    """Every account of the demo, read from its data: a role added there is crawled too."""
    names = demo_usernames(world)
    if os.environ.get("SHUANGSUIJI_CRAWL_ONLY"):  # when looking into one account's pages
        names &= set(os.environ["SHUANGSUIJI_CRAWL_ONLY"].split(","))
    return sorted(User.objects.filter(username__in=names).values_list("username", flat=True))


def crawl_as(username: str | None) -> Crawl:
    client = Client(raise_request_exception=False)
    if username is not None:
        client.force_login(User.objects.get(username=username))
    return crawl(client, STARTS, limit=LIMIT)


@pytest.fixture(scope="module")
def crawls(demo_world, django_db_blocker) -> dict[str, Crawl]:
    out = {}
    with django_db_blocker.unblock():
        for username in [*accounts(demo_world), None]:
            started = time.monotonic()
            out[username or "(public)"] = result = crawl_as(username)
            result.seconds = time.monotonic() - started
    return out


def test_it_crawls_every_demo_account_and_the_public(demo_world, crawls):
    printed = {row["username"] for row in demo_world["users"]}
    assert printed <= set(crawls)
    assert "(public)" in crawls
    # Each signed-in account sees more than the home page; the public more than its index.
    for who, result in crawls.items():
        assert len(result.visits) > 3, who


def test_no_page_answers_a_server_error_and_no_link_is_refused(crawls):
    problems = {who: result.problems() for who, result in crawls.items() if result.problems()}
    assert problems == {}


def test_every_html_page_has_the_content_security_policy(crawls):
    missing = [f"{who}: {v.url}" for who, result in crawls.items() for v in result.visits
               if v.status == 200 and v.content_type.startswith("text/html") and not v.csp]
    assert missing == []


def test_it_stays_within_its_bounds(crawls):
    # Printed so a slow page shows up in CI's log; the bound keeps the crawl finite.
    for who, result in crawls.items():
        slowest = max(result.visits, key=lambda v: v.seconds)
        print(f"{who}: {len(result.visits)} pages ({result.skipped} links of a shape seen "
              f"enough skipped) in {result.seconds:.1f} s"
              + (" (bound reached)" if result.truncated else "")
              + f", slowest {slowest.url} {slowest.seconds:.2f} s")
        assert len(result.visits) <= LIMIT
