"""A frozen pool's parts (rules/draw/pool_parts.py) stored in PostgreSQL and read back, and
its lines read from its rows.

Read back, a part is one value, not a row per line: ten million candidates come back in
0.4 s on two cores (PostgreSQL keeps them compressed with LZ4: 58 MB for 210 MB), against
about 3.5 s from their rows (lines_by_index), which the freeze reads once.

Plain psycopg, no Django: the benchmark reads its pool with the same code. Table and column
names are composed as identifiers (psycopg.sql), values are bound.
"""

from typing import Any

import psycopg
from psycopg import sql

from shuangsuiji.rules.draw.pool_parts import split


def write(conn: psycopg.Connection, table: str, owner: tuple[str, Any], pool: bytes) -> int:
    """The pool's parts as rows (owner column = value, seq, lines) by one binary COPY; the
    number of parts."""
    column, value = owner
    count = 0
    copy_sql = sql.SQL("COPY {} ({}, seq, lines) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.Identifier(column))
    with psycopg.Cursor(conn) as cur, cur.copy(copy_sql) as copy:
        copy.set_types(["int8", "int4", "bytea"])
        for count, part in enumerate(split(pool), start=1):
            copy.write_row((value, count - 1, part))
    return count


def read(conn: psycopg.Connection, table: str, owner: tuple[str, Any]) -> list[bytes]:
    """The parts of one pool in order, as they come (one message each, in binary: text
    would double them in hexadecimal)."""
    column, value = owner
    query = sql.SQL("SELECT lines FROM {} WHERE {} = %s ORDER BY seq").format(
        sql.Identifier(table), sql.Identifier(column))
    # A cursor binding on the server (whatever the connection's default: Django's binds on
    # the client), so that results can come in binary.
    with psycopg.Cursor(conn) as cur:
        return [lines for (lines,) in cur.stream(query, [value], binary=True)]


# Lines per round trip: the database joins them, so a block costs one message, not a line
# each (smaller blocks cost more round trips, larger ones more memory to take in).
LINES_PER_BLOCK = 250_000


def lines_by_index(cursor: Any, table: str, freeze_id: int, *, postgresql: bool) -> bytes:
    """The lines "ID\\tSTRATUM\\n" of a frozen pool's rows (table: a constant of ours; its
    ident column sorts in byte order, migration 0004) by the (freeze, ident) index, through
    a DB-API `cursor` on PostgreSQL or SQLite. The order is the ordered subquery's (neither
    aggregate takes one that costs nothing); the callers prove it."""
    line = ("string_agg(ident || E'\\t' || stratum || E'\\n', '')" if postgresql
            else "group_concat(ident || char(9) || stratum || char(10), '')")
    query = (f'SELECT {line} FROM (SELECT ident, stratum FROM "{table}" '  # noqa: S608
             "WHERE freeze_id = %s AND ident > %s ORDER BY ident LIMIT %s) s")
    blocks: list[bytes] = []
    last = ""
    while True:
        cursor.execute(query, [freeze_id, last, LINES_PER_BLOCK])
        (lines,) = cursor.fetchone()
        if not lines:
            return b"".join(blocks)
        blocks.append(lines.encode("utf-8"))
        last = lines[lines.rfind("\n", 0, -1) + 1:].partition("\t")[0]


def lz4_available(cursor: Any) -> bool:
    """Whether this PostgreSQL (through a DB-API `cursor`) can compress values with LZ4:
    when it was built with it (Debian's is)."""
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                   "WHERE name = 'default_toast_compression'")
    row = cursor.fetchone()
    return bool(row and row[0])
