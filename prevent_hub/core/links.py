"""Links to a partnership's records, for pages that link dozens of rows.

``reverse()`` matches the whole URL configuration on every call. A record's page differs from
its neighbours' only in the id, so the parts around the id are worked out once per view and
partnership (and script prefix and URL configuration) and the id put between them.
"""
import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Stands in for the id while the fixed parts are found: a valid <id:pk> that no slug or path holds.
_PK_MARK = 4_611_686_018_427_387_917


@functools.lru_cache(maxsize=8192)
def _around_pk(viewname: str, partnership_slug: str, script_prefix: str, urlconf) -> tuple[str, str]:
    url = reverse(viewname, kwargs={"partnership": partnership_slug, "pk": _PK_MARK})
    before, mark, after = url.rpartition(str(_PK_MARK))
    assert mark, url
    return before, after


def _urlconf():
    return get_urlconf() or settings.ROOT_URLCONF  # a request's own, else the settings' (tests override it)


@functools.lru_cache(maxsize=8192)
def _partnership_url(viewname: str, partnership_slug: str, script_prefix: str, urlconf) -> str:
    return reverse(viewname, kwargs={"partnership": partnership_slug})


def partnership_url(viewname: str, partnership_slug: str) -> str:
    """``reverse(viewname, kwargs={"partnership": partnership_slug})``, worked out once (the navigation's links)."""
    return _partnership_url(viewname, partnership_slug, get_script_prefix(), _urlconf())


def record_url(viewname: str, partnership_slug: str, pk: int) -> str:
    """``reverse(viewname, kwargs={"partnership": partnership_slug, "pk": pk})``, without matching the URLs each time."""
    before, after = _around_pk(viewname, partnership_slug, get_script_prefix(), _urlconf())
    return f"{before}{int(pk)}{after}"
