"""Channel Panel case records: only what the local panel needs to do its work (issue 7).

The national case system stays the system of record. Identity and special-category
data sit apart from the case (``Subject``) and, with every narrative field, are
encrypted at rest (``crypto``). Nothing here scores or ranks a person: ratings are
recorded practitioners' judgements, kept as words.

``__str__`` of every model names only the case's pseudonymous reference, because
record names appear in the change log, which outlives an erased case.
"""
import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel

from .choices import (
    AgeBand,
    ApprovalKind,
    ApprovalStatus,
    ConcernType,
    ConsentFrom,
    ConsentMethod,
    ConsentOutcome,
    DecisionMethod,
    Dimension,
    ExitReason,
    FeedbackAudience,
    Funding,
    GatewayOutcome,
    Gender,
    InterventionType,
    Outcome,
    PanelDecision,
    Rating,
    ReferralSector,
    ReviewKind,
    Stage,
)
from .crypto import EncryptedDateField, EncryptedTextField

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class CaseRecord(PartnershipScopedModel):
    """Case data: logged by shape only and under the case's log pseudonym (audit.services),
    since the logs outlive an erased case and must not point back to it."""

    audit_withhold_content = True

    class Meta:
        abstract = True

    def owning_case(self):
        """The case this record belongs to (through its parent record if need be), or None."""
        if isinstance(self, Case):
            return self
        for parent in ("case", "review", "assessment"):
            related = getattr(self, parent, None)
            if related is not None:
                return related.owning_case()
        return None

    @property
    def audit_name(self) -> str:
        case = self.owning_case()
        if case is self:
            return case.log_ref
        prefix = case.log_ref if case is not None else "channel"
        return f"{prefix}/{self._meta.model_name}/{self.pk}"


def new_log_ref() -> str:
    """The name a case goes by in the audit logs: random, and held only by the case, so erasing the
    case leaves log entries that can no longer be tied to it."""
    return f"L-{secrets.token_hex(8)}"


def new_reference() -> str:
    """A pseudonymous case reference: random, so it says nothing about the person or the order of referral."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"CH-{body[:4]}-{body[4:]}"


class Case(CaseRecord):
    """One referral and, if it goes on, the Channel case that follows from it."""

    audit_keep = ("stage", "outcome")

    reference = models.CharField(_("case reference"), max_length=20, unique=True, default=new_reference, editable=False)
    log_ref = models.CharField(_("log reference"), max_length=20, unique=True, default=new_log_ref, editable=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.REFERRED, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, default=Outcome.OPEN)
    received_on = models.DateField(_("referral received"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    # The referrer and their sector.
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    referrer_name = models.CharField(_("referrer's name"), max_length=200)
    referrer_role = models.CharField(_("referrer's job title"), max_length=200, blank=True)
    referrer_organisation = models.ForeignKey("directory.Organisation", verbose_name=_("referrer's organisation"),
                                              null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    referrer_sector = models.CharField(_("referrer's sector"), max_length=30, choices=ReferralSector.choices)

    # De-identified facts the statistics use (no identity: an age band, not a birth date).
    age_band = models.CharField(_("age band at referral"), max_length=20, choices=AgeBand.choices, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    district = models.CharField(_("district"), max_length=100, help_text=_("The local authority district the person lives in."))
    concern_type = models.CharField(_("type of concern"), max_length=30, choices=ConcernType.choices,
                                    default=ConcernType.NOT_KNOWN)

    # The national referral form's sections, encrypted.
    concern_how_arose = EncryptedTextField(_("how the concerns arose"))
    concern_indicators = EncryptedTextField(_("what was seen or heard (indicators)"))
    concern_online = EncryptedTextField(_("online activity"), blank=True)
    complex_needs = EncryptedTextField(_("complex needs (SEND, mental health, other safeguarding)"), blank=True)
    other_agencies = EncryptedTextField(_("other agencies involved"), blank=True)
    parental_support = EncryptedTextField(_("parental or family support"), blank=True)

    # Police gateway.
    gateway_outcome = models.CharField(_("screening outcome"), max_length=30, choices=GatewayOutcome.choices, blank=True)
    gateway_on = models.DateField(_("screened on"), null=True, blank=True)
    gateway_rationale = EncryptedTextField(_("screening rationale"), blank=True)
    national_reference = EncryptedTextField(_("national case reference"), blank=True)

    # Exit and closure.
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=30, choices=ExitReason.choices, blank=True)
    exit_notes = EncryptedTextField(_("exit notes"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Every case has a date its record is reviewed for erasure (security.md SEC-20).
    erase_after = models.DateField(_("keep until"), db_index=True)

    class Meta:
        verbose_name = _("Channel case")
        verbose_name_plural = _("Channel cases")
        indexes = [models.Index(fields=["partnership", "stage"], name="channel_case_stage_idx")]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return record_url("channel:case_detail", self.partnership.slug, self.pk)


class Subject(CaseRecord):
    """Who the case is about, held apart from the case and encrypted; shown only to roles that need it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="subject")
    full_name = EncryptedTextField(_("full name"))
    date_of_birth = EncryptedDateField(_("date of birth"))
    address = EncryptedTextField(_("address"), blank=True)
    contacts = EncryptedTextField(_("phone, email and other contacts"), blank=True)
    # Special-category data: optional, and only when it matters to the support offered.
    religion_or_belief = EncryptedTextField(_("religion or belief"), blank=True)
    ethnicity = EncryptedTextField(_("ethnicity"), blank=True)
    health_and_neurodiversity = EncryptedTextField(_("health and neurodiversity"), blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self):
        return f"Identity for {self.case}"


