"""Objects for the API tests: one of each kind in each organisation, made through the services.

`rfb` objects belong to the civil air defence office, `xfzd` objects to the fire rescue. Going
through the services also leaves audit entries for each organisation.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from stdnum.cn import ric

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.catalog import services as catalog
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities import services as entities
from shuangsuiji.entities.models import Target
from shuangsuiji.imports.models import ImportIssue, ImportJob
from shuangsuiji.inspectors import services as inspectors
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.rules.uscc import make_valid
from tests.conftest import World

if TYPE_CHECKING:
    from .task_world import TaskWorld

ROLES = ["admin", "office", "section", "inspector", "expert", "leader", "partner",
         "other_office", "other_inspector", "anonymous"]


def id_number(first17: str = "14050219800101001") -> str:
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum skips the last character


@dataclass
class Org:
    """One organisation's objects."""

    item: InspectionItem
    target: Target
    inspector: Inspector
    conflict: Conflict
    job: ImportJob
    audit: AuditEvent


@dataclass
class ApiWorld:
    world: World
    rfb: Org
    xfzd: Org
    tasks: "TaskWorld | None" = None  # filled by the task_world fixture

    def user(self, role: str) -> User:
        return self.world.users[role]


def item_data(code: str, department: Department) -> dict[str, Any]:
    return {"code": code, "category": "人防工程", "matter": "人防工程维护管理情况检查",
            "target_type": "人防工程使用单位", "basis": "《中华人民共和国人民防空法》第二十五条",
            "department": department.pk, "content": "维护管理制度落实情况",
            "method": "现场检查", "kind": "general"}


def _org(*, prefix: str, seq: int, actor: User, directory: Department, items_of: Department,
         login: User) -> Org:
    item = catalog.item_create(actor=actor, data=item_data(f"{prefix}-001", items_of))
    target = entities.target_create(
        actor=actor, department_id=directory.pk,
        data={"uscc": make_valid(f"91140500MA0K0000{seq}"), "name": f"{prefix}测试商场有限公司",
              "region_code": "140502", "industry_code": "F5211", "legal_rep": "王五"})
    entities.contact_add(actor=actor, target=target, name="李四", position="经理",
                         phone="13812345678")
    target.licences.create(number=f"{prefix}-L1", item="人防工程使用许可")
    inspector = inspectors.inspector_create(
        actor=actor, id_number=id_number(f"1405021980010100{seq}"),
        data={"department": items_of.pk, "code": f"{prefix}-E1", "name": f"{prefix}检查员",
              "role": "officer", "phone": "13900001111", "status_since": date(2020, 1, 1),
              "user": login.pk})
    inspectors.certificate_add(actor=actor, inspector=inspector, number=f"{prefix}-C1",
                               issuer="山西省人民政府", valid_from=date(2020, 1, 1),
                               valid_to=date(2030, 12, 31))
    conflict = inspectors.conflict_record(actor=actor, data={
        "inspector": inspector, "target": target, "relation": "kinship",
        "declared_by": "office", "reason": "配偶任该单位财务"})
    job = ImportJob.objects.create(kind="targets", department=directory, file="imports/x.xlsx",
                                   original_name=f"{prefix}.xlsx", sha256="0" * 64,
                                   created_by=actor, status="done", total_rows=2, rejected=1)
    ImportIssue.objects.create(job=job, row=3, column="统一社会信用代码", reason="校验码错误")
    audit = AuditEvent.objects.filter(organisation_id=directory.root_id).first()
    return Org(item, target, inspector, conflict, job, audit)


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    users = world.users
    rfb = _org(prefix="RFB", seq=1, actor=users["office"], directory=world.office,
               items_of=world.engineering, login=users["inspector"])
    xfzd = _org(prefix="XFZD", seq=2, actor=users["partner"], directory=world.fire,
                items_of=world.fire, login=users["other_inspector"])
    return ApiWorld(world, rfb, xfzd)


@pytest.fixture
def task_world(api_world: ApiWorld) -> "TaskWorld":
    """The office's plans and joint tasks in every state (tests/api/task_world.py)."""
    from .task_world import build

    api_world.tasks = build(api_world)
    return api_world.tasks


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    # Throttle counters live in the cache, which outlives each test's database.
    cache.clear()


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_role(api_world: ApiWorld) -> Callable[[str], APIClient]:
    def make(role: str) -> APIClient:
        return client_for(None if role == "anonymous" else api_world.user(role))
    return make
