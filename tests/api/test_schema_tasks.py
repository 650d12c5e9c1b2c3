"""schemathesis on the plan, task and draw endpoints, against objects that exist.

test_schema.py fuzzes every operation with made-up ids, which mostly meet a 404. Here each
generated request is pointed at a real plan or task in the state its operation needs (a draft
to edit or freeze, a frozen task to draw, a drawn one to replace in, …), so the generated
bodies reach the services. The examples of one operation share one database: once a draw or
a freeze has succeeded, the next examples meet the documented 409 — the run stays bounded.
"""

import re

import pytest
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .task_world import TaskWorld
from .test_schema import _keep_the_test_connection, schema  # noqa: F401 (a fixture)

# The first match names the object an operation is sent to (see TaskWorld.ids).
TARGETS: list[tuple[str, str]] = [
    (r"^GET /plans/", "plan"),
    (r"^POST /plans/\{id\}/publish/", "approved_plan"),
    (r"/plans/", "plan"),
    (r"/tasks/\{id\}/close/", "finished"),
    (r"^POST /tasks/\{id\}/draw/", "frozen"),
    (r"/tasks/\{id\}/announcement/", "frozen"),
    (r"/tasks/\{id\}/(start|finish|draw|record|groups|replacements)/", "drawn"),
    (r"/tasks/", "draft"),
]


def _object_for(method: str, path: str) -> str:
    label = f"{method} {path.removeprefix('/api/v1')}"
    return next(key for pattern, key in TARGETS if re.search(pattern, label))


@pytest.fixture
def tasks_and_token(task_world: TaskWorld) -> tuple[TaskWorld, str]:
    return task_world, Token.objects.create(user=task_world.api.user("office")).key


@schema.include(path_regex=r"^/api/v1/(plans|tasks|my)/").parametrize()
@settings(max_examples=10, deadline=None, database=None, derandomize=True,
          phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_plan_task_and_draw_endpoints_never_answer_with_a_server_error(case, tasks_and_token):
    tasks, token = tasks_and_token
    ids = tasks.ids()
    if "id" in case.path_parameters:
        case.path_parameters["id"] = ids[_object_for(case.method, case.path)]
    if "department_id" in case.path_parameters:
        case.path_parameters["department_id"] = ids["fire"]
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
