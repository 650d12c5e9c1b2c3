from django.db import migrations


def forwards(apps, schema_editor):
    # Frozen pools are read back in UTF-8 byte order (protocol §1) by their unique index on
    # (freeze, ident): on PostgreSQL that needs the "C" collation (SQLite's BINARY already is).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE draws_frozencandidate ALTER COLUMN ident '
                              'TYPE varchar(40) COLLATE "C"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE draws_frozencandidate ALTER COLUMN ident '
                              'TYPE varchar(40) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("draws", "0003_draw_record_file")]

    operations = [migrations.RunPython(forwards, backwards)]
