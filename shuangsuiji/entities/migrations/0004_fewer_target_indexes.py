"""Drop the indexes no query needs: each cost every imported row its maintenance.

Measured inserting 843,000 targets (benchmarks/import_targets.py, docs/scaling.md), each
index alone: the trigram index 22 s, the name's pattern_ops index 12 s, the plain region and
industry indexes 2 s each. Gone:

- `entities_target_name_trgm` (0002): name search goes by the bigram index (0003), which also
  serves two-character queries; case-insensitive searches compare UPPER(name), which neither
  serves.
- the name's `varchar_pattern_ops` index: nothing looks a name up by its start.
- the plain region and industry indexes: their `varchar_pattern_ops` twins serve both the
  prefix filters and equality.
- the licence's target index: `licence_unique` (target, number) starts with the target.

On PostgreSQL the indexes kept are renamed, not rebuilt.
"""

from django.db import migrations, models

# Django's names for the indexes of db_index=True (the same on every backend).
NAME, REGION, INDUSTRY = ("entities_target_name_b1dc7e5d",
                          "entities_target_region_code_e7ba7a1c",
                          "entities_target_industry_code_3ac15e79")
LICENCE_TARGET = "entities_licence_target_id_504418cd"
TRIGRAM = "entities_target_name_trgm"

POSTGRESQL_FORWARD = [
    f"DROP INDEX IF EXISTS {TRIGRAM}",
    f"DROP INDEX IF EXISTS {NAME}_like",
    f"ALTER INDEX {NAME} RENAME TO target_name",
    f"DROP INDEX IF EXISTS {REGION}",
    f"ALTER INDEX {REGION}_like RENAME TO target_region_code",
    f"DROP INDEX IF EXISTS {INDUSTRY}",
    f"ALTER INDEX {INDUSTRY}_like RENAME TO target_industry_code",
    f"DROP INDEX IF EXISTS {LICENCE_TARGET}",
]
POSTGRESQL_BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS {LICENCE_TARGET} ON entities_licence (target_id)",
    f"ALTER INDEX target_industry_code RENAME TO {INDUSTRY}_like",
    f"CREATE INDEX IF NOT EXISTS {INDUSTRY} ON entities_target (industry_code)",
    f"ALTER INDEX target_region_code RENAME TO {REGION}_like",
    f"CREATE INDEX IF NOT EXISTS {REGION} ON entities_target (region_code)",
    f"ALTER INDEX target_name RENAME TO {NAME}",
    f"CREATE INDEX IF NOT EXISTS {NAME}_like ON entities_target (name varchar_pattern_ops)",
    # The trigram index (0002) is not made again: pg_trgm may be missing, and nothing uses it.
]
# SQLite: one plain index per db_index field, renamed by building it again (small tables).
OTHER_FORWARD = [
    f"DROP INDEX IF EXISTS {NAME}",
    "CREATE INDEX target_name ON entities_target (name)",
    f"DROP INDEX IF EXISTS {REGION}",
    "CREATE INDEX target_region_code ON entities_target (region_code)",
    f"DROP INDEX IF EXISTS {INDUSTRY}",
    "CREATE INDEX target_industry_code ON entities_target (industry_code)",
    f"DROP INDEX IF EXISTS {LICENCE_TARGET}",
]
OTHER_BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS {LICENCE_TARGET} ON entities_licence (target_id)",
    "DROP INDEX IF EXISTS target_industry_code",
    f"CREATE INDEX {INDUSTRY} ON entities_target (industry_code)",
    "DROP INDEX IF EXISTS target_region_code",
    f"CREATE INDEX {REGION} ON entities_target (region_code)",
    "DROP INDEX IF EXISTS target_name",
    f"CREATE INDEX {NAME} ON entities_target (name)",
]


def _run(schema_editor, postgresql: list[str], other: list[str]) -> None:  # type: ignore[no-untyped-def]
    pg = schema_editor.connection.vendor == "postgresql"
    for statement in postgresql if pg else other:
        schema_editor.execute(statement)


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _run(schema_editor, POSTGRESQL_FORWARD, OTHER_FORWARD)


def backwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _run(schema_editor, POSTGRESQL_BACKWARD, OTHER_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("entities", "0003_target_name_bigrams")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="target", name="name",
                    field=models.CharField(max_length=200, verbose_name="name")),
                migrations.AlterField(
                    model_name="target", name="region_code",
                    field=models.CharField(blank=True, max_length=12,
                                           verbose_name="region code")),
                migrations.AlterField(
                    model_name="target", name="industry_code",
                    field=models.CharField(blank=True, max_length=10,
                                           verbose_name="industry (GB/T 4754)")),
                migrations.AddIndex(
                    model_name="target",
                    index=models.Index(fields=["name"], name="target_name")),
                migrations.AddIndex(
                    model_name="target",
                    index=models.Index(fields=["region_code"], name="target_region_code",
                                       opclasses=["varchar_pattern_ops"])),
                migrations.AddIndex(
                    model_name="target",
                    index=models.Index(fields=["industry_code"], name="target_industry_code",
                                       opclasses=["varchar_pattern_ops"])),
                migrations.AlterField(
                    model_name="licence", name="target",
                    field=models.ForeignKey(db_index=False,
                                            on_delete=models.deletion.CASCADE,
                                            related_name="licences",
                                            to="entities.target", verbose_name="target")),
            ]),
    ]
