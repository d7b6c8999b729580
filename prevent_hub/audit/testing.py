"""Test helpers for the audit logs, shared with other apps' tests.

Only tests may import this module: it switches off the database's append-only guard.
"""
from contextlib import contextmanager

from django.db import connections, transaction

from .models import AccessLog, ChainHead, ChangeLog


@contextmanager
def append_only_bypassed(using="default"):
    """Yield a cursor that may UPDATE, DELETE and INSERT audit rows and signed heads freely, inside one atomic block.

    On PostgreSQL the tables' triggers are disabled with ``ALTER TABLE ... DISABLE
    TRIGGER USER`` and enabled again on the way out; on SQLite they are dropped and
    re-created from their stored definitions. The atomic block (a savepoint inside a
    test's transaction) means that if anything fails, nothing stays switched off.
    """
    connection = connections[using]
    tables = [ChangeLog._meta.db_table, AccessLog._meta.db_table, ChainHead._meta.db_table]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            yield cursor
            for table in tables:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s, %s)", tables
            )
            triggers = cursor.fetchall()
            for name, _definition in triggers:
                cursor.execute(f"DROP TRIGGER {quote(name)}")
            yield cursor
            for _name, definition in triggers:
                cursor.execute(definition)
        else:
            raise NotImplementedError(f"Bypassing the audit triggers is not supported on {connection.vendor}.")


def tamper(sql, params=(), *, using="default") -> int:
    """Run one raw SQL statement against the audit tables (signed heads too) with their triggers bypassed.

    Returns the number of rows affected. With no ``params`` the SQL is sent as it is
    (a literal ``%`` needs no doubling).
    """
    with append_only_bypassed(using) as cursor:
        cursor.execute(sql, params or None)
        return cursor.rowcount
