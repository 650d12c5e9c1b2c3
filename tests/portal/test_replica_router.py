"""The read replica's rules (config/db_router.py), one by one; test_read_replica.py runs them
against a real streaming replica."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache.backends.db import DatabaseCache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.config.db_router import (
    REPLICA,
    REPLICA_PATHS,
    ReplicaRouter,
    _reading,
    _Reads,
    replica_reads,
)
from shuangsuiji.credit.models import Complaint
from shuangsuiji.publication.models import PublishedResult

ROOT = Path(__file__).resolve().parent.parent.parent


def test_reads_go_to_the_replica_only_inside_a_marked_request():
    router = ReplicaRouter()
    assert router.db_for_read(PublishedResult) == "default"
    with replica_reads():
        assert router.db_for_read(PublishedResult) == REPLICA
        assert router.db_for_read(Department) == REPLICA
        assert router.db_for_write(PublishedResult) == "default"
    assert router.db_for_read(PublishedResult) == "default"


def test_the_visitors_own_state_is_always_read_from_the_primary():
    """Read stale, it would be written back over the fresh row (a session), let requests
    past a throttle (the cache table) or show a signed-out user signed in."""
    router = ReplicaRouter()
    cache_entry = DatabaseCache("shuangsuiji_cache", {}).cache_model_class
    with replica_reads():
        for model in (Session, User, Token, AccessAttempt, cache_entry):
            assert router.db_for_read(model) == "default", model
        # Writing the session or a throttle slot is not a write of the page's data: the
        # page's own reads stay on the replica.
        router.db_for_write(Session)
        router.db_for_write(cache_entry)
        assert router.db_for_read(PublishedResult) == REPLICA


def test_a_read_after_a_write_in_the_same_request_reads_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(Complaint) == "default"
        assert router.db_for_read(Complaint) == "default"
        assert router.db_for_read(PublishedResult) == "default"
    with replica_reads():  # the next request starts afresh
        assert router.db_for_read(PublishedResult) == REPLICA


@pytest.mark.django_db
def test_reads_inside_a_transaction_read_the_primary():
    # As a service reads inside its transaction.
    from django.db import connection, transaction

    with transaction.atomic():
        assert connection.in_atomic_block
        with replica_reads():
            assert ReplicaRouter().db_for_read(PublishedResult) == "default"


def test_migrations_never_run_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "publication") is False
    assert router.allow_migrate("default", "publication") is True
    assert router.allow_relation(PublishedResult(), Department()) is True


def _routes(patterns, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            found.append(("/" + (prefix + str(p.pattern)).replace("^", ""), p.callback))
    return found


def test_only_the_public_portal_and_public_api_are_under_the_replica_paths():
    """A staff page put under /public/ would read the replica: nothing but the portal's."""
    assert reverse("portal:index").startswith(REPLICA_PATHS)
    assert reverse("portal:complaint_status").startswith(REPLICA_PATHS)
    assert reverse("public-result-list").startswith(REPLICA_PATHS)
    assert reverse("public-anchor-list").startswith(REPLICA_PATHS)
    under = [(route, view) for route, view in _routes(get_resolver().url_patterns)
             if route.startswith(REPLICA_PATHS)]
    assert len(under) > 20
    for route, view in under:
        module = getattr(view, "__module__", "")
        assert module.startswith("shuangsuiji.portal."), (route, module)


def test_without_a_replica_nothing_changes():
    if os.environ.get("DATABASE_REPLICA_URL"):
        pytest.skip("a replica is configured for this run")
    assert REPLICA not in settings.DATABASES
    assert not getattr(settings, "DATABASE_ROUTERS", [])
    assert not [m for m in settings.MIDDLEWARE if "db_router" in m]


def test_a_replica_needs_a_postgresql_primary():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    env |= {"DJANGO_DEBUG": "1", "DATABASE_URL": "sqlite:///unused.sqlite3",
            "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5433/shuangsuiji"}
    done = subprocess.run([sys.executable, "-c", "import shuangsuiji.config.settings"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL" in done.stderr


def test_a_streamed_response_is_read_under_its_requests_rule():
    """A large draw record is read as it is sent, after the middleware has returned."""
    def record():
        for _ in range(2):
            yield ReplicaRouter().db_for_read(PublishedResult).encode()

    assert list(_reading(_Reads(), record())) == [b"replica", b"replica"]
    assert list(_reading(_Reads(wrote=True), record())) == [b"default", b"default"]
    assert list(record()) == [b"default", b"default"]  # outside a request's rule
