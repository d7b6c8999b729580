"""Caching what is computed from a partnership's records, served only while none of them has changed.

A cached value is stored under a key that includes a *fingerprint* of every table it was
computed from: for each source, its rows, the sum of their ids and the sum of their versions,
read in one query. An insert or a deletion changes the first two; every save through
``core.services`` bumps a version (and bulk loads insert rows), so any change to a source
changes the key. No clock is involved, so the order in which concurrent edits commit cannot
hide one. The key also holds a digest of the code and templates that compute the value, so a
release never serves a value made by the code it replaced.
"""
import functools
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Model, QuerySet

CACHE_SECONDS = 24 * 3600


def fingerprint(partnership_id: int, sources: Iterable[type[Model] | QuerySet]) -> tuple:
    """(rows, sum of ids, sum of versions) of each source, in one query.

    A model class stands for all its rows in the partnership; a queryset (of a model with a
    ``version``) for the rows it selects, and must already be limited to the partnership.
    """
    parts, params = [], []
    for index, source in enumerate(sources):
        if isinstance(source, QuerySet):
            sql, source_params = (source.order_by().values(fp_id=F("pk"), fp_version=F("version"))
                                  .query.sql_with_params())
        else:
            quote = connection.ops.quote_name
            sql = (f"SELECT {quote(source._meta.pk.column)} AS fp_id, {quote('version')} AS fp_version "
                   f"FROM {quote(source._meta.db_table)} WHERE {quote('partnership_id')} = %s")
            source_params = (partnership_id,)
        parts.append(f"SELECT {index} AS fp_source, COUNT(*), SUM(fp_id), SUM(fp_version) FROM ({sql}) fp_{index}")
        params.extend(source_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY fp_source", params)
        return tuple(tuple(int(value or 0) for value in row[1:]) for row in cursor.fetchall())


@functools.cache
def code_digest(*paths: str | Path) -> str:
    """A digest of files as deployed (the code and templates behind a cached value)."""
    return hashlib.sha256(b"".join(Path(path).read_bytes() for path in paths)).hexdigest()


def template_path(name: str) -> Path:
    """The file a template name resolves to, for ``code_digest``."""
    from django.template import engines

    return Path(engines["django"].engine.find_template(name)[0].origin.name)


def render_cached(namespace: str, key_parts: tuple, template_name: str, build_context: Callable[[], dict]) -> str:
    """``template_name`` rendered without a request from ``build_context()``, cached under ``key_parts`` (which
    must include a fingerprint of its sources and a ``code_digest`` of the code and templates behind it).

    The template must not depend on who is looking, nor carry a per-request value such as a CSRF token.
    """
    from django.template.loader import render_to_string

    return get_or_build(namespace, key_parts, lambda: render_to_string(template_name, build_context()))


def get_or_build(namespace: str, key_parts: tuple, build: Callable[[], object], seconds: int = CACHE_SECONDS):
    """The value cached under ``namespace`` and ``key_parts`` (which must include a fingerprint), or ``build()``'s."""
    key = f"{namespace}:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value
