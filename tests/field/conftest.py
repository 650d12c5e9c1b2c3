"""The drawn joint task of tests/inspections, its first visit agreed for AGREED, and phones:
a client holding a field key for a user."""

import json
import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client

from shuangsuiji.inspections import services as inspections
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401 fixtures

AGREED = date(2026, 10, 21)


class Phone:
    """A signed-in user's phone with its field key (sent as `Authorization: Field …`)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.web.force_login(user)
        answer = self.web.post("/api/v1/field/sessions/", {"device": "test phone"},
                               content_type="application/json")
        assert answer.status_code == 201, answer.content
        self.session_id, self.key = answer.json()["id"], answer.json()["key"]
        # The phone's own requests carry no cookie: hours underground outlast a sign-in.
        self.client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans",
                             HTTP_AUTHORIZATION=f"Field {self.key}")

    def day(self, day: date = AGREED) -> Any:
        return self.client.get(f"/api/v1/field/day/?date={day.isoformat()}")

    def sync(self, *ops: dict[str, Any]) -> Any:
        return self.client.post("/api/v1/field/sync/", json.dumps({"ops": list(ops)}),
                                content_type="application/json")

    def upload(self, sha256: str, data: bytes) -> Any:
        return self.client.put(f"/api/v1/field/uploads/{sha256}/", data,
                               content_type="application/octet-stream")


def op(kind: str, inspection: int, payload: dict[str, Any], base_version: int | None = None,
       client_id: str | None = None) -> dict[str, Any]:
    return {"client_id": client_id or str(uuid.uuid4()), "kind": kind, "inspection": inspection,
            "base_version": base_version, "payload": payload}


def save_payload(result: Any, outcome: str = "compliant", **changes: Any) -> dict[str, Any]:
    return {"inspected_on": "2026-10-21", "methods": ["on_site"], "categories": ["no_problem"],
            "conduct": "", "summary": "", "violation_categories": [],
            "findings": [{"item": f.item_id, "outcome": outcome, "note": ""}
                         for f in result.findings.all()]} | changes


@pytest.fixture
def agreed(drawn_task, world):  # noqa: F811
    inspections.visit_schedule(actor=world.users["office"], visit=drawn_task.visit, day=AGREED)
    return drawn_task
