"""Data for the page tests: the same directories in both organisations of the `world`."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.catalog.services import item_create
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.services import target_create
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.inspectors.services import certificate_add, conflict_record, inspector_create
from shuangsuiji.rules.uscc import make_valid

VALID_ID = "11010519491231002X"


def item_data(code: str, department_id: int, **extra: object) -> dict[str, object]:
    return {"code": code, "category": "人防工程", "matter": "人防工程建设情况检查",
            "target_type": "建设单位", "basis": "《中华人民共和国人民防空法》第二十二条",
            "department": department_id, "content": "是否按要求修建防空地下室",
            "method": "现场检查", "kind": "key"} | extra


def code(n: int) -> str:
    return make_valid(f"91140500MA0K{n:04d}X")


@dataclass
class Data:
    item: InspectionItem  # the office's, 检查主体 工程科 (the section user's own)
    legal_item: InspectionItem  # the office's, 检查主体 法宣科 (not the section user's)
    fire_item: InspectionItem
    target: Target
    fire_target: Target
    inspector: Inspector  # linked to the `inspector` user
    officer: Inspector  # a colleague in the same office
    fire_inspector: Inspector  # linked to `other_inspector`
    conflict: Conflict  # recorded by the office for `officer`


@pytest.fixture
def data(world) -> Data:
    users, office = world.users, world.users["office"]
    today = timezone.localdate()  # the pages judge validity against the real date
    item = item_create(actor=office, data=item_data("RF-001", world.engineering.pk))
    legal_item = item_create(actor=office, data=item_data("RF-002", world.legal.pk))
    fire_item = item_create(actor=users["partner"], data=item_data("XF-001", world.fire.pk))
    target = target_create(actor=office, department_id=world.office.pk,
                           data={"uscc": code(1), "name": "晋城市兴达房地产开发有限公司"})
    fire_target = target_create(actor=users["partner"], department_id=world.fire.pk,
                                data={"uscc": code(2), "name": "晋城市城区万和商贸有限公司"})
    inspector = inspector_create(actor=office, data={
        "department": world.engineering.pk, "code": "E001", "name": "张检查", "role": "officer",
        "status_since": date(2020, 1, 1), "user": users["inspector"].pk, "phone": "13912345678"},
        id_number=VALID_ID)
    officer = inspector_create(actor=office, data={
        "department": world.engineering.pk, "code": "E002", "name": "李执法", "role": "officer",
        "status_since": date(2020, 1, 1)})
    fire_inspector = inspector_create(actor=users["partner"], data={
        "department": world.brigade.pk, "code": "X001", "name": "王消防", "role": "officer",
        "status_since": date(2020, 1, 1), "user": users["other_inspector"].pk})
    for person, number in ((inspector, "140500001"), (officer, "140500002"),
                           (fire_inspector, "140500003")):
        certificate_add(actor=office, inspector=person, number=number, issuer="山西省人民政府",
                        valid_from=date(2020, 1, 1), valid_to=today + timedelta(days=365))
    conflict = conflict_record(actor=office, data={
        "inspector": officer, "target": target, "relation": "kinship", "declared_by": "office",
        "reason": "配偶在该公司任职"})
    return Data(item, legal_item, fire_item, target, fire_target, inspector, officer,
                fire_inspector, conflict)


@pytest.fixture
def login(client: Client, world):  # type: ignore[no-untyped-def]
    """login("office") → a client signed in as that user of the world."""

    def _login(role: str) -> Client:
        client.force_login(world.users[role])
        return client

    return _login
