from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    EDUCATION = "education", _("Education and childcare")
    HEALTH = "health", _("Health")
    PRISONS_PROBATION = "prisons_probation", _("Prisons and probation")
    POLICE = "police", _("Police")
    VOLUNTARY_COMMUNITY = "voluntary_community", _("Voluntary and community")
    FAITH = "faith", _("Faith")
    OTHER = "other", _("Other")
