from django.db import models


class PartnershipScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view", partnership=None):
        """Return only the objects ``user`` may ``action`` (optionally in one partnership).

        Everything else is invisible, so detail views built on this answer 404
        for out-of-scope objects rather than revealing that they exist.
        """
        from .permissions import partnership_ids_with_perm

        perm = f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"
        allowed = partnership_ids_with_perm(user, perm)
        if partnership is not None:
            allowed = allowed & {partnership.pk}
        if not allowed:
            return self.none()
        # The partnership comes along because every object URL names its partnership.
        return self.filter(partnership_id__in=allowed).select_related("partnership")
