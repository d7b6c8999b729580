from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    STRATEGY_GROUP = "strategy_group", _("Prevent Strategy Group")
    CHANNEL_PANEL = "channel_panel", _("Channel Panel")
    FORUM = "forum", _("Forum")
    BOARD = "board", _("Board")
    REGIONAL = "regional", _("Regional meeting")
    WORKING_GROUP = "working_group", _("Working group")
    OTHER = "other", _("Other")


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    DEPUTY = "deputy", _("Deputy")
    ADVISER = "adviser", _("Adviser")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    DEPUTY = "deputy", _("Deputy attended")
    APOLOGIES = "apologies", _("Apologies")
    ABSENT = "absent", _("Absent")


# Who counts as having attended for compliance.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.DEPUTY)


class ObligationStatus(models.TextChoices):
    DUE = "due", _("Due")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
