from email.utils import formataddr

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel, TimestampedModel

from .choices import Sector


class Partnership(TimestampedModel):
    """A multi-agency Prevent partnership: the tenant every other record belongs to."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short web name"), max_length=60, unique=True)
    area = models.CharField(_("area"), max_length=200, blank=True)
    year_start_month = models.PositiveSmallIntegerField(
        _("first month of the partnership's year"), default=4, help_text=_("4 means the year runs April to March.")
    )
    email_from_name = models.CharField(
        _("emails come from (name)"), max_length=200, blank=True, default="",
        help_text=_("The name owners see on reminders and requests, for example Warwickshire Prevent Partnership."),
    )
    email_from_address = models.EmailField(
        _("emails come from (address)"), blank=True, default="",
        help_text=_("A mailbox the coordinator reads: owners reply to it."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:partnership_detail", kwargs={"partnership": self.slug})

    def sender(self) -> str:
        """The From of the partnership's emails: its own name and mailbox, else the hub's default address."""
        return formataddr((self.email_from_name or self.name, self.email_from_address or settings.DEFAULT_FROM_EMAIL))


class Organisation(PartnershipScopedModel):
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=50, blank=True, help_text=_("For example NBBC or WCC."))
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    is_specified_authority = models.BooleanField(
        _("specified authority"), default=False, help_text=_("Subject to the Prevent duty (CTSA 2015 Schedule 6).")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    workforce_size = models.PositiveIntegerField(
        _("workforce size"), null=True, blank=True, help_text=_("Staff to be trained; used for training coverage."),
    )
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("partnership", Lower("name"), name="directory_org_unique_name_per_partnership")
        ]
        indexes = [models.Index(fields=["partnership", "sector"]), models.Index(fields=["partnership", "short_name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("directory:organisation_detail", self.partnership.slug, self.pk)


class Person(PartnershipScopedModel):
    name = models.CharField(_("full name"), max_length=200)
    job_title = models.CharField(_("job title or role"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["partnership", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("directory:person_detail", self.partnership.slug, self.pk)


class PreventLead(PartnershipScopedModel):
    """A person nominated as an organisation's Prevent lead for a period (seed action 2.1)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="prevent_leads"
    )
    person = models.ForeignKey(Person, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="lead_nominations")
    start_date = models.DateField(_("nominated from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="directory_lead_end_after_start",
            )
        ]
        indexes = [models.Index(fields=["organisation", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.person} ({self.organisation})"

    def get_absolute_url(self):
        return record_url("directory:preventlead_detail", self.partnership.slug, self.pk)


class GlossaryTerm(PartnershipScopedModel):
    acronym = models.CharField(_("acronym"), max_length=40)
    meaning = models.CharField(_("meaning"), max_length=255)

    class Meta:
        ordering = ["acronym"]
        constraints = [
            models.UniqueConstraint("partnership", Lower("acronym"), name="directory_glossary_unique_acronym")
        ]

    def __str__(self):
        return self.acronym

    def get_absolute_url(self):
        return record_url("directory:glossaryterm_detail", self.partnership.slug, self.pk)
