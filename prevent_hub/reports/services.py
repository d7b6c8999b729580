"""Asking for a report, and making it (in the background worker): each is a stored, change-logged version."""
import datetime as dt
import hashlib
import io
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prevent_hub.audit.services import log_change, serialize_instance
from prevent_hub.core.dates import end_of_day, plausible
from prevent_hub.core.services import object_create, object_update
from prevent_hub.plans import schedule

from . import content as builders
from . import renderers
from .choices import FileFormat, ReportKind, RunStatus
from .models import ReportFile, ReportRun, ReportTemplate

log = logging.getLogger("prevent_hub.reports")


class ReportError(Exception):
    """A report that cannot be asked for as it stands; the message says why."""


@transaction.atomic
def report_request(*, actor, partnership, kind: str, period: dt.date | None = None, known_on: dt.date | None = None,
                   plan_version=None, tag: str = "", template=None) -> ReportRun:
    """Record a report (a version) for the quarter or year containing ``period`` (today's by default).

    A quarterly update or annual report starts as a draft, for the coordinator's commentary,
    highlights and case study; ``report_make`` queues it. The action plan is queued at once.
    ``known_on`` limits it to the records entered by the end of that day (to make an old report again).
    """
    today = timezone.localdate()
    period = period or today
    if known_on is not None and (not plausible(known_on) or known_on > today):
        raise ReportError(_("Choose an 'as known on' day that has happened, or leave it empty."))
    if not plausible(period) or period > today:
        raise ReportError(_("Choose a period that has begun: a report says what has happened."))
    if plan_version is not None and plan_version.partnership_id != partnership.pk:
        raise ReportError(_("Choose a plan of this partnership."))
    if kind == ReportKind.ACTION_PLAN and plan_version is None:
        raise ReportError(_("Choose the plan version to print."))
    if template is not None and template.partnership_id != partnership.pk:
        raise ReportError(_("Choose a template of this partnership."))
    if template is None:
        template = ReportTemplate.objects.filter(partnership=partnership, is_default=True).order_by("-created_at").first()
    start, end = builders.period_of(kind, partnership, period)
    status_day = min(end, known_on or today)
    if known_on is not None and known_on < start:
        raise ReportError(_("The 'as known on' day is before the period began: nothing about it was recorded by then."))
    if plan_version is None and kind != ReportKind.ACTION_PLAN:
        from prevent_hub.plans.selectors import current_version

        plan_version = current_version(partnership, status_day)
    title = {ReportKind.QUARTERLY: _("Prevent Officer update %(label)s") % {
                 "label": schedule.period_containing(start, partnership.year_start_month).label},
             ReportKind.ANNUAL: _("Annual report %(year)s") % {"year": builders.year_label(start)},
             ReportKind.ACTION_PLAN: str(plan_version) + (f" – {tag}" if tag else "") if plan_version else ""}[kind]
    if known_on is not None:
        title = f"{title} (as known on {known_on:%-d %B %Y})"
    run = object_create(actor=actor, instance=ReportRun(
        partnership=partnership, kind=kind, title=title[:255], as_of=status_day, known_on=known_on,
        period_start=start, period_end=end, plan_version=plan_version, tag=tag, template=template,
        status=RunStatus.QUEUED if kind == ReportKind.ACTION_PLAN else RunStatus.DRAFT,
        recorded_before=end_of_day(known_on) if known_on else timezone.now(),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None))
    if run.status == RunStatus.QUEUED:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


@transaction.atomic
def report_draft_save(*, actor, run, commentary: str, highlights: str, case_study: str,
                      expected_version: int | None, make: bool = False) -> ReportRun:
    """Keep the coordinator's own words with a draft; with ``make``, queue it to be made from them.

    A report made "as recorded when made" counts what was entered by the moment it is queued.
    Raises ConflictError if someone else saved the draft since ``expected_version``.
    """
    run = ReportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise ReportError(_("This report has already been made; ask for a new one to change it."))
    run.commentary, run.highlights, run.case_study = commentary.strip(), highlights.strip(), case_study.strip()
    if make:
        run.status = RunStatus.QUEUED
        if run.known_on is None:
            run.recorded_before = timezone.now()
    run, _changed = object_update(actor=actor, instance=run, expected_version=expected_version)
    if make:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import generate_report_task

    generate_report_task.enqueue(run_id)


