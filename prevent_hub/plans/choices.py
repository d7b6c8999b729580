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


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    COMPLETE = "complete", _("Complete")
    ONGOING = "ongoing", _("Ongoing")
    DEFERRED = "deferred", _("Deferred")


class Rag(models.TextChoices):
    RED = "red", _("Red")
    AMBER = "amber", _("Amber")
    GREEN = "green", _("Green")


# The RAG colour each status reports as; "not started" and "deferred" are not rated.
STATUS_RAG = {
    ActionStatus.OFF_TRACK: Rag.RED,
    ActionStatus.AT_RISK: Rag.AMBER,
    ActionStatus.ON_TRACK: Rag.GREEN,
    ActionStatus.COMPLETE: Rag.GREEN,
    ActionStatus.ONGOING: Rag.GREEN,
}


class CheckpointOutcome(models.TextChoices):
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
