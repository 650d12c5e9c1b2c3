"""The few things PostgreSQL and SQLite do differently for bulk imports, kept in one place.

Everything else in the import SQL is written once, in the subset both understand (window
functions, UPDATE … FROM, IS DISTINCT FROM, ||).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import connection

# PostgreSQL's COPY text format: backslash escapes, \N for NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL_MARK = "\x00"  # never in a PostgreSQL text value, so safe as a placeholder
Columns = Sequence[Sequence[Any]]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def bulk_writer(table: str, columns: Sequence[str]) -> Iterator[Callable[[Columns], None]]:
    """A function appending rows given column by column (`data[i]`: the i-th column).

    On PostgreSQL one COPY stays open for every call, so the server stores rows while the
    caller checks the next ones; nothing else may use the connection until the block ends.
    """
    with connection.cursor() as cursor:
        if is_postgresql():
            names = ", ".join(columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                yield lambda data: copy.write(copy_text(data)) if _has_rows(data) else None
        else:
            marks = ", ".join(["%s"] * len(columns))
            query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            yield lambda data: cursor.executemany(query, list(zip(*data, strict=True)))


def _has_rows(data: Columns) -> bool:
    return bool(data) and bool(len(data[0]))


def copy_text(data: Sequence[Sequence[Any]]) -> str:
    """Rows in COPY text format, built column by column (one pass of C loops per column)."""
    text_columns = [_copy_column(values) for values in data]
    return "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    has_null = None in values
    texts: Sequence[Any] = [_NULL_MARK if v is None else v for v in values] if has_null \
        else values
    if set(map(type, texts)) != {str}:
        texts = [v if isinstance(v, str) else str(v) for v in texts]
    blob = "\x01".join(texts)
    if "\\" in blob or "\t" in blob or "\n" in blob or "\r" in blob:
        texts = [t.translate(_COPY_ESCAPES) for t in texts]
    if has_null:
        texts = ["\\N" if t == _NULL_MARK else t for t in texts]
    return texts


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
            if reading_all:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


def param(value: date | datetime | None) -> Any:
    """A date or time as the backend stores it (SQLite keeps them as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
