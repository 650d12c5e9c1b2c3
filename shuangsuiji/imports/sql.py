"""The few things PostgreSQL and SQLite do differently for bulk imports and other writes of
many rows (a draw's targets and groups), kept in one place.

Everything else in the import SQL is written once, in the subset both understand (window
functions, UPDATE … FROM, IS DISTINCT FROM, ||).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import connection

from shuangsuiji.rules.pgcopy import copy_text

Columns = Sequence[Sequence[Any]]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class BulkWriter:
    """Appends rows to one table; on PostgreSQL through a COPY kept open for every call."""

    def __init__(self, cursor: Any, table: str, columns: Sequence[str], copy: Any) -> None:
        self.cursor, self.copy = cursor, copy
        marks = ", ".join(["%s"] * len(columns))
        self.insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608

    def rows(self, data: Columns) -> None:
        """Rows given column by column (`data[i]`: the i-th column's values)."""
        if self.copy is not None:
            self.text(copy_text(data))
        elif data and len(data[0]):
            self.cursor.executemany(self.insert, list(zip(*data, strict=True)))

    def text(self, text: str) -> None:
        """Rows already in COPY text format (PostgreSQL only)."""
        if text:
            self.copy.write(text)


@contextmanager
def bulk_writer(table: str, columns: Sequence[str]) -> Iterator[BulkWriter]:
    """A writer for many rows. On PostgreSQL the COPY stays open until the block ends, so the
    server stores rows while the caller checks the next ones; nothing else may use the
    connection meanwhile.
    """
    with connection.cursor() as cursor:
        if is_postgresql():
            names = ", ".join(columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                yield BulkWriter(cursor, table, columns, copy)
        else:
            yield BulkWriter(cursor, table, columns, None)


def plain_connection_params() -> dict[str, str | int]:
    """This database's connection settings for psycopg in another process (no Django
    objects: only what can be pickled and passed to psycopg.connect)."""
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if isinstance(v, str | int)}


def json_object(pairs: Sequence[tuple[str, str]]) -> str:
    """SQL building a JSON object from (key, SQL expression) pairs."""
    function = "jsonb_build_object" if is_postgresql() else "json_object"
    arguments = ", ".join(f"'{key}', {expr}" for key, expr in pairs)
    return f"{function}({arguments})"


def empty_json() -> str:
    return "'{}'::jsonb" if is_postgresql() else "'{}'"


def analyze(table: str, columns: Sequence[str]) -> None:
    """Fresh planner statistics after a bulk load (autovacuum would come too late).

    Only the columns the queries filter and join on: the rest would cost time for nothing.
    """
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table} ({', '.join(columns)})")


def tune_for_bulk(*, reading_all: bool = False) -> None:
    """Inside a transaction: room for hash joins over a million rows.

    `reading_all`: a server-side cursor will be read to the end, so PostgreSQL must plan
    for all rows rather than for a quick first few (its default for cursors).
    """
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Compiling these one-off statements costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
            if reading_all:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


def param(value: date | datetime | None) -> Any:
    """A date or time as the backend stores it (SQLite keeps them as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
