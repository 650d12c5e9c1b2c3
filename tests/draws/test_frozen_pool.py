"""The frozen pool is written set-wise and read back in byte order: the same lines, digest
and strata as building them one Python object per candidate would give."""

import hashlib

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone

from shuangsuiji.draws import frozen, pool_parts
from shuangsuiji.draws.models import FrozenCandidate, FrozenPoolPart
from shuangsuiji.draws.pool import candidate_targets, stratum_of
from shuangsuiji.draws.services import task_freeze
from shuangsuiji.entities.models import Target
from shuangsuiji.plans.services import task_update
from shuangsuiji.rules.draw import pool_parts as part_rules
from shuangsuiji.rules.draw import pools as P

from .conftest import DRAW_AT


def _expected_lines(task):
    rows = candidate_targets(task, timezone.localdate(DRAW_AT)).values_list(
        "pk", "uscc", "risk_class")
    return P.sorted_lines(f"{uscc or f'X-{pk}'}\t{stratum_of(task, risk)}\n"
                          for pk, uscc, risk in rows)


def test_the_pool_is_frozen_in_byte_order_with_codes_x_ids_and_unclassified(world, seed_task,
                                                                          monkeypatch):
    # No code: an X- ID, whose digits sort by bytes ("X-10" before "X-9"); no risk class: U.
    for i in range(12):
        Target.objects.create(department=world.office, uscc=None, no_code_reason="个体工商户",
                              name=f"无代码{i}", risk_class="" if i % 3 else "B",
                              region_code="140502")
    Target.objects.filter(pk__in=Target.objects.order_by("pk").values("pk")[:3]).update(
        risk_class="")
    seed_task = task_update(actor=world.users["office"], task=seed_task,
                            data={"stratification": "risk"})
    monkeypatch.setattr(pool_parts, "LINES_PER_BLOCK", 7)  # many round trips, each resumed
    expected = _expected_lines(seed_task)
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    buffer, digest = frozen.pool_buffer(freeze)
    assert buffer.decode() == "".join(expected)
    assert freeze.pool_digest == digest == hashlib.sha256(buffer).hexdigest() == P.lines_digest(
        expected)
    assert freeze.pool_size == len(expected) == 49
    strata: dict[str, int] = {}
    for line in expected:
        label = line.rstrip("\n").split("\t")[1]
        strata[label] = strata.get(label, 0) + 1
    assert freeze.pool_strata == strata and strata["U"] == 11
    x_lines = [line for line in expected if line.startswith("X-")]
    assert len(x_lines) == 12
    candidate = FrozenCandidate.objects.get(freeze=freeze, ident=x_lines[0].split("\t")[0])
    assert candidate.ident == f"X-{candidate.target_id}"


def test_a_frozen_target_cannot_be_deleted_without_a_database_constraint(world, seed_task):
    """The frozen pool's references are not checked by the database (a million candidates'
    foreign-key triggers cost more than the freeze): the ORM still protects its targets."""
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    candidate = FrozenCandidate.objects.filter(freeze=freeze).first()
    with pytest.raises(ProtectedError) as refused:
        Target.objects.get(pk=candidate.target_id).delete()
    assert {type(o) for o in refused.value.protected_objects} == {FrozenCandidate}
    assert FrozenCandidate.objects.filter(freeze=freeze).count() == freeze.pool_size


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="PostgreSQL's compression")


def _rewrite_rows(freeze, idents_in_table_order):
    """The freeze's rows again, in the table in this order; None stands for a row of another
    freeze."""
    FrozenCandidate.objects.filter(freeze=freeze).delete()
    FrozenCandidate.objects.bulk_create([
        FrozenCandidate(freeze_id=freeze.pk, ident=i, stratum="ALL") if i is not None else
        FrozenCandidate(freeze_id=freeze.pk + 1000, ident=f"Z{n}", stratum="ALL")
        for n, i in enumerate(idents_in_table_order)])


