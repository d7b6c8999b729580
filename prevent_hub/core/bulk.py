"""Insert many rows fast: PostgreSQL's COPY, or batched INSERTs elsewhere.

For data at a scale where ``bulk_create`` (one model instance per row, one INSERT per
batch) is the bottleneck: the synthetic national data set and the audit log's bulk
history path. Rows are plain tuples of database-ready values in ``columns`` order; no
model ``save()``, no signals, no ``auto_now``: the caller supplies every value.
"""
import json
from collections.abc import Iterable, Sequence

from django.db import connections, models, router

COPY_CHUNK = 5_000
# Exact types (not subclasses: an encrypted text field is a TextField that must be converted).
PLAIN_FIELDS = frozenset({
    models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.CharField, models.TextField,
    models.SlugField, models.EmailField, models.URLField, models.BooleanField, models.DateField,
    models.DateTimeField, models.ForeignKey,
})
INSERT_CHUNK = 500
_JSON = json.JSONEncoder(ensure_ascii=False)


def copy_insert(model, columns: Sequence[str], rows: Iterable[tuple], *, using=None, progress=None) -> int:
    """Insert ``rows`` into ``model``'s table, joining the caller's transaction; return how many.

    ``columns`` are attnames (``partnership_id``, not ``partnership``). JSON columns take
    Python lists or dicts; ``progress`` (a callable taking a count) is told as rows go in.
    """
    using = using or router.db_for_write(model)
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(_field_name(model, column)) for column in columns]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    postgres = connection.vendor == "postgresql"
    # COPY takes plain numbers, text, dates and aware datetimes as they are; anything else
    # (JSON, encrypted text, and every value on other databases) goes through the field.
    converted = [
        (i, field) for i, field in enumerate(fields)
        if not postgres or type(field) not in PLAIN_FIELDS
    ]

    def prepared(row):
        if not converted:
            return row
        row = list(row)
        for position, field in converted:
            value = row[position]
            if postgres and isinstance(field, models.JSONField):
                row[position] = None if value is None else _JSON.encode(value)
            else:
                row[position] = field.get_db_prep_save(value, connection)
        return row

    count = 0
    with connection.cursor() as cursor:
        if postgres:
            # COPY streams one text payload: an order of magnitude faster than INSERT batches.
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
                    if progress and count % COPY_CHUNK == 0:
                        progress(COPY_CHUNK)
            if progress:
                progress(count % COPY_CHUNK)
            return count
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) == INSERT_CHUNK:
                cursor.executemany(sql, batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
            if progress:
                progress(len(batch))
    return count


def _field_name(model, column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == column:
            return field.name
    raise ValueError(f"{model.__name__} has no column {column!r}.")
