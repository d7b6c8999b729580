"""The signed head of each audit log (models.ChainHead, audit.anchors).

Like migrations 0001 and 0002 for the logs: the table is created as a managed model,
then marked unmanaged so that ``flush`` leaves it beside the logs it describes. The
database refuses to delete a head (or, on PostgreSQL, to truncate the table); a head is
only ever moved.

Each log's head is signed here where the log stands now, under the first of
AUDIT_ANCHOR_KEYS: trust on first use. Check an existing log before migrating
(``verify_audit --log ... --expect-head SEQ:HASH`` against heads exported earlier).
"""
import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

TABLE = "audit_chainhead"
LOGS = (("audit.changelog", "audit_changelog"), ("audit.accesslog", "audit_accesslog"))
GENESIS_HASH = "0" * 64
MESSAGE = "audit log is append-only"


def sign_heads(apps, schema_editor):
    connection = schema_editor.connection
    key = settings.AUDIT_ANCHOR_KEYS[0].encode()
    with connection.cursor() as cursor:
        for log, table in LOGS:
            cursor.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")
            seq, hash_ = cursor.fetchone() or (0, GENESIS_HASH)
            # The message audit.anchors.sign signs.
            mac = hmac.new(key, f"{log}:{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()
            cursor.execute(f"INSERT INTO {TABLE} (log, seq, hash, mac) VALUES (%s, %s, %s, %s)", [log, seq, hash_, mac])


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # audit_refuse_change() comes from migration 0002.
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    sign_heads(apps, schema_editor)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("log", models.CharField(max_length=100, primary_key=True, serialize=False, verbose_name="log")),
                ("seq", models.BigIntegerField(verbose_name="sequence number")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("mac", models.CharField(max_length=64, verbose_name="signature")),
            ],
            options={
                "verbose_name": "signed chain head",
                "default_permissions": (),
                "managed": True,
            },
        ),
        migrations.AlterModelOptions(
            name="chainhead",
            options={"default_permissions": (), "managed": False, "verbose_name": "signed chain head"},
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
