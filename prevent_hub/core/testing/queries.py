"""Counting a page's queries, for the tests that keep them constant as data grows."""
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(client, url) -> int:
    """How many queries one GET of ``url`` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def computed_and_cached(client, url) -> tuple[int, int]:
    """Queries for ``url`` worked out afresh (an empty cache), then again with what that view cached.

    Pages cache what they compute (core.caching), so a constant-queries test compares both: the
    count of a cold view and of a warm one must each be independent of how much data there is.
    """
    cache.clear()
    return queries(client, url), queries(client, url)


def part_and_queries(client, url, start: str, end: str = "</main>") -> tuple[str, int]:
    """The part of ``url``'s page from ``start`` up to ``end`` (a cached part: around it, a page carries
    per-request tokens) and how many queries the request made."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html[html.index(start):html.index(end)], len(captured)