def test_the_rows_are_read_in_byte_order_whatever_their_order_in_the_table(
        world, seed_task, monkeypatch):
    monkeypatch.setattr(pool_parts, "LINES_PER_BLOCK", 16)
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    idents = [f"91140502MA0K{i:06d}" for i in range(300)]
    expected = ("".join(f"{i}\tALL\n" for i in idents)).encode()
    for order in (list(reversed(idents)), [idents[1], *[None] * 400, idents[0], *idents[2:]]):
        _rewrite_rows(freeze, order)
        assert frozen.first_read(freeze) == (expected, hashlib.sha256(expected).hexdigest())
        FrozenPoolPart.objects.filter(freeze=freeze).delete()  # the draw reads the rows then
        assert frozen.pool_buffer(freeze)[0] == expected


def test_the_freeze_keeps_the_lines_it_hashed_in_parts_and_the_draw_reads_those(
        world, seed_task, monkeypatch):
    monkeypatch.setattr(part_rules, "PART_BYTES", 100)  # several parts of a few lines
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    parts = [bytes(p) for p in FrozenPoolPart.objects.filter(freeze=freeze)
             .order_by("seq").values_list("lines", flat=True)]
    expected = "".join(_expected_lines(seed_task)).encode()
    assert len(parts) > 3 and b"".join(parts) == expected
    assert all(part.endswith(b"\n") and len(part) >= 100 for part in parts[:-1])
    # Without any row of the pool, the draw still gets it: from the parts.
    FrozenCandidate.objects.filter(freeze=freeze).delete()
    assert frozen.pool_buffer(freeze) == (expected, freeze.pool_digest)


@pytest.mark.parametrize("damage", ["edit", "drop", "reorder"])
def test_parts_that_do_not_give_the_frozen_digest_are_left_for_the_rows(world, seed_task,
                                                                       monkeypatch, damage):
    monkeypatch.setattr(part_rules, "PART_BYTES", 100)
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    expected = "".join(_expected_lines(seed_task)).encode()
    parts = FrozenPoolPart.objects.filter(freeze=freeze).order_by("seq")
    if damage == "edit":
        part = parts[1]
        part.lines = bytes(part.lines).replace(b"\t", b"\tX", 1)
        part.save()
    elif damage == "drop":
        parts[2].delete()
    else:
        first, second = parts[0], parts[1]
        FrozenPoolPart.objects.filter(pk=first.pk).update(seq=10_000)
        FrozenPoolPart.objects.filter(pk=second.pk).update(seq=first.seq)
        FrozenPoolPart.objects.filter(pk=first.pk).update(seq=second.seq)
    assert part_rules.joined(frozen._parts(freeze))[1] != freeze.pool_digest
    assert frozen.pool_buffer(freeze) == (expected, freeze.pool_digest)


@on_postgresql
def test_postgresql_keeps_the_parts_compressed_with_lz4_where_it_has_it(world, seed_task):
    """LZ4 where this PostgreSQL was built with it (Debian's and CI's are), else its own."""
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    table = FrozenPoolPart._meta.db_table
    with connection.cursor() as cursor:
        expected = "lz4" if pool_parts.lz4_available(cursor) else "pglz"
        # A value is compressed when it is large enough (about 2 kB): one of repeated lines.
        FrozenPoolPart.objects.filter(freeze=freeze).update(
            lines=b"91140502MA0K0000XY\tA\n" * 400)
        cursor.execute(f"SELECT DISTINCT pg_column_compression(lines) FROM {table} "  # noqa: S608
                       "WHERE freeze_id = %s", [freeze.pk])
        assert cursor.fetchall() == [(expected,)]


def test_an_empty_pool_is_kept_as_no_parts_and_read_back_empty(world, seed_task):
    from shuangsuiji.entities.choices import RegStatus

    Target.objects.update(reg_status=RegStatus.DEREGISTERED)
    freeze = task_freeze(actor=world.users["office"], task=seed_task, planned_draw_at=DRAW_AT)
    assert freeze.pool_size == 0 and not FrozenPoolPart.objects.filter(freeze=freeze).exists()
    assert frozen.pool_buffer(freeze) == (b"", freeze.pool_digest)
    assert freeze.pool_digest == hashlib.sha256(b"").hexdigest()
