"""The change log and the access log: append-only and hash-chained (security.md SEC-15, SEC-16).

Append-only is enforced three times over: here (``save()`` only inserts, ``delete()``
and the queryset's bulk writes raise), in the database (triggers from migration 0002
refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE), and after the fact by the hash
chain, which ``manage.py verify_audit`` checks against each log's signed head
(``ChainHead``) and the anchors kept outside the database (see ``anchors``).

Why both models are ``managed = False``
---------------------------------------
Migration 0001 creates the tables as ordinary managed models; migration 0002 then
marks them unmanaged and installs the triggers. Django's ``flush`` (run between
transactional tests, and by ``manage.py flush``) only empties managed tables, so it
never tries to delete log rows, which the triggers would refuse. The price: the logs
survive a flush and keep growing across transactional tests, which is why each append
reads the last row of the log itself, and why ``ChainHead`` (the signed head, moved by
every append) is unmanaged too: flushed alone, it would no longer match its log.

Because the models are unmanaged, ``makemigrations`` still records field changes but
``migrate`` applies none of them. Any schema change to these tables needs a
hand-written migration (``RunSQL`` for each database vendor); on SQLite a table rebuild
also drops the triggers, which must then be created again.
"""
import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import anchors
from .chain import GENESIS_HASH, clean_text, json_safe, row_hash

security_log = logging.getLogger("prevent_hub.security")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit log entry."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit log entries cannot be deleted.")

    def _raw_delete(self, using):
        raise AppendOnlyError("Audit log entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit log entries cannot be changed.")

    def bulk_create(self, objs, *args, **kwargs):
        # Each row must be chained to the one before it under the chain lock.
        raise AppendOnlyError("Audit log entries are appended one at a time, through save().")


class HashChainedEntry(models.Model):
    """Behaviour shared by both logs: lock, number, hash and insert; never change."""

    # Key of the PostgreSQL advisory lock that serialises appends to one log.
    chain_lock_key: int = 0

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *, force_insert=False, force_update=False, using=None, update_fields=None):
        """Append this entry to the end of its log; refuse to touch a stored entry."""
        if not self._state.adding or force_update or update_fields is not None:
            raise AppendOnlyError(f"This {self._meta.verbose_name} is already in the log and cannot be changed.")
        model = type(self)
        using = using or router.db_for_write(model, instance=self)
        # savepoint=False: join the caller's transaction, so the entry commits or
        # rolls back with the change it records.
        with transaction.atomic(using=using, savepoint=False):
            self._lock_chain(using)
            last = model.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
            last_seq, self.prev_hash = last if last else (0, GENESIS_HASH)
            self.seq = last_seq + 1
            self.timestamp = timezone.now()
            self._normalise()
            self.hash = row_hash(self.prev_hash, self.hashed_values())
            super().save(force_insert=True, using=using)
            model._move_head(using, (last_seq, self.prev_hash), (self.seq, self.hash))

    save.alters_data = True

    def delete(self, using=None, keep_parents=False):
        raise AppendOnlyError("Audit log entries cannot be deleted.")

    delete.alters_data = True

    @classmethod
    def append_history(cls, entries, *, using=None, progress=None) -> int:
        """Append many entries that happened earlier (each with its own ``timestamp``) in one go.

        For loading a log at scale: the synthetic national data set, or a predecessor
        system's log brought over. Each entry is a dict of every hashed column except
        ``seq`` and ``prev_hash``, already in stored form (ints, clean text, JSON lists,
        aware datetimes); the chain continues from the current head under the same lock
        as ``save()``, and ``verify_audit`` checks the result like any other entry.
        Returns the number appended.
        """
        from prevent_hub.core.bulk import copy_insert

        using = using or router.db_for_write(cls)
        names = [field.attname for field in cls.hashed_fields()]
        columns = [*names, "hash"]
        with transaction.atomic(using=using, savepoint=False):
            cls._lock_chain(using)
            last = cls.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
            seq, prev_hash = last if last else (0, GENESIS_HASH)

            def chained():
                nonlocal seq, prev_hash
                for entry in entries:
                    seq += 1
                    values = {**entry, "seq": seq, "prev_hash": prev_hash}
                    if values["timestamp"].tzinfo is None:  # would be read as the server's local time
                        raise ValueError(f"Entry {seq}: the timestamp must be timezone-aware.")
                    values["timestamp"] = values["timestamp"].astimezone(datetime.UTC)
                    prev_hash = row_hash(prev_hash, values)
                    yield tuple(values[name] for name in names) + (prev_hash,)

            start = (seq, prev_hash)
            count = copy_insert(cls, columns, chained(), using=using, progress=progress)
            if count:  # once per call: the head moves from where the load began to its last row
                cls._move_head(using, start, (seq, prev_hash))
            return count

    @classmethod
    def hashed_fields(cls) -> list:
        """Return the columns covered by the hash: all but the surrogate ``id`` and ``hash`` itself."""
        return [f for f in cls._meta.concrete_fields if f.attname not in ("id", "hash")]

    def hashed_values(self) -> dict:
        return {f.attname: getattr(self, f.attname) for f in self.hashed_fields()}

    @classmethod
    def _lock_chain(cls, using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [cls.chain_lock_key])
        # SQLite: the project opens every transaction with BEGIN IMMEDIATE
        # (config.env), so this transaction already holds the database's write lock.
        # Elsewhere the unique ``seq`` turns a lost race into an IntegrityError
        # rather than a fork in the chain.

    @classmethod
    def _move_head(cls, using, old: tuple[int, str], new: tuple[int, str]) -> None:
        """Move the signed head from ``old`` to ``new`` (seq, hash) in one UPDATE, if it is still at ``old``.

        A head that is missing, badly signed or not at the log's last row means the log
        was changed past the application. It is then left as it is, so ``verify_audit``
        keeps reporting the change rather than the next append covering it up; the entry
        itself is still written, as an audit record must not be lost.
        """
        log = cls._meta.label_lower
        moved = ChainHead.objects.using(using).filter(
            log=log, seq=old[0], hash=old[1], mac__in=anchors.macs(log, *old)
        ).update(seq=new[0], hash=new[1], mac=anchors.sign(log, *new))
        if not moved:  # rare: worth a second query to say why
            head = ChainHead.objects.using(using).filter(log=log).values_list("seq", "hash").first()
            if head is None:
                why = "it is missing"
            elif tuple(head) != tuple(old):
                why = f"it is at seq {head[0]}, not on the last entry (seq {old[0]})"
            else:
                why = "its signature does not verify under AUDIT_ANCHOR_KEYS"
            security_log.error(
                "The signed head of %s was not moved to seq %s: %s. Run manage.py verify_audit.", log, new[0], why
            )

    def _normalise(self):
        """Bring every value into the form the database will hand back, so the hash survives a round trip."""
        for field in self.hashed_fields():
            value = getattr(self, field.attname)
            if isinstance(field, models.JSONField):
                value = json_safe(value)
            elif isinstance(field, (models.CharField, models.TextField)):
                value = clean_text(value or "")
                if field.max_length:
                    value = value[: field.max_length]
            elif isinstance(field, models.DateTimeField):
                value = value.astimezone(datetime.UTC) if value else value
            elif value is not None and isinstance(field, models.IntegerField | models.ForeignKey):
                value = int(value)
            setattr(self, field.attname, value)


