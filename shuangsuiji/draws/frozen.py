"""A frozen target pool in the database: written set-wise when the task is frozen, read back
as one buffer of its lines in UTF-8 byte order ("ID\\tSTRATUM\\n", protocol §1).

Nothing here builds a Python object per candidate: a province's pool is millions of them.
The rows are written in byte order, so on PostgreSQL they are read back page by page
(pool_pages.py) when the freeze proved that this gives its lines: in order, all
of them; else, and on SQLite, by the unique index on (freeze, ident) (byte order: see
migration 0004). Either way the order is proved, not assumed: at the freeze, and at the
draw by the pool's digest.

The lines the freeze read and hashed are kept too, as they are, in parts of a few megabytes
(pool_parts.py; cut by rules/draw/pool_parts.py): the draw and the record file read those,
and the rows only when the parts do not give the digest.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Collate, Concat, NullIf

from shuangsuiji.entities.models import Target
from shuangsuiji.imports.sql import analyze
from shuangsuiji.plans.choices import Stratification
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw import fast
from shuangsuiji.rules.draw.pool_parts import joined, split
from shuangsuiji.rules.draw.pools import UNSTRATIFIED

from . import pool_pages, pool_parts
from .models import Freeze, FrozenCandidate, FrozenPoolPart
from .pool import UNCLASSIFIED

# Lines per round trip when reading a pool back: the database concatenates them, so a
# block costs one message, not a line each (smaller blocks cost more round trips, larger
# ones more memory to take in: a quarter of a million read a pool fastest, measured).
_CHUNK = 250_000
_BATCH = 5000
# Pools this large are read by two connections at once (each costs a connection's start).
_PARALLEL_FROM = 500_000


def _ident() -> Coalesce:
    """Target.draw_id in SQL: the 统一社会信用代码, or "X-" and the platform id."""
    return Coalesce(NullIf(F("uscc"), Value("")), Concat(Value("X-"), Cast("pk", CharField())),
                    output_field=CharField())


def _stratum(task: InspectionTask) -> Coalesce | Value:
    """As pool.stratum_of: the risk class, U when there is none; ALL when not stratified."""
    if task.stratification != Stratification.RISK:
        return Value(UNSTRATIFIED)
    return Coalesce(NullIf(F("risk_class"), Value("")), Value(UNCLASSIFIED),
                    output_field=CharField())


def insert_candidates(freeze: Freeze, targets: QuerySet[Target]) -> int:
    """Every target of `targets` as a line of the frozen pool, by one INSERT … SELECT, in
    byte order of the IDs (so that the table holds them as they are read back); the number
    of lines."""
    rows = targets.order_by().annotate(
        _freeze=Value(freeze.pk), _ident=_ident(), _stratum=_stratum(freeze.task),
        _target=F("pk"))
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


def first_read(freeze: Freeze, inserted: int) -> tuple[bytes, str]:
    """The pool just written (`inserted` lines), proved in byte order with each ID once
    (else PoolOrderError), and its digest. Read at the freeze, in its transaction: by its
    pages when they hold exactly its lines in byte order, which sets freeze.pages for the
    draw to read them so; else by the index (freeze.pages None)."""
    freeze.pages = None
    table = FrozenCandidate._meta.db_table
    if connection.vendor == "postgresql" and inserted:
        connection.ensure_connection()
        raw = connection.connection  # this transaction's: the rows are not committed yet
        pages = pool_pages.page_range(raw, table, _of(freeze))
        if pages is not None:
            pool, digest = fast.pool_lines(pool_pages.read_blocks(
                raw, table, pages[0], pages[1] + 1, _of(freeze)))
            if fast.count_lines(pool) == inserted and fast.in_byte_order(pool):
                freeze.pages = list(pages)
                return pool, digest
    pool, digest = _read_by_index(freeze)
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
    freeze when they give its digest; else from its rows, by their pages when the freeze
    found them in order and they give it, else by the index."""
    pool, digest = joined(_parts(freeze))
    if digest == freeze.pool_digest:
        return pool, digest
    del pool
    if connection.vendor == "postgresql" and freeze.pages:
        table, (first, last) = FrozenCandidate._meta.db_table, freeze.pages
        if freeze.pool_size >= _PARALLEL_FROM:
            settings = connection.get_connection_params()
            blocks = pool_pages.read_parallel(lambda: connection.get_new_connection(settings),
                                              table, (first, last), _of(freeze))
        else:
            connection.ensure_connection()
            blocks = pool_pages.read_blocks(connection.connection, table, first, last + 1,
                                            _of(freeze))
        pool, digest = fast.pool_lines(blocks)
        if digest == freeze.pool_digest:
            return pool, digest
    return _read_by_index(freeze)


def _parts(freeze: Freeze) -> list[bytes]:
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return pool_parts.read(connection.connection, FrozenPoolPart._meta.db_table,
                               ("freeze_id", freeze.pk))
    return [bytes(lines) for lines in FrozenPoolPart.objects.filter(freeze=freeze)
            .order_by("seq").values_list("lines", flat=True)]


def _of(freeze: Freeze) -> tuple[str, int]:
    """The rows of this freeze, as pool_pages takes them."""
    return ("freeze_id", freeze.pk)


def _read_by_index(freeze: Freeze) -> tuple[bytes, str]:
    """The frozen pool's lines in byte order by the index, a block per round trip, and
    their digest."""
    table = FrozenCandidate._meta.db_table
    if connection.vendor == "postgresql":
        columns = "string_agg(ident, E'\\n'), string_agg(stratum, E'\\n')"
    else:
        columns = "group_concat(ident, char(10)), group_concat(stratum, char(10))"
    # Each column aggregated as it is: building every line in SQL costs the database more
    # than the rest of the read (fast.pool_lines builds them). No ORDER BY inside the
    # aggregates (PostgreSQL would sort each million again, SQLite 3.40 has none): the
    # ordered subquery gives the order, and the draw's scan proves it.
    sql = (f"SELECT {columns} FROM (SELECT ident, stratum FROM {table} "  # noqa: S608 constants
           "WHERE freeze_id = %s AND ident > %s ORDER BY ident LIMIT %s) s")
    blocks: list[tuple[bytes, bytes]] = []
    last = ""
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [freeze.pk, last, _CHUNK])
            ids, strata = cursor.fetchone()
            if not ids:
                return fast.pool_lines(blocks)
            blocks.append((ids.encode("utf-8"), strata.encode("utf-8")))
            last = fast.last_line(blocks[-1][0]).decode("utf-8")


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
