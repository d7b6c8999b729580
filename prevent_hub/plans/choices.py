from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ROLE = "role", _("Role")
    ORGANISATION = "organisation", _("Organisation")
    ALL_SPECIFIED = "all_specified", _("All specified authorities")


class TimescaleKind(models.TextChoices):
    DUE = "due", _("Due date")
    CADENCE = "cadence", _("Repeats")
    START = "start", _("Starts")
    ONGOING = "ongoing", _("Ongoing")
    HISTORY = "history", _("Done before")
    TARGET = "target", _("Target")
    UNPARSED = "unparsed", _("Not understood")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    TERMLY = "termly", _("Termly")
    BIANNUAL = "biannual", _("Twice a year")
    ANNUAL = "annual", _("Annual")


class Tag(models.TextChoices):
    """Programme tags recognised in an action's notes."""

    OFOF = "OFOF", _("Our Families, Our Future")
    CTLP = "CTLP", _("Counter Terrorism Local Profile")
    HATE_CRIME = "HATE_CRIME", _("Hate crime action plan")
