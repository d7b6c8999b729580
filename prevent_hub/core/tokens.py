"""Secrets for links that work without signing in (owner updates, calendar feeds, training returns).

The link carries the secret; the database keeps only its hash, so a copy of the
database (or of the change log) opens nothing.
"""
import hashlib
import secrets


def new_secret() -> tuple[str, str]:
    """Return (token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, secret_hash(token)


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
