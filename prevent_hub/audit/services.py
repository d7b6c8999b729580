"""Writing to the audit logs and checking their hash chains.

Other apps call ``log_change`` and ``log_access`` inside the transaction that does
the work, so the log entry commits (or rolls back) with it.
"""
import logging
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from prevent_hub.core.context import request_id as current_request_id
from prevent_hub.core.permissions import memberships

from .anchors import AnchorFileError, append_anchors, read_anchors, sign, signature_ok
from .chain import GENESIS_HASH, json_safe, row_hash
from .models import AccessLog, ChainHead, ChangeLog

security_log = logging.getLogger("prevent_hub.security")
# The logs by the names the commands take.
LOGS = {"change": ChangeLog, "access": AccessLog}

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
    # "hash mismatch", "broken link", "gap in sequence", "duplicate sequence", "row id out of order",
    # or a sentence about the signed head or an anchor; "" when the log verified.
    problem: str = ""
    last_seq: int | None = None  # the head of the chain as far as it verified
    last_hash: str = ""
    anchors_checked: int = 0


_FROM_SETTINGS = object()


def verify_chain(model, *, anchor_file=_FROM_SETTINGS, signed_head: bool = True, using=None) -> VerifyResult:
    """Check ``model``'s log from the first entry to the last, against its signed head and anchors.

    Recomputes the hash chain; checks that row ids rise with ``seq`` (they are given out
    under the chain lock), that the signed head is validly signed and sits on the last
    entry (at seq 0 for an empty log), and that every anchor in ``anchor_file`` (default:
    ``AUDIT_ANCHOR_FILE``; None for none) is validly signed and names an entry the log
    still holds, with the anchored hash. ``signed_head=False`` leaves out the head, for
    re-signing it. Rows are streamed in ``seq`` order, so memory use stays flat however
    long the log; ``rows_checked`` counts the rows read, including the first bad one.

    Everything is read in one snapshot, so entries appended meanwhile can neither raise
    a false alarm nor hide a forged row (see ``_snapshot``).
    """
    using = using or router.db_for_read(model)
    log = model._meta.label_lower
    path = settings.AUDIT_ANCHOR_FILE if anchor_file is _FROM_SETTINGS else anchor_file
    try:
        # Before the snapshot starts: every anchor in the file then was taken from a state it includes.
        anchored = read_anchors(path, log) if path else []
    except AnchorFileError as error:
        return VerifyResult(False, 0, None, str(error))
    with _snapshot(using):
        return _verify(model, anchored, signed_head, using)


@contextmanager
def _snapshot(using):
    """Run the block in one transaction that sees a single, consistent state of the database.

    PostgreSQL: REPEATABLE READ, which fixes the snapshot at the first query. SQLite: the
    project opens transactions with BEGIN IMMEDIATE (config.env), which holds the write
    lock, so nothing is appended meanwhile. Inside a transaction already open (a test's, or
    a caller holding the chain lock) its own rules apply.
    """
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _verify(model, anchored: list, signed_head: bool, using) -> VerifyResult:
    log = model._meta.label_lower
    by_seq = {}
    for anchor in anchored:
        if not anchor.signature_ok:
            return VerifyResult(False, 0, None, (
                f"the anchor on line {anchor.line} of the anchor file has an invalid signature "
                "(forged, or signed with a key no longer in AUDIT_ANCHOR_KEYS)"))
        earlier = by_seq.setdefault(anchor.seq, anchor)
        if earlier.hash != anchor.hash or (anchor.seq == 0 and anchor.hash != GENESIS_HASH):
            return VerifyResult(False, 0, None, (
                f"the anchors on lines {earlier.line} and {anchor.line} of the anchor file "
                f"disagree about entry {anchor.seq}"))
    head = ChainHead.objects.using(using).filter(log=log).values_list("seq", "hash", "mac").first()

    names = [field.attname for field in model.hashed_fields()]
    rows = model.objects.using(using).order_by("seq", "pk").values_list("pk", *names, "hash").iterator(chunk_size=2000)
    checked, expected_seq, expected_prev = 0, 1, GENESIS_HASH
    last_seq, last_hash, last_pk = None, "", None

    def failure(seq, problem):
        return VerifyResult(False, checked, seq, problem, last_seq, last_hash)

    for row in rows:
        pk, values, stored_hash = row[0], dict(zip(names, row[1:-1], strict=True)), row[-1]
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
        if last_pk is not None and pk <= last_pk:
            return failure(seq, "row id out of order")
        anchor = by_seq.get(seq)
        if anchor is not None and anchor.hash != stored_hash:
            return failure(seq, (
                f"entry {seq} does not have the hash anchored {_when(anchor)}: "
                "the log was rewritten and its hashes recomputed"))
        last_seq, last_hash, last_pk = seq, stored_hash, pk
        expected_seq, expected_prev = seq + 1, stored_hash

    end = last_seq or 0
    problem = _head_problem(log, head, end, last_hash) if signed_head else None
    if problem:
        return failure(*problem)
    if by_seq and max(by_seq) > end:
        anchor = by_seq[max(by_seq)]
        if not end:
            return failure(1, f"the log is empty, but it was anchored at seq {anchor.seq} {_when(anchor)}: "
                              "every entry was removed")
        return failure(end + 1, f"the log ends at seq {end}, shorter than its anchored head at seq {anchor.seq} "
                                f"({_when(anchor)}): entries were removed from the end")
    return VerifyResult(True, checked, None, "", last_seq, last_hash, anchors_checked=len(anchored))


