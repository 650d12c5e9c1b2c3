"""Search of the target directory by any part of a name of two characters or more,
PostgreSQL only: GIN over the name's character bigrams (core/search.py). The trigram index
of 0002 serves no two-character query (兴达 has no trigram)."""

from django.db import migrations

INDEX = "entities_target_name_bigrams"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON entities_target "
                              "USING gin (shuangsuiji_bigrams(name))")
        schema_editor.execute(f"ALTER INDEX {INDEX} ALTER COLUMN 1 SET STATISTICS 1000")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("entities", "0002_target_name_trigram"), ("core", "0004_name_bigrams")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
