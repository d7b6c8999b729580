"""Make the logs append-only in the database and take them out of Django's flush.

AlterModelOptions(managed=False) changes no schema: it only stops ``flush`` (and so
the test runner) from emptying these tables, which the triggers below would refuse.
See the docstring of prevent_hub.audit.models.
"""
from django.db import migrations

TABLES = ("audit_changelog", "audit_accesslog")
MESSAGE = "audit log is append-only"

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION, None)  # None: the % signs are PL/pgSQL's
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="accesslog",
            options={
                "base_manager_name": "objects",
                "default_permissions": ("view",),
                "get_latest_by": "seq",
                "managed": False,
                "verbose_name": "access log entry",
                "verbose_name_plural": "access log entries",
            },
        ),
        migrations.AlterModelOptions(
            name="changelog",
            options={
                "base_manager_name": "objects",
                "default_permissions": ("view",),
                "get_latest_by": "seq",
                "managed": False,
                "verbose_name": "change log entry",
                "verbose_name_plural": "change log entries",
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