def _user_field(**kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,  # the log never blocks or follows a user's deletion
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class ChangeLog(HashChainedEntry):
    """One write to any record: who, when, in which request, and the record before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    chain_lock_key = 0x4155_4449_5443_0001  # "AUDITC" + 1

    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    timestamp = models.DateTimeField(_("time (UTC)"), editable=False)
    user = _user_field()
    user_repr = models.CharField(_("user"), max_length=255, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    partnership_id = models.BigIntegerField(_("partnership"), null=True, blank=True)
    # Nullable only so that select_related uses an outer join: an entry whose content
    # type was removed must still be listed.
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("record type"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # covered by the (content_type, object_id) index
        related_name="+",
    )
    object_id = models.CharField(_("record id"), max_length=255)
    object_repr = models.CharField(_("record"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log entries")
        base_manager_name = "objects"
        default_permissions = ("view",)
        get_latest_by = "seq"
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_change_object_idx"),
            models.Index(fields=["partnership_id", "timestamp"], name="audit_change_partner_time_idx"),
        ]
        managed = False  # see the module docstring

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"


class AccessLog(HashChainedEntry):
    """One read of a sensitive record, download or export (DPA 2018 s62 logging)."""

    class Event(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        DISCLOSURE = "disclosure", _("Disclosure")
        DOWNLOAD = "download", _("Download")
        EXPORT = "export", _("Export")
        COLLECTION = "collection", _("Collection")
        ALTERATION = "alteration", _("Alteration")
        COMBINATION = "combination", _("Combination")
        ERASURE = "erasure", _("Erasure")

    chain_lock_key = 0x4155_4449_5441_0001  # "AUDITA" + 1

    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    timestamp = models.DateTimeField(_("time (UTC)"), editable=False)
    user = _user_field(db_index=False)  # covered by the (user, timestamp) index
    user_repr = models.CharField(_("user"), max_length=255, blank=True)
    roles = models.CharField(_("roles held"), max_length=255, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    partnership_id = models.BigIntegerField(_("partnership"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=255, blank=True)
    target_repr = models.CharField(_("record"), max_length=255, blank=True)
    target_version = models.BigIntegerField(_("record version"), null=True, blank=True)
    sections = models.JSONField(_("fields or sections"), default=list, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    recipient = models.TextField(_("recipient"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        base_manager_name = "objects"
        default_permissions = ("view",)
        get_latest_by = "seq"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_access_target_idx"),
            models.Index(fields=["partnership_id", "timestamp"], name="audit_access_partner_time_idx"),
            models.Index(fields=["user", "timestamp"], name="audit_access_user_time_idx"),
        ]
        managed = False  # see the module docstring

    def __str__(self):
        return f"#{self.seq} {self.event} {self.target_repr}"


class ChainHead(models.Model):
    """The signed head of one log: its last seq and hash, and their HMAC under AUDIT_ANCHOR_KEYS (audit.anchors).

    One row per log, created by migration 0003 and moved by every append in the append's
    transaction. An empty log's head is at seq 0 with the genesis hash. Unmanaged like
    the logs (see the module docstring); the database refuses to delete a row.
    """

    log = models.CharField(_("log"), max_length=100, primary_key=True)  # the log model's label
    seq = models.BigIntegerField(_("sequence number"))
    hash = models.CharField(_("hash"), max_length=64)
    mac = models.CharField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("signed chain head")
        default_permissions = ()
        managed = False  # see the module docstring

    def __str__(self):
        return f"{self.log} at #{self.seq}"
