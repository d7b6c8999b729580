"""Counting writes to partnership-scoped tables in the database itself, for ``core.caching``.

Every partnership-scoped table gets triggers that add to ``core_changecount`` in the transaction
that writes it: on PostgreSQL one row per statement and partnership (statement triggers over the
transition tables, so a COPY of a million rows adds one), on SQLite one row per row written. No
code path can write without counting: not a service, a bulk insert, ``QuerySet.update()`` nor
raw SQL. Installed after every ``migrate`` (which is counted too, see ``MIGRATIONS``), so a new
table is counted from its first migration.
``manage.py fold_change_counts`` (daily) folds each table's count rows into one, so reading a
total stays a short sum; it changes how many rows hold a total, never the total.
"""
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, transaction

COUNTS = "core_changecount"

# (event, transition tables, the rows counted) for PostgreSQL's statement triggers. An update counts
# the rows before and after, so a record moved between partnerships counts for both.
PG_EVENTS = (
    ("insert", "NEW TABLE AS new_rows", "SELECT partnership_id FROM new_rows"),
    ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "SELECT partnership_id FROM new_rows UNION ALL SELECT partnership_id FROM old_rows"),
    ("delete", "OLD TABLE AS old_rows", "SELECT partnership_id FROM old_rows"),
)
SQLITE_EVENTS = (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",)))


def counted_tables() -> list[str]:
    """Every partnership-scoped table."""
    from .models import PartnershipScopedModel

    return sorted({model._meta.db_table for model in apps.get_models()
                   if issubclass(model, PartnershipScopedModel) and model._meta.managed and not model._meta.proxy})


def install_triggers(using: str = "default") -> int:
    """Create the counting triggers wherever one is missing; returns how many tables are counted.

    Idempotent and quick to repeat: an existing trigger is left alone (a table is never without
    one, even for a moment, while the application writes), the PostgreSQL functions are replaced
    in place. To change what a trigger is, give it a new name. Tables the code knows but the
    database does not hold (after migrating backwards) are skipped.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    existing_tables = set(connection.introspection.table_names())
    tables = [table for table in counted_tables() if table in existing_tables]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for event, _, rows in PG_EVENTS:
                cursor.execute(f"""
                    CREATE OR REPLACE FUNCTION core_count_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      INSERT INTO {COUNTS} (partnership_id, table_name, rows)
                      SELECT partnership_id, TG_TABLE_NAME, COUNT(*) FROM ({rows}) AS written GROUP BY partnership_id;
                      RETURN NULL;
                    END $$""")
            names = ", ".join(f"'core_count_{event}'" for event, _, _ in PG_EVENTS)
            cursor.execute(f"SELECT event_object_table, trigger_name FROM information_schema.triggers "
                           f"WHERE trigger_name IN ({names})")
            present = {(row[0], row[1]) for row in cursor.fetchall()}
            for table in tables:
                for event, transition, _ in PG_EVENTS:
                    if (table, f"core_count_{event}") not in present:
                        cursor.execute(f"CREATE TRIGGER core_count_{event} AFTER {event.upper()} ON {quote(table)} "
                                       f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION core_count_{event}()")
        elif connection.vendor == "sqlite":
            for table in tables:
                for event, images in SQLITE_EVENTS:
                    body = " ".join(f"INSERT INTO {COUNTS} (partnership_id, table_name, rows) "
                                    f"VALUES ({image}.partnership_id, '{table}', 1);" for image in images)
                    cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {quote(f'core_count_{event}_{table}')} "
                                   f"AFTER {event.upper()} ON {quote(table)} FOR EACH ROW BEGIN {body} END")
        else:
            raise ImproperlyConfigured(f"Write counting supports PostgreSQL and SQLite, not {connection.vendor}.")
    return len(tables)


# A count of its own, written by every migrate and read with every fingerprint: what a migration
# changes (a data migration, or on SQLite a table rebuilt without its triggers for the rest of the
# run) and a release's new code can never be served from parts cached before it.
MIGRATIONS = (0, "migrate")


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install_triggers(using)
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {COUNTS} (partnership_id, table_name, rows) VALUES (%s, %s, 1)", list(MIGRATIONS))


def unfolded(using: str = "default") -> list[tuple[int, str]]:
    """(partnership, table) pairs whose count is in more than one row."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT partnership_id, table_name FROM {COUNTS} GROUP BY partnership_id, table_name "
                       "HAVING COUNT(*) > 1 ORDER BY partnership_id, table_name")
        return [(row[0], row[1]) for row in cursor.fetchall()]


def fold_all(using: str = "default", progress=None) -> int:
    """Fold every table's count rows into one; returns how many tables were folded."""
    pairs = unfolded(using)
    for partnership_id, table in pairs:
        fold(partnership_id, table, using)
        if progress:
            progress()
    return len(pairs)


def fold(partnership_id: int, table: str, using: str = "default") -> None:
    """Replace a table's count rows by one holding their total (the rows deleted are exactly the rows summed,
    so a count committed meanwhile is neither lost nor counted twice). An optimisation: skipped if it fails."""
    connection = connections[using]
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {COUNTS} WHERE partnership_id = %s AND table_name = %s RETURNING rows",
                           [partnership_id, table])
            total = sum(row[0] for row in cursor.fetchall())
            if total:
                cursor.execute(f"INSERT INTO {COUNTS} (partnership_id, table_name, rows) VALUES (%s, %s, %s)",
                               [partnership_id, table, total])
    except DatabaseError:  # SQLite refuses a write that would lose its snapshot: fold another time
        pass
