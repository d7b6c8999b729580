"""Reports made from live data: each run is a stored version (who, when, what, as of which day)
with its files, so a board paper can always be found again exactly as it was sent."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.links import record_url
from prevent_hub.core.models import PartnershipScopedModel

from .choices import FileFormat, ReportKind, RunStatus


class ReportTemplate(PartnershipScopedModel):
    """A partnership's own Word template: its styles, header and logo are used for every Word report."""

    audit_redact = ("content",)  # the log records that the file changed, not the file

    name = models.CharField(_("name"), max_length=200)
    filename = models.CharField(_("file"), max_length=255, editable=False)
    content = models.BinaryField(editable=False)
    is_default = models.BooleanField(_("use by default"), default=True)

    class Meta:
        verbose_name = _("Word template")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("reports:reporttemplate_detail", self.partnership.slug, self.pk)


class ReportRun(PartnershipScopedModel):
    """One version of a report: what happened in its period, as recorded when it was made (or as known on
    an earlier day, to make an old report again exactly), with the coordinator's own words."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    title = models.CharField(_("title"), max_length=255)
    # The day actions' status and what is overdue are read on: the period's end, or the day asked for
    # while the period is still running.
    as_of = models.DateField(_("status as at"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    known_on = models.DateField(_("as known on"), null=True, blank=True,
                                help_text=_("Only records entered by the end of this day, to make an old report again."))
    recorded_before = models.DateTimeField(_("records entered before"), null=True, blank=True, editable=False)
    commentary = models.TextField(_("the Prevent Officer's commentary"), blank=True)
    highlights = models.TextField(_("highlights"), blank=True, help_text=_("One a line."))
    case_study = models.TextField(_("case study"), blank=True,
                                  help_text=_("Anonymised: no names, places or details that could identify anyone."))
    plan_version = models.ForeignKey("plans.PlanVersion", verbose_name=_("plan version"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    tag = models.CharField(_("only actions tagged"), max_length=50, blank=True)
    template = models.ForeignKey(ReportTemplate, verbose_name=_("Word template"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("now"), max_length=200, blank=True)
    error = models.TextField(_("problem"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "kind", "as_of"], name="reports_run_kind_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("reports:reportrun_detail", self.partnership.slug, self.pk)


class ReportFile(PartnershipScopedModel):
    audit_redact = ("content",)

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("report file")
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="reports_file_unique")]

    def __str__(self):
        return f"{self.run} ({self.get_format_display()})"
