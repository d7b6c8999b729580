from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly Prevent Officer update")
    ANNUAL = "annual", _("Annual report to the boards")
    ACTION_PLAN = "action_plan", _("The action plan")


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: not made yet")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class FileFormat(models.TextChoices):
    DOCX = "docx", _("Word")
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel data pack")
