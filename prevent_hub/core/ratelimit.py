"""Counting requests against a limit in the cache, for pages anyone can reach (links, public forms)."""
from django.core.cache import cache


def within(key: str, limit: int, seconds: int = 3600) -> bool:
    """Count one more use of ``key``; return whether it is still within ``limit`` uses in ``seconds``."""
    key = f"ratelimit:{key}"
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return True