def _head_problem(log: str, head, end: int, last_hash: str) -> tuple[int | None, str] | None:
    """Return (first bad seq, problem) if the signed head does not vouch for a log ending at ``end``."""
    if head is None:
        return None, "the signed head is missing: it was deleted"
    seq, hash_, mac = head
    if not signature_ok(log, seq, hash_, mac):
        return None, (f"the signed head (seq {seq}) has an invalid signature "
                      "(forged, or signed with a key no longer in AUDIT_ANCHOR_KEYS)")
    if seq > end:
        if not end:
            return 1, f"the log is empty, but its signed head is at seq {seq}: every entry was removed"
        return end + 1, (f"the log ends at seq {end}, but its signed head is at seq {seq}: "
                         "entries were removed from the end")
    if seq < end:
        return seq + 1, (f"the log runs on past its signed head at seq {seq} to seq {end}: "
                         "entries were added outside the application, or by a server with other AUDIT_ANCHOR_KEYS")
    if hash_ != (last_hash or GENESIS_HASH):
        return seq or None, (f"entry {seq} does not have the signed head's hash: "
                             "the log was rewritten and its hashes recomputed")
    return None


def _when(anchor) -> str:
    return f"on {anchor.anchored_at}" if anchor.anchored_at else f"on line {anchor.line} of the anchor file"


def resign_head(model, *, using=None) -> VerifyResult:
    """Sign ``model``'s head afresh at its last entry, if its rows still chain; return the check of the rows.

    For after an incident has been investigated, or a key lost before the heads were
    re-signed under its successor: the signed head otherwise stays where it was for good.
    Anchors are not consulted: one ahead of a log set back (by a restore, say) stays in
    the anchor file, which the operator archives (docs/architecture.md, "Audit logs").
    """
    using = using or router.db_for_write(model)
    log = model._meta.label_lower
    with transaction.atomic(using=using):
        model._lock_chain(using)
        result = verify_chain(model, anchor_file=None, signed_head=False, using=using)
        if result.ok:
            seq, hash_ = result.last_seq or 0, result.last_hash or GENESIS_HASH
            ChainHead.objects.using(using).update_or_create(
                log=log, defaults={"seq": seq, "hash": hash_, "mac": sign(log, seq, hash_)})
            security_log.warning("The signed head of %s was signed afresh at seq %s by manage.py.", log, seq)
    return result


def anchor_heads(results: dict) -> list[dict]:
    """Append the verified head of each log in ``results`` ({model: VerifyResult}) to AUDIT_ANCHOR_FILE."""
    if not all(result.ok for result in results.values()):
        raise ValueError("Only a log that verified can be anchored.")
    heads = [(model._meta.label_lower, result.last_seq or 0, result.last_hash or GENESIS_HASH)
             for model, result in results.items()]
    return append_anchors(settings.AUDIT_ANCHOR_FILE, heads, timezone.now().isoformat(timespec="seconds"))


def describe(name: str, result: VerifyResult) -> str:
    """Return one line on a log's check: ``change log: 12 rows checked, OK (...)`` or ``access log: FAILED ...``."""
    if not result.ok:
        where = f" at seq {result.first_bad_seq}" if result.first_bad_seq is not None else ""
        return f"{name} log: FAILED{where}: {result.problem} ({result.rows_checked} rows checked)"
    text = f"{name} log: {result.rows_checked} rows checked, OK"
    if result.last_seq:
        text += f" (head seq {result.last_seq}, hash {result.last_hash})"
    if settings.AUDIT_ANCHOR_FILE:
        text += f"; {result.anchors_checked} anchor(s) checked"
    else:
        text += "; no anchor file configured (AUDIT_ANCHOR_FILE)"
    return text


def alert_roles_emails() -> list[str]:
    """Return the email of every active user holding one of AUDIT_ALERT_ROLES in any partnership."""
    from prevent_hub.accounts.models import Membership

    emails = Membership.objects.filter(role__in=settings.AUDIT_ALERT_ROLES, user__is_active=True).exclude(
        user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


def send_alert(failures: dict[str, VerifyResult]) -> list[str]:
    """Email every holder of AUDIT_ALERT_ROLES that these logs ({name: result}) failed; return who was sent it.

    The message names the log and the problem only: never an entry's content.
    """
    lines = "\n".join(f"- {describe(name, result)}" for name, result in failures.items())
    subject = "Audit log check failed: " + ", ".join(f"{name} log" for name in failures)
    body = (
        f"The daily check of the audit logs of the Prevent Partnership Hub at {settings.SITE_URL} failed:\n\n"
        f"{lines}\n\n"
        "An entry may have been changed or removed outside the application. Keep the database and the anchor "
        "file as they are, run manage.py verify_audit on the server and follow docs/architecture.md, "
        "\"Audit logs\".\n"
    )
    recipients = alert_roles_emails()
    if not recipients:
        security_log.error("Nobody holds any of AUDIT_ALERT_ROLES (%s) to alert.",
                           ", ".join(settings.AUDIT_ALERT_ROLES))
        return []
    try:
        send_mass_mail([(subject, body, None, [email]) for email in recipients])
    except (OSError, smtplib.SMTPException) as error:
        security_log.error("The audit alert could not be emailed (%s).", type(error).__name__)
        return []
    return recipients


def chain_head(model) -> dict:
    """Return ``{"seq": ..., "hash": ...}`` of the log's last entry (both None when empty)."""
    last = model.objects.order_by("-seq").values_list("seq", "hash").first()
    return {"seq": last[0], "hash": last[1]} if last else {"seq": None, "hash": None}
