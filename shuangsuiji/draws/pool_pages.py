"""A frozen pool read from PostgreSQL page by page, in the order its rows lie in the table.

The platform writes a frozen pool's rows in byte order of their IDs (one INSERT … SELECT …
ORDER BY), so the table holds them in the order the protocol hashes them (§1), and a scan
of their pages gives the lines without the index: on ten million candidates 1.2 s against
1.6 s read by the index on two cores, the database doing half the work per row. Nothing
rests on it: a reader compares what it got with the pool's digest (or, at the freeze, with
the byte order and the number of rows written) and reads by the index when it differs.

Blocks come as the database aggregates them cheaply: (IDs joined by LF, strata joined by
LF), a few hundred thousand rows per round trip, as bytes (fast.pool_lines joins them).
The pool's rows are those of `owner` (a column and its value: ("freeze_id", 7)); table and
column are composed as identifiers (psycopg.sql), values are bound.
Plain psycopg, no Django: the benchmark reads its pool with the same code.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.string import ByteaBinaryLoader

# Pages per round trip: about 300,000 rows of a frozen pool (fewer cost round trips, more
# cost memory to take in; 1,500 to 8,000 read ten million as fast, measured).
BLOCK_PAGES = 3000

Blocks = list[tuple[bytes, bytes]]
Owner = tuple[str, Any]


def page_range(conn: psycopg.Connection, table: str, owner: Owner) -> tuple[int, int] | None:
    """The pages of the pool's first and last line in byte order (where its rows lie when
    the table holds them in that order), or None for an empty pool. Two index lookups."""
    column, value = owner
    pages = []
    for direction in (sql.SQL(""), sql.SQL(" DESC")):
        query = sql.SQL("SELECT (ctid::text::point)[0]::bigint FROM {} WHERE {} = %s "
                        'ORDER BY ident COLLATE "C"{} LIMIT 1').format(
            sql.Identifier(table), sql.Identifier(column), direction)
        row = conn.execute(query, [value]).fetchone()
        if row is None:
            return None
        pages.append(int(row[0]))
    return pages[0], pages[1]


def read_blocks(conn: psycopg.Connection, table: str, first_page: int, end_page: int,
                owner: Owner) -> Blocks:
    """The lines of `owner`'s rows on pages [first_page, end_page), in page order."""
    column, value = owner
    query = sql.SQL("SELECT string_agg(ident, E'\\n'), string_agg(stratum, E'\\n') FROM {} "
                    "WHERE ctid >= %s::tid AND ctid < %s::tid AND {} = %s").format(
        sql.Identifier(table), sql.Identifier(column))
    blocks = []
    # A cursor binding on the server (whatever the connection's default: Django's binds on
    # the client), so that results can come in binary, the text as its UTF-8 bytes.
    with psycopg.Cursor(conn) as cur:
        cur.adapters.register_loader("text", ByteaBinaryLoader)
        for page in range(first_page, end_page, BLOCK_PAGES):
            top = min(page + BLOCK_PAGES, end_page)
            cur.execute(query, [f"({page},0)", f"({top},0)", value], binary=True)
            ids, strata = cur.fetchone()
            if ids is not None:
                blocks.append((ids, strata))
    return blocks


def read_parallel(connect: Callable[[], AbstractContextManager[psycopg.Connection]],
                  table: str, pages: tuple[int, int], owner: Owner, *,
                  parts: int = 2) -> Blocks:
    """read_blocks of pages[0] to pages[1] (inclusive), in `parts` ranges read at once by
    as many connections from `connect` (the database works on every core; two read ten
    million fastest on two cores, three or four are slower)."""
    first, end = pages[0], pages[1] + 1
    cuts = [first + (end - first) * i // parts for i in range(parts)] + [end]

    def read(i: int) -> Blocks:
        with connect() as conn:
            return read_blocks(conn, table, cuts[i], cuts[i + 1], owner)

    with ThreadPoolExecutor(parts) as threads:
        return [block for part in threads.map(read, range(parts)) for block in part]
