"""Governance: the groups a partnership runs on, their terms of reference, seats, meetings and obligations."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel
from prevent_hub.plans.choices import Cadence

from .choices import AttendanceStatus, GroupKind, MeetingStatus, ObligationStatus, SeatRole


class Group(PartnershipScopedModel):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=GroupKind.choices)
    chair = models.ForeignKey("directory.Person", verbose_name=_("chair"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    cadence = models.CharField(_("meets"), max_length=20, choices=Cadence.choices, blank=True)
    is_secure = models.BooleanField(
        _("secure"), default=False,
        help_text=_("Its business (such as Channel case discussion) is never shown to other groups' members."),
    )
    description = models.TextField(_("purpose"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="governance_group_unique_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("governance:group_detail", self.partnership.slug, self.pk)


class ReportingLine(PartnershipScopedModel):
    """``from_group`` reports to ``to_group`` (the seed's Figure 1 is drawn from these)."""

    from_group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="reports_to")
    to_group = models.ForeignKey(Group, verbose_name=_("reports to"), on_delete=models.CASCADE,
                                 related_name="receives_reports_from")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_group", "to_group"], name="governance_line_unique"),
            models.CheckConstraint(condition=~models.Q(from_group=models.F("to_group")), name="governance_line_not_self"),
        ]

    def __str__(self):
        return f"{self.from_group} reports to {self.to_group}"

    def get_absolute_url(self):
        return record_url("governance:reportingline_detail", self.partnership.slug, self.pk)


class Seat(PartnershipScopedModel):
    """A seat on a group: held for an organisation, by a named representative or deputy, for a time."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="seats")
    organisation = models.ForeignKey("directory.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("directory.Person", verbose_name=_("representative"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=SeatRole.choices, default=SeatRole.MEMBER)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["group", "organisation__name"]

    def __str__(self):
        holder = " – ".join(str(x) for x in (self.organisation, self.person) if x)
        return f"{self.group}: {holder or _('vacant')} ({self.get_role_display()})"

    def get_absolute_url(self):
        return record_url("governance:seat_detail", self.partnership.slug, self.pk)


class TermsOfReference(PartnershipScopedModel):
    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="terms")
    version_label = models.CharField(_("version"), max_length=50)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    next_review = models.DateField(_("next review"), null=True, blank=True, db_index=True)
    text = models.TextField(_("terms of reference"), blank=True)

    class Meta:
        ordering = ["group", "-approved_on"]
        verbose_name = _("terms of reference")
        verbose_name_plural = _("terms of reference")

    def __str__(self):
        return f"{self.group} terms of reference ({self.version_label})"

    def get_absolute_url(self):
        return record_url("governance:termsofreference_detail", self.partnership.slug, self.pk)


class Meeting(PartnershipScopedModel):
    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    from_cadence = models.BooleanField(_("generated from the group's cadence"), default=False, editable=False)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("One item per line."))
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["partnership", "group", "starts_at"])]

    def __str__(self):
        return f"{self.group} – {self.starts_at:%-d %B %Y}"

    def get_absolute_url(self):
        return record_url("governance:meeting_detail", self.partnership.slug, self.pk)


class MeetingPaper(PartnershipScopedModel):
    """A paper for an agenda item; downloads go through the hub and are access-logged."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(_("agenda item"), max_length=255)
    file = models.FileField(_("paper"), upload_to="papers/%Y/%m/")

    class Meta:
        ordering = ["meeting", "created_at"]

    def __str__(self):
        return self.title


class Attendance(PartnershipScopedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("directory.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("attendance"), max_length=20, choices=AttendanceStatus.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "organisation"], name="governance_attendance_unique")]

    def __str__(self):
        return f"{self.organisation}: {self.get_status_display()}"


class MeetingItem(PartnershipScopedModel):
    """A decision, or an action arising that can become a plan action and so be tracked."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        ACTION = "action", _("Action arising")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    owner_text = models.CharField(_("who"), max_length=255, blank=True)
    due_date = models.DateField(_("by"), null=True, blank=True)
    plan_action = models.ForeignKey("plans.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["meeting", "created_at"]

    def __str__(self):
        return self.text[:80]


class Obligation(PartnershipScopedModel):
    """A dated yearly duty from the plan: a terms-of-reference review, the annual report, the CTLP each spring."""

    title = models.CharField(_("obligation"), max_length=255)
    due_date = models.DateField(_("due"), db_index=True)
    owner_text = models.CharField(_("owner"), max_length=255, blank=True)
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="obligations")
    plan_action = models.ForeignKey("plans.Action", verbose_name=_("plan action"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.DUE)

    class Meta:
        ordering = ["due_date", "title"]

    def __str__(self):
        return f"{self.title} ({self.due_date:%-d %b %Y})"

    def get_absolute_url(self):
        return record_url("governance:obligation_detail", self.partnership.slug, self.pk)


class CalendarFeed(models.Model):
    """A private, revocable calendar feed for one user; only a hash of its secret is kept."""

    audit_redact = ("token_hash",)  # even the hash stays out of the permanent log

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
