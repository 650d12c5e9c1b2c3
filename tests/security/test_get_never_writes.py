"""Reading is not writing: no inspections page or API answer to a GET changes the database.

The attack: open pages (any role, any link) and let them write rows that no audit entry
covers. Until the draw made the visits, opening "my tasks" or a task's progress made the
visits, result sheets and checklist lines of its targets. Every row of every table is
compared before and after GETting every page of the inspections app (each of its URL
names, so a new page cannot be left out) and its API lists and details, as each role.
"""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.draws.services import draw_replace
from shuangsuiji.inspections import services
from shuangsuiji.inspections import urls as inspection_urls
from shuangsuiji.inspections.models import Inspection, ItemFinding, Visit
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401 fixtures
from tests.inspections.test_results import jpeg, png

pytestmark = pytest.mark.django_db


def _names(patterns) -> set[str]:
    names = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            names |= _names(p.url_patterns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(p.name)
    return names


# Sign-in bookkeeping, not the data: the idle timeout stamps the session on every request
# (core.middleware.SessionTimeoutMiddleware), and a sign-in is recorded by the lockout.
BOOKKEEPING = {"sessions.Session", "axes.AccessLog", "axes.AccessAttempt",
               "axes.AccessFailureLog"}


def _snapshot() -> dict[str, list]:
    """Every row of every table (many-to-many tables too), in key order."""
    return {model._meta.label: list(model._base_manager.order_by("pk").values_list())
            for model in apps.get_models(include_auto_created=True)
            if model._meta.label not in BOOKKEEPING}


def _replace_one(world, task, keep=None) -> DrawnTarget:
    """A target in force replaced: the last one other than `keep` (the fixture's visit's,
    whose result the tests fill in; which one is last depends on the draw's random seed)."""
    out = (task.draw.targets.filter(replaced_at__isnull=True).exclude(pk=keep)
           .order_by("pk").last())
    return draw_replace(actor=world.users["office"], task=task, ident=out.ident,
                        reason="企业已注销，无法检查")


@pytest.fixture
def busy_task(world, drawn_task):  # noqa: F811 fixture
    """A drawn task with a replacement, a result with evidence, a signature and a
    follow-up: something behind every link."""
    incoming = _replace_one(world, drawn_task.task, keep=drawn_task.visit.drawn_target_id)
    result = drawn_task.office_result
    inspector = world.users["inspector"]
    evidence = services.evidence_add(
        actor=inspector, inspection=result, kind="photo",
        upload=SimpleUploadedFile("现场照片.jpg", jpeg(), content_type="image/jpeg"))
    signature = services.signature_add(actor=inspector, inspection=result,
                                       role="representative", name="王经理", png=png())
    Inspection.objects.filter(pk=result.pk).update(categories=["pending"],
                                                   inspected_on=date(2026, 11, 2))
    result.refresh_from_db()
    follow_up = services.follow_up_create(
        actor=world.users["office"], inspection=result, kind="rectify",
        owner=world.users["office"], due_on=date(2026, 12, 20), notes="限期整改",
        rectify_by=date(2026, 12, 1))
    return drawn_task, incoming, evidence, signature, follow_up


def _urls(busy) -> dict[str, list[str]]:
    """Every inspections page by its URL name, and the API's lists and details."""
    drawn, incoming, evidence, signature, follow_up = busy
    task, visit, result = drawn.task, drawn.visit, drawn.office_result
    new_visit = Visit.objects.get(drawn_target=incoming)

    def r(name, *args):
        return reverse(f"inspections:{name}", args=args)

    pages = {
        "mine": [r("mine")], "review_queue": [r("review_queue")],
        "violation_categories": [r("violation_categories")], "followups": [r("followups")],
        "overdue": [r("overdue")], "task": [r("task", task.pk)],
        "claim": [r("claim", task.pk)],
        "evidence": [r("evidence", evidence.pk)],
        "signature_file": [r("signature_file", signature.pk)],
        "followup_new": [r("followup_new", result.pk)],
    }
    for name in ("visit", "schedule", "inform", "checklist", "checklist_pdf", "notice",
                 "notice_pdf"):
        pages[name] = [r(name, v.pk) for v in (visit, new_visit)]
    for name in ("result", "evidence_upload", "signature", "submit", "review"):
        pages[name] = [r(name, res.pk) for res in (result, drawn.fire_result)]
    for name in ("followup", "followup_recheck", "followup_penalty", "followup_close"):
        pages[name] = [r(name, follow_up.pk)]
    pages["api"] = ["/api/v1/results/", f"/api/v1/results/{result.pk}/",
                    f"/api/v1/results/{drawn.fire_result.pk}/", "/api/v1/visits/",
                    f"/api/v1/visits/{visit.pk}/", f"/api/v1/visits/{new_visit.pk}/"]
    return pages


def test_it_writes_nothing_when_any_role_gets_any_inspections_page(world, busy_task):
    pages = _urls(busy_task)
    assert _names(inspection_urls.urlpatterns) <= set(pages), "a page is not in this test"
    clients = {}
    for role, user in world.users.items():  # logged in first: a login writes its session
        clients[role] = Client()
        clients[role].force_login(user)
    before = _snapshot()
    answered = set()
    for role, client in clients.items():
        for urls in pages.values():
            for url in urls:
                response = client.get(url)
                assert response.status_code < 500, (role, url)
                answered.add(response.status_code)
        changed = [label for label, rows in _snapshot().items() if rows != before[label]]
        assert not changed, f"GETs as {role} changed {changed}"
    assert 200 in answered  # the pages were read, not only refused


def test_it_makes_the_visits_at_the_draw_and_says_so_in_its_audit_entry(world,
                                                                         drawn_task):  # noqa: F811
    task = drawn_task.task
    in_force = DrawnTarget.objects.filter(task=task, replaced_at__isnull=True)
    assert in_force.count() >= 2
    assert Visit.objects.filter(task=task).count() == in_force.count()
    # Each department's result sheet, with its checklist: the office two items, the fire one.
    sheets = Inspection.objects.filter(visit__task=task)
    assert sheets.count() == 2 * in_force.count()
    assert ItemFinding.objects.filter(inspection__visit__task=task).count() == \
        3 * in_force.count()
    entry = AuditEvent.objects.get(action="draw.execute", object_id=str(task.pk))
    assert entry.data["visits_created"] == in_force.count()

    incoming = _replace_one(world, task)
    visit = Visit.objects.get(drawn_target=incoming)
    assert visit.inspections.count() == 2
    entry = AuditEvent.objects.filter(action="draw.replace").latest("pk")
    assert entry.data["visits_created"] == 1 and entry.data["entry"]["in"] == incoming.ident


def test_it_makes_once_the_visits_an_earlier_draw_is_missing(world, drawn_task):  # noqa: F811
    """The data migration for draws made when pages made the visits."""
    task = drawn_task.task
    incoming = _replace_one(world, task)
    expected = Visit.objects.filter(task=task).count()
    # As before the change: the replacement's target has no visit yet.
    ItemFinding.objects.filter(inspection__visit__drawn_target=incoming).delete()
    Inspection.objects.filter(visit__drawn_target=incoming).delete()
    Visit.objects.filter(drawn_target=incoming).delete()
    migration = importlib.import_module(
        "shuangsuiji.inspections.migrations.0002_visits_of_earlier_draws")
    migration.make_missing_visits(apps, None)
    assert Visit.objects.filter(task=task).count() == expected
    assert Visit.objects.get(drawn_target=incoming).inspections.count() == 2
    migration.make_missing_visits(apps, None)  # once: nothing more the second time
    assert Visit.objects.filter(task=task).count() == expected
    assert Inspection.objects.filter(visit__task=task).count() == 2 * expected
