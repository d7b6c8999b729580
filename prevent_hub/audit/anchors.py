"""Signed heads and anchors: what a rewritten or shortened audit log cannot hide (docs/architecture.md, "Audit logs").

The hash chain shows a changed row, but someone who can write to the database can cut
rows off the end, or rewrite a row and recompute every hash after it, and still leave a
chain that verifies. Two things kept outside the rows close that gap:

- The signed head (``models.ChainHead``): each log's last ``seq`` and ``hash`` with an
  HMAC-SHA256 under ``AUDIT_ANCHOR_KEYS``, keys the database never holds. Every append
  moves it in the same transaction, and only from the head it finds to be the current
  one, so a cut, an extension past the application or a recomputed chain stays visible.
  Without the key nobody can sign a new head; they can only put back an old one.
- Anchors: copies of signed heads appended (daily, by ``audit_daily``) to
  ``AUDIT_ANCHOR_FILE``, a JSON-lines file on storage the database role cannot reach.
  They catch the one thing the signed head cannot: a log set back to an earlier state
  together with a signed head captured at that time, or emptied along with its head.

Both sign the same message, ``"<log label>:<seq>:<hash>"``; the first key signs, every
key verifies, so a new key can be put first and the old ones retired later.
"""
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


def _message(log: str, seq: int, hash_: str) -> bytes:
    return f"{log}:{int(seq)}:{hash_}".encode()


def _mac(key: str, log: str, seq: int, hash_: str) -> str:
    return hmac.new(key.encode(), _message(log, seq, hash_), hashlib.sha256).hexdigest()


def sign(log: str, seq: int, hash_: str) -> str:
    """Return the MAC of a head under the first of ``AUDIT_ANCHOR_KEYS``."""
    return _mac(settings.AUDIT_ANCHOR_KEYS[0], log, seq, hash_)


def macs(log: str, seq: int, hash_: str) -> list[str]:
    """Return the MAC of a head under each of ``AUDIT_ANCHOR_KEYS``."""
    return [_mac(key, log, seq, hash_) for key in settings.AUDIT_ANCHOR_KEYS]


def signature_ok(log: str, seq: int, hash_: str, mac: str) -> bool:
    """Return whether ``mac`` signs this head under any of ``AUDIT_ANCHOR_KEYS``."""
    return any(hmac.compare_digest(expected, str(mac)) for expected in macs(log, seq, hash_))


class AnchorFileError(Exception):
    """The anchor file cannot be read, or holds a line that is not an anchor."""


@dataclass(frozen=True)
class Anchor:
    log: str
    seq: int
    hash: str
    mac: str
    anchored_at: str
    line: int

    @property
    def signature_ok(self) -> bool:
        return signature_ok(self.log, self.seq, self.hash, self.mac)


def read_anchors(path, log: str) -> list[Anchor]:
    """Return every anchor of ``log`` in the file at ``path`` (none if the file does not exist yet)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorFileError(f"The anchor file {path} cannot be read ({error}).") from error
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchor = Anchor(log=data["log"], seq=data["seq"], hash=data["hash"], mac=data["mac"],
                            anchored_at=data.get("anchored_at", ""), line=number)
            if not (isinstance(anchor.log, str) and type(anchor.seq) is int and anchor.seq >= 0
                    and isinstance(anchor.hash, str) and isinstance(anchor.mac, str)):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise AnchorFileError(f"Line {number} of the anchor file {path} is not an anchor.") from None
        if anchor.log == log:
            anchors.append(anchor)
    return anchors


def append_anchors(path, heads, anchored_at: str) -> list[dict]:
    """Append one signed anchor per ``(log, seq, hash)`` in ``heads`` to the file at ``path``; return them.

    One write, then fsync: the anchors are on disk before the caller reports success.
    The file is created readable by its owner alone.
    """
    path = Path(path)
    anchors = [
        {"log": log, "seq": seq, "hash": hash_, "mac": sign(log, seq, hash_), "anchored_at": anchored_at}
        for log, seq, hash_ in heads
    ]
    data = "".join(json.dumps(anchor, sort_keys=True) + "\n" for anchor in anchors).encode()
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_APPEND: the only way in to a file marked append-only (chattr +a).
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:  # make the new directory entry durable too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return anchors