class CaseAssignment(CaseRecord):
    """A panel member given access to one case, until a date or until removed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_on = models.DateField(_("access until"), null=True, blank=True)

    class Meta:
        verbose_name = _("case assignment")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="channel_assignment_unique")]

    def __str__(self):
        return f"Access to {self.case}"


class InformationRequest(CaseRecord):
    """A question to one partner organisation, answered signed in or through a single-use link."""

    audit_redact = ("token_hash",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information_requests")
    organisation = models.ForeignKey("directory.Organisation", verbose_name=_("organisation asked"),
                                     on_delete=models.PROTECT, related_name="+")
    # The one person who may answer signed in, chosen by the case team (not inferred from the directory,
    # which people outside the case team can edit).
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person to answer (signed in)"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    question = EncryptedTextField(_("what we need to know"))
    requested_on = models.DateField(_("asked on"))
    due_on = models.DateField(_("reply by"), db_index=True)
    response = EncryptedTextField(_("information returned"), blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    returned_by = models.CharField(_("returned by"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("information request")

    def __str__(self):
        return "A linked record you cannot see"  # shown where an organisation cannot be deleted


class PanelListing(CaseRecord):
    """A case on a Channel Panel meeting's agenda (its name stays neutral: governance pages may show it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="listings")
    meeting = models.ForeignKey("governance.Meeting", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("panel listing")
        constraints = [models.UniqueConstraint(fields=["case", "meeting"], name="channel_listing_unique")]

    def __str__(self):
        return "A linked record you cannot see"


class PanelDecisionRecord(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey("governance.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("decided on"))
    decision = models.CharField(_("decision"), max_length=20, choices=PanelDecision.choices)
    method = models.CharField(_("how decided"), max_length=20, choices=DecisionMethod.choices)
    rationale = EncryptedTextField(_("rationale"))

    class Meta:
        verbose_name = _("panel decision")

    def __str__(self):
        return "A linked record you cannot see"  # shown where a meeting cannot be deleted


class Consent(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    asked_from = models.CharField(_("who was asked"), max_length=10, choices=ConsentFrom.choices)
    asked_by = models.CharField(_("asked by"), max_length=200)
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    asked_on = models.DateField(_("when"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=ConsentOutcome.choices)
    capacity_notes = EncryptedTextField(_("capacity notes"), blank=True)

    class Meta:
        verbose_name = _("consent record")
        ordering = ["asked_on", "pk"]

    def __str__(self):
        return f"Consent record for {self.case}"


class VafFactor(PartnershipScopedModel):
    """One factor of the Vulnerability Assessment Framework, configurable per partnership."""

    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    name = models.CharField(_("factor"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assessment factor")
        ordering = ["dimension", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="channel_vaf_factor_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("channel:vaffactor_detail", self.partnership.slug, self.pk)


class Assessment(CaseRecord):
    """A Vulnerability Assessment Framework assessment: a rating and narrative per factor, and a summary."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.CharField(_("assessed by"), max_length=200)
    summary = EncryptedTextField(_("summary"))

    class Meta:
        verbose_name = _("vulnerability assessment")
        ordering = ["assessed_on", "pk"]

    def __str__(self):
        return f"Assessment for {self.case}"


class AssessmentRating(CaseRecord):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    factor = models.ForeignKey(VafFactor, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    narrative = EncryptedTextField(_("narrative"), blank=True)

    class Meta:
        verbose_name = _("assessment rating")
        constraints = [models.UniqueConstraint(fields=["assessment", "factor"], name="channel_rating_unique")]

    def __str__(self):
        return "An assessment rating"  # may appear where a factor cannot be deleted; says nothing of the case


class Intervention(CaseRecord):
    """One part of the support plan."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(_("type of support"), max_length=30, choices=InterventionType.choices)
    provider = models.CharField(_("provider"), max_length=200)
    is_intervention_provider = models.BooleanField(_("Home Office Intervention Provider"), default=False)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices)
    description = EncryptedTextField(_("what the support is"), blank=True)

    class Meta:
        verbose_name = _("intervention")
        ordering = ["starts_on", "pk"]

    def __str__(self):
        return f"Intervention for {self.case}"


class Review(CaseRecord):
    """A review at a panel while support goes on, or one of the two scheduled after exit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("review"), max_length=20, choices=ReviewKind.choices)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    meeting = models.ForeignKey("governance.Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = EncryptedTextField(_("review notes"), blank=True)
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case review")
        ordering = ["held_on", "due_on", "pk"]

    def __str__(self):
        return "A linked record you cannot see"  # shown where a meeting cannot be deleted


class InterventionProgress(CaseRecord):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="progress")
    progress = EncryptedTextField(_("progress"))

    class Meta:
        verbose_name = _("intervention progress")

    def __str__(self):
        return f"Progress for {self.intervention.case}"


class RetentionRule(PartnershipScopedModel):
    """How long a case is kept after it ends, per outcome (domain.md §3)."""

    outcome = models.CharField(_("outcome"), max_length=30, choices=[c for c in Outcome.choices if c[0] != Outcome.OPEN])
    years = models.PositiveSmallIntegerField(_("years kept after the case ends"))

    class Meta:
        verbose_name = _("retention rule")
        constraints = [models.UniqueConstraint(fields=["partnership", "outcome"], name="channel_retention_unique")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.years} years"

    def get_absolute_url(self):
        return record_url("channel:retentionrule_detail", self.partnership.slug, self.pk)


class Approval(CaseRecord):
    """A second person's approval for early erasure or a bulk export (security.md SEC-26)."""

    audit_keep = ("kind", "status")

    kind = models.CharField(_("what"), max_length=20, choices=ApprovalKind.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals")
    reason = EncryptedTextField(_("reason"))  # free text about a case or a person: encrypted like the narrative
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


def feedback_link_expiry() -> dt.date:
    """The last day a feedback link made today works (CHANNEL_FEEDBACK_LINK_DAYS from today)."""
    return timezone.localdate() + dt.timedelta(days=settings.CHANNEL_FEEDBACK_LINK_DAYS)


class FeedbackLink(CaseRecord):
    """A single-use link for someone involved in a case to give anonymous feedback (seed 5.3)."""

    audit_redact = ("token_hash",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback_links")
    audience = models.CharField(_("for"), max_length=20, choices=FeedbackAudience.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    used = models.BooleanField(default=False)  # no time: it would match the feedback to the case
    # Set when the link is made, never when it is used, for the same reason.
    expires_on = models.DateField(_("works until"), default=feedback_link_expiry, editable=False)

    class Meta:
        verbose_name = _("feedback link")

    def __str__(self):
        return f"Feedback link for {self.case}"

    def has_expired(self, today: dt.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.expires_on


class ChannelFeedback(CaseRecord):
    """Anonymous feedback on the Channel process. It names no case, so it outlives erasure and identifies nobody."""

    audience = models.CharField(_("from"), max_length=20, choices=FeedbackAudience.choices)
    rating = models.PositiveSmallIntegerField(_("how helpful (1 to 5)"))
    comments = EncryptedTextField(_("comments"), blank=True)  # may name someone, whatever the form asks
    given_on = models.DateField(_("given on"))

    class Meta:
        verbose_name = _("Channel feedback")
        verbose_name_plural = _("Channel feedback")

    def __str__(self):
        return f"Feedback from {self.get_audience_display().lower()}"
