"""Search of the public results by any part of the name or by code (portal/selectors.py),
PostgreSQL only; SQLite needs none.

- `pub_name_bigrams`: GIN over the name's character bigrams (core/search.py), for a name
  part found in few rows, with detailed statistics (which bigrams are rare);
- `pub_recent_names`: the newest-first order with the name and organisation in the index, so
  a name part found in many rows is found by walking the newest entries without reading the
  table (an index-only scan);
- `pub_name_c` (0003, the name-prefix index) goes: names are no longer searched or ordered by
  their beginning.
"""

from django.db import migrations

TABLE = "publication_publishedresult"
FORWARD = [
    "SET LOCAL maintenance_work_mem = '256MB'",
    f"CREATE INDEX IF NOT EXISTS pub_name_bigrams ON {TABLE} "
    "USING gin (shuangsuiji_bigrams(entity_name)) WHERE withdrawn_at IS NULL",
    f"CREATE INDEX IF NOT EXISTS pub_recent_names ON {TABLE} (published_on DESC, id DESC) "
    "INCLUDE (organisation_id, entity_name) WHERE withdrawn_at IS NULL",
    "DROP INDEX IF EXISTS pub_name_c",
    # Statistics of some 10,000 bigrams (not 1,000): the search asks the bigram index at once
    # for a name part whose rarest bigram is in few rows (core/search.py).
    "ALTER INDEX pub_name_bigrams ALTER COLUMN 1 SET STATISTICS 1000",
]
BACKWARD = [
    f'CREATE INDEX IF NOT EXISTS pub_name_c ON {TABLE} ((entity_name COLLATE "C"), id) '
    "WHERE withdrawn_at IS NULL",
    "DROP INDEX IF EXISTS pub_recent_names",
    "DROP INDEX IF EXISTS pub_name_bigrams",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("publication", "0003_portal_search_index"), ("core", "0004_name_bigrams")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
