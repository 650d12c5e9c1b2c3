"""Search by any part of a name, fast on PostgreSQL over millions of rows.

A name is indexed by its character bigrams: `shuangsuiji_bigrams(name)` (made by the
migration core 0004) is the set of its upper-cased two-character runs, and a GIN index over it
finds the rows whose name holds every bigram of the query; LIKE then keeps those where they
are adjacent and in order. Trigrams (pg_trgm) serve only queries of three characters or
more: a two-character query such as 兴达 has no trigram, and pg_trgm then reads its whole
index. SQLite has no such index; its LIKE reads the table.
"""

from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

FUNCTION = "shuangsuiji_bigrams"

# A query shorter than this is refused by the forms: one character has no bigram.
MIN_LENGTH = 2

M = TypeVar("M", bound=Model)


def like_pattern(text: str) -> str:
    """`text` anywhere, its LIKE wildcards (% _) and the escape character taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def is_caseless(text: str) -> bool:
    """Chinese has no case: a plain LIKE then, not UPPER(name) LIKE UPPER(…)."""
    return text.upper() == text.lower()


def name_contains(qs: QuerySet[M], field: str, text: str) -> QuerySet[M]:
    """Rows whose `field` holds `text` anywhere (case-insensitive for Latin letters). On
    PostgreSQL the bigram condition lets the GIN index `shuangsuiji_bigrams(field)` find them;
    LIKE (Django's contains, which escapes % and _) decides."""
    lookup = "contains" if is_caseless(text) else "icontains"
    qs = qs.filter(**{f"{field}__{lookup}": text})
    if connection.vendor == "postgresql" and len(text) >= MIN_LENGTH:
        column = qs.model._meta.get_field(field).column
        table = qs.model._meta.db_table
        # The expression is the index's; the parameter is bound.
        qs = qs.extra(  # noqa: S610
            where=[f'{FUNCTION}("{table}"."{column}") @> {FUNCTION}(%s)'], params=[text])
    return qs