def _set(run, **changes):
    """Save a change of status (change-logged); progress ticks go straight to the row."""
    before = serialize_instance(ReportRun.objects.get(pk=run.pk))
    for name, value in changes.items():
        setattr(run, name, value)
    run.version += 1
    run.save()
    log_change(actor=None, instance=run, action="update", before=before, after=serialize_instance(run))


def report_generate(run_id: int) -> ReportRun:
    """Make every file of a report. Progress is written as it goes, so the page can show it."""
    with transaction.atomic():  # one worker per report: a second finds it taken and leaves it
        run = (ReportRun.objects.select_for_update(of=("self",))
               .select_related("partnership", "plan_version__plan", "template").get(pk=run_id))
        if run.status != RunStatus.QUEUED:
            return run
        _set(run, status=RunStatus.RUNNING, progress=1, step=_("Starting"), error="")

    def progress(percent, step):
        ReportRun.objects.filter(pk=run.pk).update(progress=percent, step=step)

    try:
        content = build(run, progress)
        progress(85, _("Writing the Word, PDF and Excel files"))
        files = {FileFormat.DOCX: renderers.docx_bytes(content, run.template.content if run.template else None),
                 FileFormat.PDF: renderers.pdf_bytes(content, run.partnership),
                 FileFormat.XLSX: renderers.xlsx_bytes(content, run)}
        with transaction.atomic():
            for fmt, body in files.items():
                object_create(actor=None, instance=ReportFile(partnership=run.partnership, run=run, format=fmt,
                                                              content=body, size=len(body),
                                                              sha256=hashlib.sha256(body).hexdigest()))
            _set(run, status=RunStatus.DONE, progress=100, step=_("Ready"), finished_at=timezone.now())
    except Exception as error:  # a failed report says so on its page; the worker carries on
        log.exception("Report %s failed", run.pk)
        _set(run, status=RunStatus.FAILED, step=_("Failed"), error=f"{type(error).__name__}: {error}"[:2000],
             finished_at=timezone.now())
    return run


def build(run, progress=lambda *_: None):
    builder = {ReportKind.QUARTERLY: builders.quarterly, ReportKind.ANNUAL: builders.annual}.get(
        run.kind, builders.action_plan)
    return builder(run, progress=progress)


# Parts a template may not bring into board papers: code, embedded objects and other files' content.
FORBIDDEN_RELATIONSHIPS = ("vbaProject", "oleObject", "aFChunk", "attachedTemplate", "package", "control")


def template_problem(data: bytes, document) -> str:
    """Why a Word file cannot be a template, or "". Reports go to boards: nothing in them may reach out."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            if b"<!doctype" in archive.read(entry).lower():
                return _("The template contains a document type declaration, which is not allowed.")
    for part in document.part.package.iter_parts():
        for rel in part.rels.values():
            if rel.is_external:
                return _("The template links to something outside the file (%(target)s); remove the link and "
                         "upload it again.") % {"target": rel.target_ref[:100]}
            if any(name in rel.reltype for name in FORBIDDEN_RELATIONSHIPS):
                return _("The template contains macros, embedded objects or a link to another template, which "
                         "are not allowed.")
    return ""


@transaction.atomic
def template_upload(*, actor, partnership, name: str, filename: str, data: bytes) -> ReportTemplate:
    """Keep a partnership's Word template (checked by the form as a .docx by name and content) once it
    opens as a Word document, unpacks within limits and carries nothing that reaches outside it."""
    import docx

    from prevent_hub.core import tabular

    try:
        tabular._check_zip(data)  # the same guard as spreadsheet uploads: no zip bombs
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx says "not a Word file" in many ways
        raise ReportError(_("This is not a Word document that can be used as a template.")) from error
    problem = template_problem(data, document)
    if problem:
        raise ReportError(problem)
    ReportTemplate.objects.filter(partnership=partnership, is_default=True).update(is_default=False)
    return object_create(actor=actor, instance=ReportTemplate(partnership=partnership, name=name, filename=filename,
                                                              content=data, is_default=True))
