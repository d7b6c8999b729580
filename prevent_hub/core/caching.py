"""Caching what is computed from a partnership's records, served only while none of them has changed.

A cached value is stored under a key that includes a *fingerprint* of every table it was
computed from: how many rows of each have been written in the partnership, as counted by the
database's own triggers (``core.changes``). The count only ever grows and is written in the
same transaction as the rows, so every committed insert, update or deletion changes the key,
whatever wrote it and in whatever order concurrent writes commit; no clock is involved. The key
also holds a digest of the code and templates that compute the value, so a release never serves
a value made by the code it replaced.
"""
import functools
import hashlib
import types
from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Model, QuerySet

CACHE_SECONDS = 24 * 3600


def fingerprint(partnership_id: int, sources: Iterable[type[Model] | QuerySet]) -> tuple:
    """A value per source that changes whenever it does, in one query.

    A model class stands for its table in the partnership: the rows written to it (``core.changes``).
    A queryset stands for the rows it selects now: its rows, the sum of their ids and of their
    versions. Use one only where what counts changes with time and not with a write (panel listings
    count once their meeting has started); it must be limited to the partnership already.
    """
    from .changes import COUNTS, MIGRATIONS

    parts, params, counted = [], [], set()  # counted: the parts that read write counts, not rows
    for index, source in enumerate(sources):
        if isinstance(source, QuerySet):
            sql, source_params = (source.order_by().values(fp_id=F("pk"), fp_version=F("version"))
                                  .query.sql_with_params())
            parts.append(f"SELECT {index} AS fp_source, COUNT(*), SUM(fp_id), SUM(fp_version) FROM ({sql}) fp_{index}")
            params.extend(source_params)
        else:
            counted.add(index)
            parts.append(f"SELECT {index} AS fp_source, COUNT(*), SUM(rows), 0 FROM {COUNTS} "
                         f"WHERE partnership_id = %s AND table_name = %s")
            params.extend((partnership_id, source._meta.db_table))
    # Last, the count of migrations run (core.changes.MIGRATIONS): a deploy starts every key afresh.
    parts.append(f"SELECT {len(parts)} AS fp_source, COUNT(*), SUM(rows), 0 FROM {COUNTS} "
                 f"WHERE partnership_id = %s AND table_name = %s")
    params.extend(MIGRATIONS)
    counted.add(len(parts) - 1)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY fp_source", params)
        rows = cursor.fetchall()
    # A table's value is its total alone: folding its count rows (manage.py fold_change_counts) changes
    # their number, not their total.
    return tuple(int(row[2] or 0) if index in counted else tuple(int(value or 0) for value in row[1:])
                 for index, row in enumerate(rows))


@functools.cache
def code_digest(*sources) -> str:
    """A digest of files as deployed (the code and templates behind a cached value): paths (``__file__``),
    modules (their source file) or template names (the file each resolves to)."""
    return hashlib.sha256(b"".join(_source_path(source).read_bytes() for source in sources)).hexdigest()


def _source_path(source) -> Path:
    if isinstance(source, types.ModuleType):
        return Path(source.__file__)
    if isinstance(source, str) and source.endswith(".html"):
        from django.template import engines

        return Path(engines["django"].engine.find_template(source)[0].origin.name)
    return Path(source)


def render_cached(namespace: str, key_parts: tuple, template_name: str, build_context: Callable[[], dict], *,
                  code: tuple = ()) -> str:
    """``template_name`` rendered without a request from ``build_context()``, and cached.

    ``key_parts`` must hold what the part shows depends on: the options asked for and the
    ``fingerprint`` of its sources. ``code``: the modules and included templates behind it; their
    digest, the template's own and the settings that shape the output complete the key. The
    template must not depend on who is looking, nor carry a per-request value such as a CSRF token.
    """
    from django.conf import settings
    from django.template.loader import render_to_string

    deployed = (code_digest(template_name, *code), settings.TIME_ZONE, settings.LANGUAGE_CODE)
    return get_or_build(namespace, (*deployed, *key_parts), lambda: render_to_string(template_name, build_context()))


def get_or_build(namespace: str, key_parts: tuple, build: Callable[[], object], seconds: int = CACHE_SECONDS):
    """The value cached under ``namespace`` and ``key_parts`` (which must include a fingerprint), or ``build()``'s."""
    key = f"{namespace}:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value
