"""The pages of benchmarks/load.py one at a time, in-process: SQL queries and time per page.

    .venv/bin/python benchmarks/load.py --queries [--profile /inspections/mine/]

Under DEBUG (Django keeps every query of the connection), signed in as the same kinds of user
as the load's, each page once warm: the number of queries, their total time and the slowest
one, and the page's time. With --profile, pyinstrument's tree of the named page.
"""

import time
from typing import Any


def _pages() -> list[tuple[str, Any, str, dict[str, Any] | None]]:
    """(label, user, path, POST data or None) for each kind of page of the load."""
    from shuangsuiji.accounts.models import User
    from shuangsuiji.draws.models import Assignment
    from shuangsuiji.inspections.models import Inspection
    from shuangsuiji.publication.models import PublishedResult

    current = (Assignment.objects.filter(task__code="LB-2026-09")
               .select_related("inspector__user", "drawn_target__visit").order_by("pk").first())
    inspector = current.inspector.user
    visit = current.drawn_target.visit
    result = Inspection.objects.filter(visit=visit).first()
    clerk = User.objects.get(username="lb-clerk-001")
    waiting = Inspection.objects.filter(state="submitted").order_by("submitted_at").first()
    target = visit.drawn_target.target
    published = PublishedResult.objects.order_by("-id").first()
    save = {"inspected_on": "2026-11-20", "methods": ["on_site"], "categories": ["no_problem"],
            "conduct": "", "summary": "现场检查未发现问题"}
    for finding in result.findings.all():
        save[f"outcome_{finding.item_id}"] = "compliant"
        save[f"note_{finding.item_id}"] = ""
    pages = [
        ("home (inspector)", inspector, "/", None),
        ("my tasks", inspector, "/inspections/mine/", None),
        ("a visit", inspector, f"/inspections/visits/{visit.pk}/", None),
        ("a checklist", inspector, f"/inspections/results/{result.pk}/", None),
        ("save a checklist", inspector, f"/inspections/results/{result.pk}/", save),
        ("home (clerk)", clerk, "/", None),
        ("directory by name", clerk, "/targets/?q=兴达鑫源", None),
        ("directory by code", clerk, f"/targets/?q={target.uscc[:11]}", None),
        ("a target", clerk, f"/targets/{target.pk}/", None),
        ("review queue", clerk, "/inspections/review/", None),
        ("a result to review", clerk, f"/inspections/results/{waiting.pk}/", None),
        ("portal search", None, "/public/results/?q=兴达", None),
    ]
    if published is not None:  # none until the past tasks are published (load_fill.results)
        pages += [("a published result", None, f"/public/results/{published.pk}/", None),
                  ("a credit file", None, f"/public/entities/{published.uscc}/", None)]
    return pages


def run(profile: str = "") -> None:
    from django.contrib.auth import authenticate
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    start = time.perf_counter()
    authenticate(username="lb-clerk-002", password="Bench-load-2026!")
    print(f"a sign-in's password check (PBKDF2): {(time.perf_counter() - start) * 1000:.0f} ms")
    with override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost"]):
        print(f"\n{'page':<22} {'status':>6} {'queries':>7} {'SQL ms':>7} {'page ms':>8}  "
              "slowest query")
        for label, user, path, data in _pages():
            client = Client(SERVER_NAME="localhost")
            if user is not None:
                client.force_login(user)
            def call(client=client, path=path, data=data):
                return client.post(path, data) if data else client.get(path)
            call()  # warm
            reset_queries()
            start = time.perf_counter()
            if profile and path.startswith(profile):
                from pyinstrument import Profiler

                with Profiler() as profiler:
                    response = call()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            else:
                response = call()
            elapsed = (time.perf_counter() - start) * 1000
            queries = connection.queries
            slowest = max(queries, key=lambda q: float(q["time"]), default=None)
            print(f"{label:<22} {response.status_code:>6} {len(queries):>7} "
                  f"{sum(float(q['time']) for q in queries) * 1000:>7.0f} {elapsed:>8.0f}  "
                  + (f"{float(slowest['time']) * 1000:.0f} ms {slowest['sql'][:100]}"
                     if slowest else ""))
