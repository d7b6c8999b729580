"""Referral statistics: de-identified referral records imported from other case systems, and monthly
counts typed in by hand. Channel cases held in this product are read live from the Channel feed.

A referral here names nobody: a reference from the source system, a date, and the statistics
categories (codes from the scheme in force that financial year, see ``categories``).
"""
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel


class ImportBatch(PartnershipScopedModel):
    """One file of referrals imported: the change log records the batch, not each of thousands of rows."""

    filename = models.CharField(_("file"), max_length=255)
    rows = models.PositiveIntegerField(_("referrals"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("referral import")

    def __str__(self):
        return f"{self.filename} ({self.rows} referrals)"


class Referral(PartnershipScopedModel):
    """One referral from another case system. Record-level data the case team alone may see (core.roles), so it is
    change-logged like a case record (docs/architecture.md, "Channel case records"): by shape only, under a name
    that carries neither its reference nor its district, and shown only to auditors."""

    audit_withhold_content = True

    reference = models.CharField(_("reference"), max_length=100)
    referral_date = models.DateField(_("referral date"))
    financial_year = models.PositiveSmallIntegerField(_("financial year"), editable=False)
    sector = models.CharField(_("sector of referral"), max_length=40)
    age = models.PositiveSmallIntegerField(_("age at referral"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=40)
    gender = models.CharField(_("gender"), max_length=40)
    concern = models.CharField(_("type of concern"), max_length=40)
    district = models.CharField(_("district"), max_length=100, blank=True)
    stage = models.CharField(_("furthest stage reached"), max_length=40)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="referrals")

    class Meta:
        verbose_name = _("referral record")
        # A reference is the same whatever its case: "abc1" and "ABC1" are one referral.
        constraints = [models.UniqueConstraint("partnership", Lower("reference"), name="insights_referral_unique")]
        indexes = [models.Index(fields=["partnership", "financial_year"], name="insights_referral_year_idx")]

    def __str__(self):
        return self.reference

    @property
    def audit_name(self) -> str:
        return f"insights/referral/{self.pk}"

    def get_absolute_url(self):
        return record_url("insights:referral_detail", self.partnership.slug, self.pk)


class MonthlyCount(PartnershipScopedModel):
    """Counts for a month typed in from another system's report, where no referral-level records exist."""

    month = models.DateField(_("month"), help_text=_("Any day in the month; it is stored as the 1st."))
    referrals = models.PositiveIntegerField(_("referrals"))
    discussed_at_panel = models.PositiveIntegerField(_("discussed at a Channel panel"), default=0)
    adopted = models.PositiveIntegerField(_("adopted as a Channel case"), default=0)
    notes = models.CharField(_("source or notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("monthly count")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["partnership", "month"], name="insights_monthly_unique")]

    def __str__(self):
        return f"{self.month:%B %Y}"

    def get_absolute_url(self):
        return record_url("insights:monthlycount_detail", self.partnership.slug, self.pk)


class CategoryMapping(PartnershipScopedModel):
    """A value that a partnership's files use for a category, chosen once at an import and applied to every
    later import of the partnership's files ("Right Wing" is "Extreme right-wing"). Per list of categories,
    since a value may mean different things in different years' lists."""

    column = models.CharField(_("column"), max_length=20)  # the importer's column key: sector, concern, ...
    scheme = models.CharField(_("list of categories"), max_length=40)  # categories.json scheme key
    value = models.CharField(_("value as written"), max_length=255)
    value_key = models.CharField(max_length=255, editable=False)  # as compared (categories.normalise)
    code = models.CharField(_("category"), max_length=40)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("category for a value in imported files")
        constraints = [models.UniqueConstraint(fields=["partnership", "column", "scheme", "value_key"],
                                               name="insights_categorymapping_unique")]

    def __str__(self):
        return f"{self.value} → {self.code}"


class NationalRelease(PartnershipScopedModel):
    """England and Wales figures for one financial year, read from the Home Office's data tables (uploaded
    by the partnership; ``data/national.json``'s figures stand in for a year with none)."""

    financial_year = models.PositiveSmallIntegerField(_("financial year"))
    title = models.CharField(_("release"), max_length=300)
    filename = models.CharField(_("file"), max_length=255)
    # {"total": n, "<dimension>": {"<code>" or "basis:<group>": n, "total": n}}
    figures = models.JSONField(_("figures"), default=dict)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("England and Wales figures")
        verbose_name_plural = _("England and Wales figures")
        ordering = ["-financial_year"]
        constraints = [models.UniqueConstraint(fields=["partnership", "financial_year"],
                                               name="insights_nationalrelease_unique")]

    def __str__(self):
        from .categories import financial_year_label

        return f"England and Wales figures {financial_year_label(self.financial_year)}"

    def get_absolute_url(self):
        return record_url("insights:nationalrelease_detail", self.partnership.slug, self.pk)
