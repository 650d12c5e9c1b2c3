"""A frozen target pool in the database: written set-wise when the task is frozen, read back
as one buffer of its lines in UTF-8 byte order ("ID\\tSTRATUM\\n", protocol §1).

Nothing here builds a Python object per candidate: a province's pool is millions of them.
The rows are read back by the unique index on (freeze, ident) (byte order: see migration
0004), the database joining a block of lines per round trip. The order is proved, not
assumed: at the freeze, and at the draw by the pool's digest.

The lines the freeze read and hashed are kept too, as they are, in parts of a few megabytes
(pool_parts.py; cut by rules/draw/pool_parts.py): the draw and the record file read those,
and the rows only when the parts do not give the digest.
"""

import hashlib
from collections.abc import Iterable

from django.db import connection
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Collate, Concat, NullIf

from shuangsuiji.entities.models import Target
from shuangsuiji.imports.sql import analyze
from shuangsuiji.rules.draw import fast
from shuangsuiji.rules.draw.pool_parts import joined, split

from . import pool_parts
from .models import Freeze, FrozenCandidate, FrozenPoolPart

_BATCH = 5000


def _ident() -> Coalesce:
    """Target.draw_id in SQL: the 统一社会信用代码, or "X-" and the platform id."""
    return Coalesce(NullIf(F("uscc"), Value("")), Concat(Value("X-"), Cast("pk", CharField())),
                    output_field=CharField())


def insert_candidates(freeze: Freeze, targets: QuerySet[Target]) -> int:
    """Every target of `targets` (pool.candidate_targets: one row per entity, annotated with
    its stratum) as a line of the frozen pool, by one INSERT … SELECT, in byte order of the
    IDs (so that the table holds them as they are read back); the number of lines."""
    rows = targets.order_by().annotate(
        _freeze=Value(freeze.pk), _ident=_ident(), _stratum=F("pool_stratum"), _target=F("pk"))
    if connection.vendor == "postgresql":
        rows = rows.order_by(Collate("_ident", "C"))
    select, params = rows.values_list("_freeze", "_ident", "_stratum", "_target"
                                      ).query.sql_with_params()
    table = FrozenCandidate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (freeze_id, ident, stratum, target_id) {select}",
                       params)
        inserted = cursor.rowcount
    # Without fresh statistics PostgreSQL takes a new pool for a few rows and reads it back
    # by sorting all of it for every block (0.46 s a block of a million-candidate pool,
    # against 0.07 s by the (freeze, ident) index).
    analyze(table, ["freeze_id", "ident"])
    return inserted


def first_read(freeze: Freeze) -> tuple[bytes, str]:
    """The pool just written, proved in byte order with each ID once (else PoolOrderError),
    and its digest. Read at the freeze, in its transaction."""
    pool, digest = read_rows(freeze)
    fast.check_sorted(pool)  # the digest is over lines in byte order (§1), or nothing
    return pool, digest


def write_parts(freeze: Freeze, pool: bytes) -> None:
    """The pool's lines as read at the freeze, kept as they are for the draw (pool_buffer)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        pool_parts.write(connection.connection, FrozenPoolPart._meta.db_table,
                         ("freeze_id", freeze.pk), pool)
    else:
        FrozenPoolPart.objects.bulk_create(
            FrozenPoolPart(freeze=freeze, seq=seq, lines=part)
            for seq, part in enumerate(split(pool)))


def pool_buffer(freeze: Freeze) -> tuple[bytes, str]:
    """The frozen pool's lines in byte order and their digest: from the parts kept at the
    freeze when they give its digest, else from its rows."""
    pool, digest = joined(_parts(freeze))
    if digest == freeze.pool_digest:
        return pool, digest
    del pool
    return read_rows(freeze)


def _parts(freeze: Freeze) -> list[bytes]:
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return pool_parts.read(connection.connection, FrozenPoolPart._meta.db_table,
                               ("freeze_id", freeze.pk))
    return [bytes(lines) for lines in FrozenPoolPart.objects.filter(freeze=freeze)
            .order_by("seq").values_list("lines", flat=True)]


def read_rows(freeze: Freeze) -> tuple[bytes, str]:
    """The frozen pool's lines from its rows in byte order, and their digest."""
    with connection.cursor() as cursor:
        pool = pool_parts.lines_by_index(cursor, FrozenCandidate._meta.db_table, freeze.pk,
                                         postgresql=connection.vendor == "postgresql")
    return pool, hashlib.sha256(pool).hexdigest()


def pool_strata(freeze: Freeze) -> dict[str, int]:
    """Candidates per stratum."""
    rows = (FrozenCandidate.objects.filter(freeze=freeze).order_by().values("stratum")
            .annotate(n=Count("pk")).values_list("stratum", "n"))
    return dict(sorted(rows))


def targets_of(freeze: Freeze, idents: Iterable[str]) -> dict[str, int]:
    """The target behind each of these pool IDs."""
    idents = list(idents)
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of thousands cost the server more to parse and
        # plan than to look the rows up (45,000 drawn of a million: 2.1 s against 0.2 s).
        table = FrozenCandidate._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ident, target_id FROM {table} "  # noqa: S608 constant
                           "WHERE freeze_id = %s AND ident = ANY(%s)", [freeze.pk, idents])
            return dict(cursor.fetchall())
    found: dict[str, int] = {}
    for start in range(0, len(idents), _BATCH):
        found.update(FrozenCandidate.objects.filter(
            freeze=freeze, ident__in=idents[start:start + _BATCH]).values_list("ident",
                                                                                 "target_id"))
    return found
