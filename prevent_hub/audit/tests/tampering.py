"""Tampering with the audit logs as someone with write access to the database would, for the tests.

Every operation runs raw SQL through ``prevent_hub.audit.testing`` (``tamper``, or the
``append_only_bypassed`` cursor for several statements), which bypasses the tables'
triggers inside the test's transaction; the test's rollback undoes it.
"""
import datetime
import json
import random

from django.db import connection

from prevent_hub.audit import anchors
from prevent_hub.audit.chain import GENESIS_HASH, row_hash
from prevent_hub.audit.models import AccessLog, ChainHead, ChangeLog
from prevent_hub.audit.testing import append_only_bypassed, tamper

TABLES = {ChangeLog: "audit_changelog", AccessLog: "audit_accesslog"}
HEAD_TABLE = ChainHead._meta.db_table
ON_POSTGRESQL = connection.vendor == "postgresql"


def jsonb(placeholder="%s"):
    return f"CAST({placeholder} AS jsonb)" if ON_POSTGRESQL else placeholder


def flip(text: str, position: int) -> str:
    """Change one character of ``text`` (a single flipped bit in its first byte where possible)."""
    char = text[position]
    new = chr(ord(char) ^ 1)
    if not new.isprintable():
        new = "x" if char != "x" else "y"
    return text[:position] + new + text[position + 1 :]


def mutate_json(value, rng):
    """Return a copy of a JSON value with one character of one string (or one number) changed."""
    if isinstance(value, str):
        return flip(value, rng.randrange(len(value))) if value else "x"
    if isinstance(value, bool) or value is None:
        return {"forged": True}
    if isinstance(value, int):
        return value + 1
    if isinstance(value, list):
        if not value:
            return ["forged"]
        i = rng.randrange(len(value))
        return value[:i] + [mutate_json(value[i], rng)] + value[i + 1 :]
    if not value:
        return {"forged": True}
    key = rng.choice(sorted(value))
    return {**value, key: mutate_json(value[key], rng)}


# Tampering operations -------------------------------------------------------


def flip_column(model, seq, column, rng=random):
    """Flip one character (or unit) of one column of one row; return the expected problem."""
    table = TABLES[model]
    value = model.objects.filter(seq=seq).values_list(column, flat=True).get()
    if isinstance(value, datetime.datetime):
        new = connection.ops.adapt_datetimefield_value(value + datetime.timedelta(microseconds=1))
        tamper(f"UPDATE {table} SET {column} = %s WHERE seq = %s", [new, seq])
        return "hash mismatch"
    if column in ("before", "after", "sections"):
        new = mutate_json(value, rng)
        tamper(f"UPDATE {table} SET {column} = {jsonb()} WHERE seq = %s", [json.dumps(new), seq])
        return "hash mismatch"
    if isinstance(value, int) or value is None:
        new = (value or 0) + 1
        tamper(f"UPDATE {table} SET {column} = %s WHERE seq = %s", [new, seq])
        return "hash mismatch"
    new = flip(value, rng.randrange(len(value))) if value else "x"
    tamper(f"UPDATE {table} SET {column} = %s WHERE seq = %s", [new, seq])
    return "broken link" if column == "prev_hash" else "hash mismatch"


def delete_row(model, seq):
    tamper(f"DELETE FROM {TABLES[model]} WHERE seq = %s", [seq])


def swap_rows(model, seq_a, seq_b):
    """Swap two rows' positions in the chain (their sequence numbers)."""
    table = TABLES[model]
    with append_only_bypassed() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = %s WHERE seq = %s", [-1, seq_a])
        cursor.execute(f"UPDATE {table} SET seq = %s WHERE seq = %s", [seq_a, seq_b])
        cursor.execute(f"UPDATE {table} SET seq = %s WHERE seq = %s", [seq_b, -1])


def insert_forged_row(model, after_seq, *, valid_hash: bool):
    """Insert a copy of row ``after_seq`` (with altered text) right after it, renumbering the rows behind it.

    With ``valid_hash`` the forger links the new row to its predecessor and computes its
    hash correctly; the chain still breaks at the row that follows.
    """
    table = TABLES[model]
    names = [field.attname for field in model.hashed_fields()]
    columns = ", ".join(names + ["hash"])
    source = model.objects.values(*names, "hash").get(seq=after_seq)
    text_column = "object_repr" if model is ChangeLog else "target_repr"
    forged = {
        **source,
        "seq": after_seq + 1,
        "prev_hash": source["hash"],
        text_column: source[text_column] + " (forged)",
    }
    forged_hash = row_hash(forged["prev_hash"], {n: forged[n] for n in names}) if valid_hash else "f" * 64
    # Placeholders for seq, the text and prev_hash, in the order ``names`` lists them.
    selects = ", ".join("%s" if n in ("seq", text_column, "prev_hash") else n for n in names)
    with append_only_bypassed() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = seq + 1000000 WHERE seq > %s", [after_seq])
        cursor.execute(f"UPDATE {table} SET seq = seq - 999999 WHERE seq > %s", [1000000])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {selects}, %s FROM {table} WHERE seq = %s",
            [forged["seq"], forged[text_column], forged["prev_hash"], forged_hash, after_seq],
        )
    return forged


def rechain(model, from_seq):
    """Recompute ``prev_hash`` and ``hash`` of every row from ``from_seq`` on, as a forger covering an edit would."""
    table = TABLES[model]
    names = [field.attname for field in model.hashed_fields()]
    before = model.objects.filter(seq__lt=from_seq).order_by("-seq").values_list("hash", flat=True).first()
    prev_hash = before or GENESIS_HASH
    updates = []
    for values in model.objects.filter(seq__gte=from_seq).order_by("seq").values(*names):
        values["prev_hash"] = prev_hash
        prev_hash = row_hash(prev_hash, values)
        updates.append([values["prev_hash"], prev_hash, values["seq"]])
    with append_only_bypassed() as cursor:
        cursor.executemany(f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s", updates)


def set_head(model, seq, hash_, mac):
    """Overwrite the log's signed head (or write it again after it was deleted)."""
    log = model._meta.label_lower
    with append_only_bypassed() as cursor:
        cursor.execute(f"DELETE FROM {HEAD_TABLE} WHERE log = %s", [log])
        cursor.execute(f"INSERT INTO {HEAD_TABLE} (log, seq, hash, mac) VALUES (%s, %s, %s, %s)",
                       [log, seq, hash_, mac])


def put_back_head(model, seq):
    """Put back the signed head the log had when ``seq`` was its last entry, as if captured then and replayed.

    The MAC is computed here with the key only because the test did not keep the head
    of that moment; a forger without the key could only have copied it.
    """
    hash_ = model.objects.filter(seq=seq).values_list("hash", flat=True).first() if seq else GENESIS_HASH
    set_head(model, seq, hash_, anchors.sign(model._meta.label_lower, seq, hash_))
