"""Audit anchors, and the database keeps the chain from being truncated or rewound."""

from django.db import migrations, models


# The database refuses what would rewind the chain unseen: TRUNCATE of the log (a statement
# trigger, PostgreSQL only: SQLite has no TRUNCATE, and its DELETE fires the row trigger of
# 0002), any move of the head but one step forward onto the entry just appended, deleting the
# head, and any change to the anchors. A superuser who bypasses triggers is caught by an
# anchor kept outside the database (`audit verify --anchor`).
PG_FORWARD = """
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();

CREATE OR REPLACE FUNCTION core_audithead_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.id <> 1 OR NEW.seq <> 0 OR NEW.hash <> ''
       OR EXISTS (SELECT 1 FROM core_auditevent) THEN
      RAISE EXCEPTION 'the audit chain head starts once, empty, before the first entry';
    END IF;
    RETURN NEW;
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
         SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.hash) THEN
      RAISE EXCEPTION 'the audit chain head only moves one step forward, onto the entry appended';
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit chain head is never deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_audithead_forward_only BEFORE INSERT OR UPDATE OR DELETE ON core_audithead
  FOR EACH ROW EXECUTE FUNCTION core_audithead_forward_only();
CREATE TRIGGER core_audithead_no_truncate BEFORE TRUNCATE ON core_audithead
  FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();

CREATE TRIGGER core_auditanchor_no_update BEFORE UPDATE OR DELETE ON core_auditanchor
  FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
CREATE TRIGGER core_auditanchor_no_truncate BEFORE TRUNCATE ON core_auditanchor
  FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditanchor_no_truncate ON core_auditanchor;
DROP TRIGGER IF EXISTS core_auditanchor_no_update ON core_auditanchor;
DROP TRIGGER IF EXISTS core_audithead_no_truncate ON core_audithead;
DROP TRIGGER IF EXISTS core_audithead_forward_only ON core_audithead;
DROP FUNCTION IF EXISTS core_audithead_forward_only();
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER IF NOT EXISTS core_audithead_no_insert BEFORE INSERT ON core_audithead "
    "WHEN NEW.id IS NOT 1 OR NEW.seq IS NOT 0 OR NEW.hash IS NOT '' "
    "OR EXISTS (SELECT 1 FROM core_auditevent) "
    "BEGIN SELECT RAISE(ABORT, 'the audit chain head starts once, empty, before the first "
    "entry'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_audithead_forward_only BEFORE UPDATE ON core_audithead "
    "WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq + 1 OR NOT EXISTS ("
    "SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.hash) "
    "BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves one step forward, onto the "
    "entry appended'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_audithead_no_delete BEFORE DELETE ON core_audithead "
    "BEGIN SELECT RAISE(ABORT, 'the audit chain head is never deleted'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditanchor_no_update BEFORE UPDATE ON core_auditanchor "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditanchor_no_delete BEFORE DELETE ON core_auditanchor "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};" for name in (
        "core_audithead_no_insert", "core_audithead_forward_only", "core_audithead_no_delete",
        "core_auditanchor_no_update", "core_auditanchor_no_delete")
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(verbose_name='sequence')),
                ('hash', models.CharField(blank=True, max_length=64, verbose_name='hash')),
                ('taken_at', models.DateTimeField(db_index=True, verbose_name='time')),
                ('reason', models.CharField(choices=[('daily', 'daily'), ('draw', 'draw'), ('publication', 'publication of a result'), ('manual', 'taken by hand')], max_length=20, verbose_name='reason')),
                ('object_type', models.CharField(blank=True, max_length=60, verbose_name='object type')),
                ('object_id', models.CharField(blank=True, max_length=64, verbose_name='object id')),
                ('note', models.CharField(blank=True, max_length=100, verbose_name='note')),
            ],
            options={
                'verbose_name': 'audit anchor',
                'verbose_name_plural': 'audit anchors',
                'ordering': ['-taken_at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='core_anchor_object')],
            },
        ),
        migrations.RunPython(forward, reverse),
    ]
