"""Shared world for the tests: two organisations and a user of every role.

The civil air defence office (RFB) with its sections, and the fire rescue detachment (XFZD)
with a brigade. `other_*` users belong to the fire rescue: they must never see or change the
office's directories, and the office's users must never see theirs.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department, User


@dataclass
class World:
    office: Department
    legal: Department  # 法宣科, the organising section
    engineering: Department  # 工程科
    fire: Department
    brigade: Department
    users: dict[str, User]


def make_user(username: str, role: str, department: Department | None) -> User:
    return User.objects.create_user(username=username, password="pw-" + username, role=role,
                                    department=department, full_name=username)


@pytest.fixture
def world(db) -> World:
    office = Department.objects.create(code="RFB", name="晋城市人民防空办公室",
                                       kind=DepartmentKind.OFFICE, region_code="140500")
    legal = Department.objects.create(code="RFB-FXK", name="法宣科", kind=DepartmentKind.SECTION,
                                      parent=office)
    engineering = Department.objects.create(code="RFB-GCK", name="工程科",
                                            kind=DepartmentKind.SECTION, parent=office)
    fire = Department.objects.create(code="XFZD", name="晋城市消防救援支队",
                                     kind=DepartmentKind.EXTERNAL, region_code="140500")
    brigade = Department.objects.create(code="XFZD-CQ", name="晋城市城区消防救援大队",
                                        kind=DepartmentKind.EXTERNAL, parent=fire)
    users = {
        "admin": make_user("admin", Role.ADMIN, None),
        "office": make_user("office", Role.OFFICE, legal),
        "section": make_user("section", Role.SECTION, engineering),
        "inspector": make_user("inspector", Role.INSPECTOR, engineering),
        "expert": make_user("expert", Role.EXPERT, office),
        "leader": make_user("leader", Role.LEADER, office),
        "partner": make_user("partner", Role.PARTNER, fire),
        "other_office": make_user("other_office", Role.PARTNER, brigade),
        "other_inspector": make_user("other_inspector", Role.INSPECTOR, brigade),
    }
    return World(office, legal, engineering, fire, brigade, users)


@pytest.fixture
def today() -> date:
    return date(2026, 11, 27)


@pytest.fixture
def allow_audit_flush(django_db_blocker):
    """Transactional tests end with a flush, which the audit log's triggers refuse (DELETE on
    SQLite, TRUNCATE on PostgreSQL).

    Requested after the database fixture, so its teardown runs first: it drops the triggers of
    the throwaway SQLite test database, and on PostgreSQL bypasses them for this connection
    only (Django closes it after the flush).
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name LIKE 'core_audit%'")
            for (name,) in cur.fetchall():
                cur.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        elif connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
