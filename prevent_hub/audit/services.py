"""Writing to the audit logs and checking their hash chains.

Other apps call ``log_change`` and ``log_access`` inside the transaction that does
the work, so the log entry commits (or rolls back) with it.
"""
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.crypto import salted_hmac

from prevent_hub.core.context import request_id as current_request_id
from prevent_hub.core.permissions import memberships

from .chain import GENESIS_HASH, json_safe, row_hash
from .models import AccessLog, ChangeLog

# Secrets never enter the log, which can never be purged. A redacted value is
# replaced by a keyed digest, so a change to it still shows (and still counts as a
# change for core.services.object_update) without revealing it. A model can name
# more fields in an ``audit_redact`` class attribute.
REDACTED_FIELDS = frozenset({"password", "session_token"})
# A model with ``audit_withhold_content = True`` (Channel case records) is logged by
# shape only: its id, version, times and the fields it names in ``audit_keep``; even
# its links to other records are withheld. It is named in the log by ``audit_name``
# (a pseudonym that dies with the case), not by its id or text. Its content must not
# outlive the erasure of the case, and the logs cannot be purged.
STRUCTURAL_FIELDS = frozenset({"id", "partnership_id", "version", "created_at", "updated_at"})
WITHHELD = "[withheld]"


def serialize_instance(instance) -> dict:
    """Return ``{attname: JSON-safe value}`` for every concrete field of ``instance``, pk included.

    Foreign keys appear as their id, dates and times as ISO 8601 strings, Decimals
    and floats as strings, files as their name. Secret fields are redacted.
    """
    redacted = REDACTED_FIELDS | set(getattr(type(instance), "audit_redact", ()))
    withhold = getattr(type(instance), "audit_withhold_content", False)
    kept = STRUCTURAL_FIELDS | set(getattr(type(instance), "audit_keep", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if withhold and field.attname not in kept:
            data[field.attname] = WITHHELD
            continue
        value = field.value_from_object(instance)
        if value not in (None, "") and (field.name in redacted or field.attname in redacted):
            value = "[redacted " + salted_hmac("prevent_hub.audit.redact", str(value)).hexdigest()[:16] + "]"
        data[field.attname] = json_safe(value)
    return data


def _user_id(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def _user_repr(actor) -> str:
    if actor is None:
        return ""
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    name, username = str(actor), actor.get_username()
    return name if name == username else f"{name} <{username}>"


def _partnership_id(instance):
    if instance is None:
        return None
    if instance._meta.label_lower == "directory.partnership":
        return instance.pk
    return getattr(instance, "partnership_id", None)


def log_change(*, actor, instance, action: str, before: dict | None, after: dict | None) -> ChangeLog:
    """Append one change log entry for a write to ``instance``, joining the caller's transaction.

    ``actor`` is None for system and command-line work. ``before`` and ``after`` are
    snapshots from ``serialize_instance`` (None for a create's before and a delete's after).
    """
    if action not in ChangeLog.Action.values:
        raise ValueError(f"Unknown change log action {action!r}.")
    entry = ChangeLog(
        user_id=_user_id(actor),
        user_repr=_user_repr(actor),
        request_id=current_request_id(),
        partnership_id=_partnership_id(instance),
        content_type=ContentType.objects.get_for_model(instance),
        object_id=getattr(instance, "audit_name", None) or str(instance.pk),
        object_repr=getattr(instance, "audit_name", None) or str(instance),
        action=action,
        before=before,
        after=after,
    )
    entry.save()
    return entry


def log_access(
    *,
    actor,
    event: str,
    target=None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    target_version: int | None = None,
    sections=(),
    purpose: str = "",
    recipient: str = "",
    partnership_id: int | None = None,
) -> AccessLog:
    """Append one access log entry (a read, download, export or disclosure), joining the caller's transaction.

    When ``target`` (a model instance) is given, its type, id, text, version and
    partnership fill whichever of those arguments were not given. ``roles`` records
    the roles ``actor`` held in that partnership when the entry was written.
    """
    if event not in AccessLog.Event.values:
        raise ValueError(f"Unknown access log event {event!r}.")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)
        if target_version is None:
            target_version = getattr(target, "version", None)
        if partnership_id is None:
            partnership_id = _partnership_id(target)
    held = memberships(actor).get(partnership_id, frozenset()) if actor is not None else frozenset()
    entry = AccessLog(
        user_id=_user_id(actor),
        user_repr=_user_repr(actor),
        roles=",".join(sorted(str(role) for role in held)),
        request_id=current_request_id(),
        partnership_id=partnership_id,
        event=event,
        target_type=target_type,
        target_id=str(target_id),
        target_repr=target_repr,
        target_version=target_version,
        sections=[str(section) for section in sections],
        purpose=purpose,
        recipient=recipient,
    )
    entry.save()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    problem: str = ""  # "hash mismatch", "broken link", "gap in sequence", "duplicate sequence" or ""
    last_seq: int | None = None  # the head of the chain as far as it verified
    last_hash: str = ""


def verify_chain(model) -> VerifyResult:
    """Recompute ``model``'s hash chain from the first entry to the last.

    Rows are streamed in ``seq`` order, so memory use stays flat however long the log.
    ``rows_checked`` counts the rows read, including the first bad one.
    """
    names = [field.attname for field in model.hashed_fields()]
    rows = model.objects.order_by("seq", "pk").values_list(*names, "hash").iterator(chunk_size=2000)
    checked, expected_seq, expected_prev = 0, 1, GENESIS_HASH
    last_seq, last_hash = None, ""

    def failure(seq, problem):
        return VerifyResult(False, checked, seq, problem, last_seq, last_hash)

    for row in rows:
        values, stored_hash = dict(zip(names, row[:-1], strict=True)), row[-1]
        seq = values["seq"]
        checked += 1
        if last_seq is not None and seq == last_seq:
            return failure(seq, "duplicate sequence")
        if seq != expected_seq:
            return failure(seq, "gap in sequence")
        if values["prev_hash"] != expected_prev:
            return failure(seq, "broken link")
        if row_hash(values["prev_hash"], values) != stored_hash:
            return failure(seq, "hash mismatch")
        last_seq, last_hash = seq, stored_hash
        expected_seq, expected_prev = seq + 1, stored_hash
    return VerifyResult(True, checked, None, "", last_seq, last_hash)


def chain_head(model) -> dict:
    """Return ``{"seq": ..., "hash": ...}`` of the log's last entry (both None when empty)."""
    last = model.objects.order_by("-seq").values_list("seq", "hash").first()
    return {"seq": last[0], "hash": last[1]} if last else {"seq": None, "hash": None}
