"""The hash chain both audit logs share: value normalisation, canonical JSON, row hashes.

A row's hash is ``sha256(prev_hash + canonical_json(fields))`` where ``fields`` are all
of the row's columns except ``id`` and ``hash`` (keyed by column attname, so a
foreign key appears as ``user_id``). Values are normalised *before* hashing so that
what the database hands back later is exactly what was hashed: the verifier reads a
row and must recompute the same digest on SQLite and on PostgreSQL.
"""
import base64
import datetime
import decimal
import hashlib
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.utils.duration import duration_iso_string
from django.utils.functional import Promise

GENESIS_HASH = "0" * 64


def clean_text(value) -> str:
    """Return ``value`` as a plain ``str`` that every database stores unchanged.

    PostgreSQL refuses NUL in text and jsonb, and lone surrogates cannot be encoded as
    UTF-8; both are replaced rather than letting a log write fail.
    """
    text = str(value).replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def json_safe(value):
    """Return ``value`` converted to plain JSON types (dict, list, str, int, bool, None).

    Decimals, floats, dates, times, durations, UUIDs, bytes and file names become
    strings. Floats are kept as text because PostgreSQL's jsonb rewrites some of them
    (``1e+16`` comes back as an integer, ``-0.0`` as ``0.0``), which would break the hash.
    Aware datetimes are expressed in UTC with microseconds.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {clean_text(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [json_safe(item) for item in value]
        return sorted(items, key=canonical_json)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Promise):
        return clean_text(value)
    # Anything else DjangoJSONEncoder knows (and a TypeError for what it does not).
    return json_safe(DjangoJSONEncoder().default(value))


def canonical_value(value):
    """Return a column value as it enters the canonical JSON (timestamps as UTC ISO 8601)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("Audit timestamps must be timezone-aware.")
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value


# One encoder for every call: json.dumps with options builds a new encoder each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value) -> str:
    return _CANONICAL.encode(value)


def row_hash(prev_hash: str, fields: dict) -> str:
    """Return the hex SHA-256 of ``prev_hash`` followed by the canonical JSON of ``fields``."""
    payload = {name: canonical_value(value) for name, value in fields.items()}
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("utf-8"))
    digest.update(canonical_json(payload).encode("utf-8"))
    return digest.hexdigest()
