"""A frozen pool's parts (rules/draw/pool_parts.py) stored in PostgreSQL and read back.

Read back, a part is one value, not a row per line: ten million candidates come back in
0.4 s on two cores (PostgreSQL keeps them compressed with LZ4: 58 MB for 210 MB), against
1.2 s by their rows' pages.

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


def lz4_available(cursor: Any) -> bool:
    """Whether this PostgreSQL (through a DB-API `cursor`) can compress values with LZ4:
    when it was built with it (Debian's is)."""
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                   "WHERE name = 'default_toast_compression'")
    row = cursor.fetchone()
    return bool(row and row[0])
