"""The function behind search by any part of a name (core/search.py), PostgreSQL only: the
set of a name's upper-cased two-character runs, which GIN indexes of the apps index."""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION shuangsuiji_bigrams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(u, i, 2)), '{}')
  FROM (SELECT upper(name) AS u) AS s, generate_series(1, char_length(u) - 1) AS i
$$"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS shuangsuiji_bigrams(text)"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_anchor_and_guards")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
