"""The city's shared target directory in a joint task's pool: every accepted organisation's
directory, one line per entity (统一社会信用代码), the initiator's row and risk class."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shuangsuiji.draws import services as draws
from shuangsuiji.draws.models import FrozenCandidate
from shuangsuiji.draws.pool import candidate_targets, pool_sizes
from shuangsuiji.entities.models import Target
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import TaskDepartment
from shuangsuiji.rules import uscc

from .conftest import DRAW_AT, make_item

pytestmark = pytest.mark.django_db


def _code(i: int) -> str:
    return uscc.make_valid(f"91140502MA0K{i:05d}")


def _fire_row(world, i: int, **fields) -> Target:
    data = {"department": world.fire, "uscc": _code(i), "name": f"消防名录企业{i}",
            "region_code": "140502", "industry_code": "E4811"} | fields
    return Target.objects.create(**data)


def _pool(task) -> dict[str, tuple[int, str]]:
    """ID → (target id, stratum) of the pool as candidate_targets gives it; a duplicate ID
    fails the test."""
    rows = list(candidate_targets(task, timezone.localdate(DRAW_AT))
                .values_list("uscc", "pk", "pool_stratum"))
    ids = [code or f"X-{pk}" for code, pk, _s in rows]
    assert len(ids) == len(set(ids)), "an ID twice in the pool"
    return {code or f"X-{pk}": (pk, stratum) for code, pk, stratum in rows}


def _by_risk(world, task):
    return plans.task_update(actor=world.users["office"], task=task,
                             data={"stratification": "risk"})


def test_an_entity_in_both_directories_is_in_the_pool_once_as_the_initiators(world,
                                                                            seed_task):
    office_row = Target.objects.get(department=world.office, uscc=_code(0))
    fire_row = _fire_row(world, 0, name="同一企业在消防名录中的名称", risk_class="D")
    only_fire = _fire_row(world, 900, risk_class="A")
    task = _by_risk(world, seed_task)
    pool = _pool(task)
    assert len(pool) == 37 + 1
    assert pool[_code(0)] == (office_row.pk, office_row.risk_class)  # the office's class, not D
    assert fire_row.pk not in {pk for pk, _s in pool.values()}
    # An entity only the fire rescue knows: its row, and unclassified for the office.
    assert pool[_code(900)] == (only_fire.pk, "U")
    assert pool_sizes(task, timezone.localdate(DRAW_AT))["U"] == 1


def test_the_frozen_pool_holds_each_id_once(world, seed_task):
    for i in range(0, 37, 3):
        _fire_row(world, i)
    _fire_row(world, 901)
    freeze = draws.task_freeze(actor=world.users["office"], task=seed_task,
                               planned_draw_at=DRAW_AT)
    idents = list(FrozenCandidate.objects.filter(freeze=freeze).values_list("ident", flat=True))
    assert len(idents) == len(set(idents)) == freeze.pool_size == 38
    owners = dict(FrozenCandidate.objects.filter(freeze=freeze)
                  .values_list("ident", "target__department_id"))
    assert owners[_code(3)] == world.office.pk and owners[_code(901)] == world.fire.pk


def test_a_directory_is_read_only_once_its_invitation_is_accepted(world, seed_task):
    _fire_row(world, 902)
    assert _code(902) in _pool(seed_task)
    TaskDepartment.objects.filter(task=seed_task, department=world.fire).update(
        invitation="declined")
    assert _code(902) not in _pool(seed_task) and len(_pool(seed_task)) == 37
    TaskDepartment.objects.filter(task=seed_task, department=world.fire).update(
        invitation="invited")
    assert _code(902) not in _pool(seed_task)


def test_a_task_of_one_organisation_reads_its_own_directory_alone(world, seed_task):
    _fire_row(world, 903)
    TaskDepartment.objects.filter(task=seed_task, department=world.fire).delete()
    assert _code(903) not in _pool(seed_task)


def test_targets_without_a_code_are_never_matched_across_directories(world, seed_task):
    loose_office = Target.objects.create(department=world.office, uscc=None, name="无照经营户",
                                         no_code_reason="个体", region_code="140502")
    loose_fire = Target.objects.create(department=world.fire, uscc=None, name="无照经营户",
                                       no_code_reason="个体", region_code="140502")
    pool = _pool(_by_risk(world, seed_task))
    assert pool[f"X-{loose_office.pk}"][0] == loose_office.pk
    assert pool[f"X-{loose_fire.pk}"] == (loose_fire.pk, "U")


def test_each_row_is_filtered_on_its_own_view(world, seed_task):
    """The office's row is deregistered, the fire rescue's still active: the entity is in
    the pool by the fire rescue's row, stratified by the office's class of it."""
    office_row = Target.objects.get(department=world.office, uscc=_code(1))
    office_row.reg_status = "deregistered"
    office_row.save()
    fire_row = _fire_row(world, 1, risk_class="A")
    pool = _pool(_by_risk(world, seed_task))
    assert pool[_code(1)] == (fire_row.pk, office_row.risk_class)
    # Outside the task's region on the fire rescue's view too: not in the pool.
    Target.objects.filter(pk=fire_row.pk).update(region_code="140600")
    task = plans.task_update(actor=world.users["office"], task=seed_task,
                             data={"filter_regions": ["1405"]})
    assert _code(1) not in _pool(task)


def test_of_two_invited_organisations_the_earlier_in_the_task_stands(world, seed_task):
    from shuangsuiji.accounts.models import Department

    other = Department.objects.create(code="SJJ", name="晋城市市场监督管理局", kind="external")
    plans.task_set_department(actor=world.users["office"], task=seed_task,
                              department_id=other.pk, item_ids=[make_item(other, "SJ-01").pk])
    TaskDepartment.objects.filter(task=seed_task, department=other).update(
        invitation="accepted")
    market = Target.objects.create(department=other, uscc=_code(904), name="市监名录企业",
                                   region_code="140502")
    fire = _fire_row(world, 904)
    assert _pool(seed_task)[_code(904)][0] == fire.pk
    TaskDepartment.objects.filter(task=seed_task, department=world.fire).update(order=9)
    assert _pool(seed_task)[_code(904)][0] == market.pk


def test_the_lookback_matches_the_entity_in_any_directory(world, seed_task):
    """An earlier task of the office that drew the fire rescue's row of an entity leaves the
    office's row out as well."""
    from shuangsuiji.draws.models import DrawnTarget

    fire_row = _fire_row(world, 2)
    earlier = plans.task_create(actor=world.users["office"], data={
        "code": "RFB-2023-00", "name": "前次抽查", "initiating": world.office,
        "period_start": DRAW_AT.date() - timedelta(days=30),
        "period_end": DRAW_AT.date(), "ratio": "10"})
    item = seed_task.participants.get(department=world.office).items.first()
    plans.task_set_department(actor=world.users["office"], task=earlier,
                              department_id=world.office.pk, item_ids=[item.pk],
                              role="initiating")
    DrawnTarget.objects.create(task=earlier, target=fire_row, ident=fire_row.uscc,
                               stratum="ALL")
    task = plans.task_update(actor=world.users["office"], task=seed_task,
                             data={"lookback_days": 365})
    assert _code(2) not in _pool(task)


def test_a_conflict_recorded_on_another_directorys_row_holds_for_the_entity(world, seed_task):
    """The fire rescue recorded its officer's 回避 on its own row; the office's row stands
    for the entity in the pool: the draw still keeps the officer away from it."""
    from datetime import date

    from shuangsuiji.draws.pool import conflicts_for
    from shuangsuiji.inspectors.models import Conflict, Inspector
    from shuangsuiji.rules.draw.engine import Conflict as ConflictRule

    fire_row = _fire_row(world, 5)
    officer = Inspector.objects.get(code="F001")
    Conflict.objects.create(inspector=officer, target=fire_row, relation="kinship",
                            declared_by="office", reason="近亲属在该企业任职",
                            valid_from=date(2020, 1, 1))
    freeze = draws.task_freeze(actor=world.users["office"], task=seed_task,
                               planned_draw_at=DRAW_AT)
    assert FrozenCandidate.objects.get(freeze=freeze, ident=_code(5)).target.department_id == (
        world.office.pk)
    found = conflicts_for(seed_task, {"F001", "F002"}, freeze, DRAW_AT.date())
    assert found == [ConflictRule("F001", _code(5), "kinship")]
