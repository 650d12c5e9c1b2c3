"""The public results' name search, month by month (portal/selectors.py), PostgreSQL only.

`pub_name_month_terms` replaces `pub_name_bigrams` (0004): GIN over the name's character
bigrams (core/search.py) and one more element, the month the result was published in
(`#202506`). A name part in a few thousand of millions of results is then asked for in the
newest month first: the index gives the rows of that month holding its bigrams, a few dozen to
read instead of every row holding them, which for a part in 5,000 results spread over five
years meant 5,000 rows read from all over the table. A bigram is two characters, a month
seven: they cannot be taken for one another.
"""

from django.db import migrations

TABLE = "publication_publishedresult"
# The bigram function is named with its schema: pg_restore runs with an empty search_path,
# and an index over this function must be rebuilt from a backup (tests/ops/test_backup.py).
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION shuangsuiji_result_terms(name text, day date) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT {schema}.shuangsuiji_bigrams(name)
         || ('#' || (extract(year FROM day) * 100 + extract(month FROM day))::int::text)
$$"""
FORWARD = [
    "SET LOCAL maintenance_work_mem = '256MB'",
    f"CREATE INDEX IF NOT EXISTS pub_name_month_terms ON {TABLE} "
    "USING gin (shuangsuiji_result_terms(entity_name, published_on)) WHERE withdrawn_at IS NULL",
    # Statistics of some 10,000 elements: which bigrams are rare (core/search.py).
    "ALTER INDEX pub_name_month_terms ALTER COLUMN 1 SET STATISTICS 1000",
    "DROP INDEX IF EXISTS pub_name_bigrams",
]
BACKWARD = [
    "SET LOCAL maintenance_work_mem = '256MB'",
    f"CREATE INDEX IF NOT EXISTS pub_name_bigrams ON {TABLE} "
    "USING gin (shuangsuiji_bigrams(entity_name)) WHERE withdrawn_at IS NULL",
    "ALTER INDEX pub_name_bigrams ALTER COLUMN 1 SET STATISTICS 1000",
    "DROP INDEX IF EXISTS pub_name_month_terms",
    "DROP FUNCTION IF EXISTS shuangsuiji_result_terms(text, date)",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(current_schema())")
            (schema,) = cursor.fetchone()
        for sql in [CREATE_FUNCTION.format(schema=schema), *FORWARD]:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("publication", "0006_merge_repair_and_inspection_type")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
