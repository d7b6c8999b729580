"""Base models every domain app builds on."""
from django.db import models

from .querysets import PartnershipScopedQuerySet


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

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

