"""Generic writes used by every domain app: each one is atomic and change-logged.

Domain services call these for the plain create/update/delete part of their work
so that optimistic locking and the change log work the same everywhere.
"""
from django.db import transaction


class ConflictError(Exception):
    """Raised when an edit was based on an older version than the one stored."""

    def __init__(self, current):
        super().__init__("The record was changed by someone else.")
        self.current = current


def _log(actor, instance, action, before, after):
    from prevent_hub.audit.services import log_change

    log_change(actor=actor, instance=instance, action=action, before=before, after=after)


def _snapshot(instance) -> dict:
    from prevent_hub.audit.services import serialize_instance

    return serialize_instance(instance)


def _values(instance) -> dict:
    """Every stored value of ``instance`` but its last-saved time, as the change log would write it unredacted."""
    from prevent_hub.audit.chain import json_safe

    return {field.attname: json_safe(field.value_from_object(instance))
            for field in instance._meta.concrete_fields if field.attname != "updated_at"}


@transaction.atomic
def object_create(*, actor, instance):
    instance.save()
    _log(actor, instance, "create", None, _snapshot(instance))
    return instance


@transaction.atomic
def object_update(*, actor, instance, expected_version: int | None):
    """Save ``instance`` if nobody has saved it since ``expected_version``.

    Returns (instance, changed). Unchanged saves write nothing.
    """
    model = instance._meta.model  # not type(): request.user is a lazy proxy
    current = model._base_manager.select_for_update().get(pk=instance.pk)
    stored_version = getattr(current, "version", None)
    if expected_version is not None and stored_version is not None and stored_version != expected_version:
        raise ConflictError(current)
    # Compare the values themselves, not the log's snapshots: a record logged by shape only
    # (audit_withhold_content) has the same snapshot whatever its content.
    if _values(current) == _values(instance):
        return current, False
    before = _snapshot(current)
    if stored_version is not None:
        instance.version = stored_version + 1
    instance.save()
    _log(actor, instance, "update", before, _snapshot(instance))
    return instance, True


@transaction.atomic
def object_delete(*, actor, instance):
    """Delete ``instance`` and log it, and every record the delete cascades to, one entry each."""
    from django.db import router
    from django.db.models.deletion import Collector

    collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
    collector.collect([instance])
    cascaded = [obj for objs in collector.data.values() for obj in objs if obj is not instance]
    cascaded += [obj for queryset in collector.fast_deletes for obj in queryset]
    snapshots = []
    for obj in cascaded:
        str(obj)  # its name is logged after the delete: load what the name needs while it still exists
        snapshots.append((obj, obj.pk, _snapshot(obj)))
    before = _snapshot(instance)
    pk = instance.pk
    collector.delete()  # what Model.delete() does, without collecting the cascade a second time
    instance.pk = pk  # keep the id for the log row
    _log(actor, instance, "delete", before, None)
    for obj, obj_pk, snapshot in snapshots:
        obj.pk = obj_pk
        _log(actor, obj, "delete", snapshot, None)
