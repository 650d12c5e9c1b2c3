"""Search by any part of a name, fast on PostgreSQL over millions of rows.

A name is indexed by its character bigrams: `shuangsuiji_bigrams(name)` (made by the
migration core 0004) is the set of its upper-cased two-character runs, and a GIN index over it
finds the rows whose name holds every bigram of the query; LIKE then keeps those where they
are adjacent and in order. Trigrams (pg_trgm) serve only queries of three characters or
more: a two-character query such as 兴达 has no trigram, and pg_trgm then reads its whole
index. SQLite has no such index; its LIKE reads the table.
"""

import time
from dataclasses import dataclass
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


# The rarest bigrams of a query that the index is asked for: the other bigrams would only
# make it read long lists (有限, 公司 …) to keep rows that LIKE keeps or drops anyway.
RAREST = 2
# How long a process keeps an index's statistics (ANALYZE refreshes them).
STATISTICS_SECONDS = 600


@dataclass(frozen=True)
class BigramStatistics:
    rows: float  # the table's rows, as PostgreSQL last counted them
    shares: dict[str, float]  # the most common bigrams and their share of rows
    floor: float  # a bigram not listed is in fewer rows than this share


_statistics: dict[str, tuple[float, BigramStatistics]] = {}


def bigram_statistics(index: str) -> BigramStatistics:
    """What PostgreSQL's statistics of the index expression say of the bigrams' frequencies
    (the migrations raise their detail to 1,000: some 10,000 bigrams listed)."""
    now = time.monotonic()
    cached = _statistics.get(index)
    if cached and now - cached[0] < STATISTICS_SECONDS:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM pg_class x JOIN pg_index i ON i.indexrelid = x.oid "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = x.relname "
            "WHERE x.relname = %s AND x.relnamespace = current_schema()::regnamespace",
            [index])
        row = cursor.fetchone()
    rows, grams, shares = row if row else (0.0, None, None)
    listed = dict(zip(grams, shares, strict=False)) if grams else {}
    # most_common_elem_freqs ends with the minimum, maximum and null share of the elements.
    floor = float(shares[-3]) if grams and len(shares) >= len(grams) + 3 else 1.0
    statistics = BigramStatistics(max(float(rows or 0), 0.0), listed, floor)
    _statistics[index] = (now, statistics)
    return statistics


def _bigrams(text: str) -> set[str]:
    """The bigrams the database makes of `text`: computed here when upper-casing is the same in
    Python and PostgreSQL (ASCII, or no case at all: Chinese), asked for otherwise."""
    if text.isascii() or is_caseless(text):
        upper = text.upper()
        return {upper[i:i + 2] for i in range(len(upper) - 1)}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {FUNCTION}(%s)", [text])
        return set(cursor.fetchone()[0] or [])


def query_bigrams(text: str, index: str) -> tuple[list[str], float]:
    """The rarest bigrams of `text` (as the database makes them) to ask `index` for, and an
    upper bound of the rows that hold the rarest (from the statistics)."""
    grams = sorted(_bigrams(text))
    statistics = bigram_statistics(index)
    grams.sort(key=lambda g: statistics.shares.get(g, 0.0))
    share = statistics.shares.get(grams[0], statistics.floor) if grams else 1.0
    return grams[:RAREST], share * statistics.rows


def name_contains(qs: QuerySet[M], field: str, text: str, *, index: str) -> QuerySet[M]:
    """Rows whose `field` holds `text` anywhere (case-insensitive for Latin letters). On
    PostgreSQL the bigram condition lets `index`, a GIN index over `shuangsuiji_bigrams(field)`,
    find them; LIKE (Django's contains, which escapes % and _) decides."""
    lookup = "contains" if is_caseless(text) else "icontains"
    qs = qs.filter(**{f"{field}__{lookup}": text})
    if connection.vendor == "postgresql" and len(text) >= MIN_LENGTH:
        column = qs.model._meta.get_field(field).column
        table = qs.model._meta.db_table
        # The expression is the index's; the bigrams are a bound parameter.
        qs = qs.extra(  # noqa: S610
            where=[f'{FUNCTION}("{table}"."{column}") @> %s::text[]'],
            params=[query_bigrams(text, index)[0]])
    return qs
