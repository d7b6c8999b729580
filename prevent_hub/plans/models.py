"""Action plans: a multi-year plan, its yearly versions, themes, actions, owners and timescales."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel

from .choices import ActionStatus, Cadence, CheckpointOutcome, OwnerKind, Rag, Tag, TimescaleKind


class Plan(PartnershipScopedModel):
    title = models.CharField(_("title"), max_length=255)
    period_start = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["partnership", "title"], name="plans_plan_unique_title")]

    def __str__(self):
        if self.period_start and self.period_end:
            return f"{self.title} {self.period_start} – {self.period_end}"
        return self.title

    def get_absolute_url(self):
        return record_url("plans:plan_detail", self.partnership.slug, self.pk)


class PlanVersion(PartnershipScopedModel):
    """One year's version of a plan, as imported or refreshed. ``changes`` records the diff from ``previous``."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(_("version"), max_length=100)
    year_start = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    year_end = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    issued = models.CharField(_("issued as"), max_length=200, blank=True)
    issued_date = models.DateField(_("issued"), null=True, blank=True)
    objectives = models.JSONField(_("national objectives"), default=list, blank=True)
    membership = models.JSONField(_("Strategy Group membership"), default=list, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(_("changes from the previous version"), default=dict, blank=True)
    source_name = models.CharField(_("imported from"), max_length=255, blank=True)
    source_format = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["plan", "-year_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "label"], name="plans_version_unique_label")]

    def __str__(self):
        return f"{self.plan.title} ({self.label})" if self.label else self.plan.title

    def get_absolute_url(self):
        return record_url("plans:planversion_detail", self.partnership.slug, self.pk)


class Theme(PartnershipScopedModel):
    # Not "version": that name is the optimistic-locking counter every scoped model has.
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["plan_version", "number"]
        constraints = [models.UniqueConstraint(fields=["plan_version", "number"], name="plans_theme_unique_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Action(PartnershipScopedModel):
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="actions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="actions")
    ref = models.CharField(_("reference"), max_length=20, help_text=_("As written in the plan, for example 3.5."))
    sort_key = models.CharField(max_length=40, editable=False, db_index=True)
    text = models.TextField(_("key action"))
    who_text = models.TextField(_("who (as written)"), blank=True)
    timescale_text = models.TextField(_("timescale (as written)"), blank=True)
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.JSONField(_("programme tags"), default=list, blank=True)
    # "|OFOF|CTLP|": the tags as text, so lists can filter on a tag the same way on SQLite and PostgreSQL.
    tags_text = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, blank=True,
        help_text=_("Set by the owner or coordinator. When blank, a status is worked out from the dates and updates."),
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The same action in the version before."),
    )

    class Meta:
        ordering = ["plan_version", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["plan_version", "ref"], name="plans_action_unique_ref")]
        indexes = [models.Index(fields=["partnership", "plan_version", "sort_key"])]

    def __str__(self):
        return f"{self.ref} {self.text[:80]}"

    def save(self, *args, **kwargs):
        self.sort_key = ref_sort_key(self.ref)
        self.tags_text = "".join(f"|{tag}" for tag in self.tags) + "|" if self.tags else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("plans:action_detail", self.partnership.slug, self.pk)

    def tag_labels(self) -> list[str]:
        labels = dict(Tag.choices)
        return [str(labels.get(tag, tag.replace("_", " ").capitalize())) for tag in self.tags]


def ref_sort_key(ref: str) -> str:
    """'3.10' sorts after '3.5': each number is zero-padded."""
    return ".".join(part.zfill(4) if part.isdigit() else part for part in ref.split("."))


class ActionOwner(PartnershipScopedModel):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="owners")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=OwnerKind.choices)
    is_lead = models.BooleanField(_("lead owner"), default=True)
    role_title = models.CharField(_("role"), max_length=255, blank=True)
    person = models.ForeignKey("directory.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsibility = models.TextField(_("responsibility"), blank=True)
    source_text = models.CharField(_("as written"), max_length=500, blank=True)

    class Meta:
        ordering = ["action", "position"]

    def __str__(self):
        parts = [self.role_title, str(self.person or ""), str(self.organisation or "")]
        if self.kind == OwnerKind.ALL_SPECIFIED:
            parts = [str(OwnerKind.ALL_SPECIFIED.label)]
        return " – ".join(p for p in parts if p) or self.source_text


class Timescale(PartnershipScopedModel):
    """One structured part of an action's timescale; ``text`` keeps the words it came from."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="timescales")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=TimescaleKind.choices)
    text = models.CharField(_("as written"), max_length=500)
    due_date = models.DateField(_("due"), null=True, blank=True)
    start_date = models.DateField(_("from"), null=True, blank=True)
    cadence = models.CharField(_("repeats"), max_length=20, choices=Cadence.choices, blank=True)
    season = models.CharField(_("season"), max_length=10, blank=True)
    count = models.PositiveIntegerField(_("target count"), null=True, blank=True)
    unit = models.CharField(_("target unit"), max_length=50, blank=True)

    class Meta:
        ordering = ["action", "position"]
        indexes = [models.Index(fields=["partnership", "due_date"])]

    def __str__(self):
        return self.text


class PeriodLock(PartnershipScopedModel):
    """A reporting period closed once reported to the Strategy Group: no more updates for it."""

    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="period_locks")
    period_start = models.DateField(_("period starting"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan_version", "period_start"], name="plans_period_lock_unique")]

    def __str__(self):
        return f"{self.plan_version} – period from {self.period_start:%-d %B %Y} locked"


class ProgressUpdate(PartnershipScopedModel):
    """What an owner (or a coordinator for them) reports about an action for one period."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    period_start = models.DateField(_("reporting period"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices)
    rag = models.CharField(_("RAG rating"), max_length=10, choices=Rag.choices)
    narrative = models.TextField(_("progress this period"))
    percent_complete = models.PositiveSmallIntegerField(_("per cent complete"), null=True, blank=True)
    milestone = models.CharField(_("milestone reached"), max_length=255, blank=True)
    evidence_link = models.URLField(_("link to evidence"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to="evidence/%Y/%m/", blank=True)
    author = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("reported by"), max_length=200)
    on_behalf_of = models.CharField(
        _("on behalf of"), max_length=200, blank=True, help_text=_("For an update entered by a coordinator for an owner."),
    )
    # The owner the update is from (by their link, signed in, or by a coordinator for them): the
    # quarter page shows who has reported.
    person = models.ForeignKey("directory.Person", verbose_name=_("owner"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-period_start", "-created_at"]
        indexes = [models.Index(fields=["partnership", "action", "period_start"])]

    def __str__(self):
        return f"{self.action.ref} – {self.get_status_display()} ({self.period_start:%b %Y})"

    def get_absolute_url(self):
        return self.action.get_absolute_url()


class CheckpointRecord(PartnershipScopedModel):
    """One check-point of an action's schedule marked done (with evidence) or missed."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="checkpoint_records")
    due_date = models.DateField(_("check-point date"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=CheckpointOutcome.choices)
    note = models.TextField(_("evidence or note"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "due_date"], name="plans_checkpoint_unique")]

    def __str__(self):
        return f"{self.action.ref} {self.due_date:%-d %b %Y}: {self.get_outcome_display()}"


class MitigatingAction(PartnershipScopedModel):
    """What the Strategy Group agreed to do about an off-track action."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="mitigations")
    text = models.TextField(_("mitigating action"))
    owner_text = models.CharField(_("who"), max_length=255, blank=True)
    due_date = models.DateField(_("by"), null=True, blank=True)

    class Meta:
        ordering = ["action", "created_at"]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return self.action.get_absolute_url()


class OwnerLink(PartnershipScopedModel):
    """An expiring link that lets an owner without an account update all their actions for one period.

    One link per person and period works at a time: issuing another (a re-sent request, a link
    copied for a phone call) retires the one before. Only a hash of the token is stored: the link
    itself exists only where it was sent or shown.
    """

    audit_redact = ("token_hash",)  # even the hash stays out of the permanent log

    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="owner_links")
    person = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    period_start = models.DateField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, help_text=_("When every action on it had been updated."))

    class Meta:
        indexes = [models.Index(fields=["partnership", "plan_version", "person", "period_start"],
                                name="plans_ownerlink_person_idx")]

    def __str__(self):
        return f"Update link for {self.person} ({self.period_start:%b %Y})"


class EmailLog(PartnershipScopedModel):
    """Every reminder sent (or that failed to send): to whom, when, about which actions."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Digest")
        CHASER = "chaser", _("Chaser")
        REQUEST = "request", _("Update request")
        LINK = "link", _("New link, asked for by the owner")
        MEETING = "meeting", _("Meeting reminder")
        REVIEW = "review", _("Terms of reference review")

    person = models.ForeignKey("directory.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period_start = models.DateField(help_text=_("The period (or meeting or review date) the email is about."))
    run_date = models.DateField(help_text=_("The day the reminder run was for; chasers are spaced from it."))
    subject = models.CharField(max_length=255)
    action_refs = models.JSONField(default=list)
    sent = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "recipient", "period_start"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.created_at:%-d %b %Y})"
