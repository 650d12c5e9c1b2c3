"""Payloads of the publication API's lines in tests/api/test_permission_matrix.py.

Each runs inside the matrix test's savepoint, before the request: it approves (and, where the
route needs one, publishes) the office's result of the drawn task, so the statuses compare
roles on a real publication, then the savepoint rolls it back.
"""

from datetime import date
from typing import Any

from shuangsuiji.inspections.models import Inspection
from shuangsuiji.publication import services


def _approved(w: Any) -> Inspection:
    pk = w.tasks.ids()["result"]
    Inspection.objects.filter(pk=pk).update(state="approved", inspected_on=date(2026, 12, 10),
                                              categories=["no_problem"])
    return Inspection.objects.get(pk=pk)


def publish_input(w: Any) -> dict[str, Any]:
    return {"results": [_approved(w).pk]}


def published(w: Any) -> dict[str, Any]:
    services.result_publish(actor=w.user("office"), inspection=_approved(w))
    return {}


def withdraw_input(w: Any) -> dict[str, Any]:
    return published(w) | {"reason": "企业提出异议，复核中"}


def batch_input(w: Any) -> dict[str, Any]:
    published(w)
    return {"channel": "national", "format": "csv", "organisation": w.world.office.pk}
