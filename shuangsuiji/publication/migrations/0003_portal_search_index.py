"""Name-prefix search of the public results (portal): a C-collated index on PostgreSQL, so
`entity_name LIKE '晋城%'` and the keyset paging by (name, id) use it. SQLite needs none."""

from django.db import migrations

SQL = ('CREATE INDEX IF NOT EXISTS pub_name_c ON publication_publishedresult '
       '((entity_name COLLATE "C"), id) WHERE withdrawn_at IS NULL')


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pub_name_c")


class Migration(migrations.Migration):
    dependencies = [("publication", "0002_findings")]
    operations = [migrations.RunPython(forwards, backwards)]
