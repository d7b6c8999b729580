"""Base models every domain app builds on."""
import functools

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from .querysets import PartnershipScopedQuerySet


@functools.cache
def _choice_labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        # Behind every get_<field>_display(). Django rebuilds the field's whole choices dictionary on
        # each call (tens of times per list page); a model field's choices are fixed, so build it once.
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)

    @classmethod
    def permission_name(cls, action: str) -> str:
        """Return the permission the engine checks, named ``<app>.<action>_<model>``."""
        return f"{cls._meta.app_label}.{action}_{cls._meta.model_name}"


class PartnershipScopedModel(TimestampedModel):
    """A record that belongs to exactly one partnership.

    ``version`` is incremented on every save through core.services so that a
    stale edit form is detected instead of silently overwriting a newer one.
    """

    partnership = models.ForeignKey("directory.Partnership", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PartnershipScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ChangeCount(models.Model):
    """Rows written to one partnership's table, counted by the database itself (``core.changes``).

    Triggers on every partnership-scoped table append a row here for each statement that inserts,
    updates or deletes rows (on SQLite, for each row), in the writing transaction;
    ``manage.py fold_change_counts`` folds them together. The total for a table only ever grows, so it
    changes with every committed write, whoever makes it: the key cached pages are stored under.
    """

    partnership_id = models.BigIntegerField()
    table_name = models.CharField(max_length=63)
    rows = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partnership_id", "table_name"], name="core_changecount_key")]

    def __str__(self):
        return f"{self.table_name} of partnership {self.partnership_id}: {self.rows}"
