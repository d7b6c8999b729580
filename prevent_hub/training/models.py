"""The training register: courses, accredited trainers, sessions with head-counts, LMS completions, feedback."""
import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel
from prevent_hub.directory.choices import Sector

from .choices import CourseLevel, Delivery


class Course(PartnershipScopedModel):
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=30, choices=CourseLevel.choices)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.IN_PERSON)
    audience = models.CharField(_("for"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="training_course_unique_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("training:course_detail", self.partnership.slug, self.pk)


class Trainer(PartnershipScopedModel):
    """An accredited facilitator: who, for which course, with which organisation, until when."""

    person = models.ForeignKey("directory.Person", verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("directory.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, verbose_name=_("accredited to deliver"), on_delete=models.PROTECT,
                               related_name="trainers")
    accredited_on = models.DateField(_("accredited on"), null=True, blank=True)
    refresher_due = models.DateField(_("refresher due"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["person__name"]

    def __str__(self):
        return f"{self.person} ({self.course})"

    def get_absolute_url(self):
        return record_url("training:trainer_detail", self.partnership.slug, self.pk)

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.refresher_due is None or self.refresher_due >= on


class TrainingSession(PartnershipScopedModel):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"), db_index=True)
    trainer = models.ForeignKey(Trainer, verbose_name=_("trainer"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="sessions")
    host = models.ForeignKey("directory.Organisation", verbose_name=_("host organisation"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    venue = models.CharField(_("venue"), max_length=255, blank=True, help_text=_("Leave blank for an online session."))
    audience_sector = models.CharField(_("audience sector"), max_length=30, choices=Sector.choices, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)

    class Meta:
        ordering = ["-date"]
        indexes = [models.Index(fields=["partnership", "date"])]

    def __str__(self):
        return f"{self.course} – {self.date:%-d %B %Y}"

    def get_absolute_url(self):
        return record_url("training:trainingsession_detail", self.partnership.slug, self.pk)


class HeadCount(PartnershipScopedModel):
    """How many people from one organisation (or, where it is not known, one sector) and role attended a
    session, or one named attendee.

    People count under the organisation they come from, not the session's host: four NHS nurses at a
    session the county council hosts are the NHS trust's, in the health sector. The sector is the
    organisation's own whenever the organisation is given (``services.head_count_add``)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="head_counts")
    organisation = models.ForeignKey("directory.Organisation", verbose_name=_("attendees' organisation"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+",
                                     help_text=_("Where these people work. Leave it blank only if their organisation "
                                                 "is not in the directory, and choose their sector."))
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True,
                              help_text=_("Only for people whose organisation is not chosen: people from an "
                                          "organisation count under its sector."))
    role = models.CharField(_("role"), max_length=100, blank=True)
    attendee = models.CharField(_("attendee's name"), max_length=200, blank=True,
                                help_text=_("For a register of names; leave blank for a head-count."))
    count = models.PositiveIntegerField(_("people"))
    returned_by = models.CharField(_("returned by"), max_length=200, blank=True)
    # Trainers' returns made before they asked for the attendees' organisation counted every person
    # under the session's host; those rows keep the host (so no figure changed) and say so (migration 0004).
    credited_to_host = models.BooleanField(_("counted under the host"), default=False, db_default=False,
                                           editable=False)

    class Meta:
        indexes = [models.Index(fields=["partnership", "session"])]
        constraints = [
            # Every row counts under a sector: its organisation's, or the one chosen where the organisation is not known.
            models.CheckConstraint(condition=~models.Q(sector=""), name="training_headcount_has_sector"),
        ]

    def __str__(self):
        return f"{self.count} × {self.organisation or self.get_sector_display()}"


class LmsCompletion(PartnershipScopedModel):
    """An e-learning completion imported from the learning system's export (one per learner and course)."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="completions")
    learner_ref = models.CharField(_("learner ID"), max_length=100)
    organisation = models.ForeignKey("directory.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    completed_on = models.DateField(_("completed on"), db_index=True)

    class Meta:
        # Shown in page titles and buttons ("Import e-learning completions"), not "lms completions".
        verbose_name = _("e-learning completion")
        verbose_name_plural = _("e-learning completions")
        ordering = ["-completed_on"]
        constraints = [models.UniqueConstraint(fields=["course", "learner_ref"], name="training_completion_unique")]
        indexes = [models.Index(fields=["partnership", "completed_on"], name="training_completion_date_idx")]

    def __str__(self):
        return f"{self.learner_ref} – {self.course}"

    def get_absolute_url(self):
        return record_url("training:lmscompletion_detail", self.partnership.slug, self.pk)


class Feedback(PartnershipScopedModel):
    """Anonymous participant feedback: no name or contact details are asked for."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("overall rating"))
    confidence_before = models.PositiveSmallIntegerField(_("confidence before"))
    confidence_after = models.PositiveSmallIntegerField(_("confidence after"))
    comments = models.TextField(_("comments"), blank=True)

    def __str__(self):
        return f"Feedback on {self.session}"


class SessionLink(PartnershipScopedModel):
    """A no-login link for one session: a trainer's return of figures (once) or participants' feedback."""

    class Purpose(models.TextChoices):
        RETURN = "return", _("Trainer's return")
        FEEDBACK = "feedback", _("Participant feedback")

    audit_redact = ("token_hash",)

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_purpose_display()} link for {self.session}"
