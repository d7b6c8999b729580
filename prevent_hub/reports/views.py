"""Reports: ask for one, watch it being made, download its files (each download logged)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.text import slugify
from django.views import View

from prevent_hub.audit.services import log_access
from prevent_hub.core.generic import ModelViews, PartnershipMixin
from prevent_hub.core.permissions import has_perm

from . import forms, services, tables
from .choices import FileFormat, RunStatus
from .models import ReportFile, ReportRun, ReportTemplate

CONTENT_TYPES = {
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileFormat.PDF: "application/pdf",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


DRAFT_KEPT_KEY = "reports_draft_kept"


def _draft_form(run, request):
    """The draft's form, holding what was typed before a clash with someone else's save (kept in the session)."""
    kept = request.session.get(DRAFT_KEPT_KEY, {})
    typed = kept.pop(str(run.pk), None)
    if typed is not None:
        request.session[DRAFT_KEPT_KEY] = kept
        return forms.ReportDraftForm(instance=run, initial=typed)
    return forms.ReportDraftForm(instance=run)


def run_detail_context(run, request):
    return {"files": list(run.files.only("pk", "format", "size", "run_id").order_by("format")),
            "working": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "draft_form": _draft_form(run, request) if run.status == RunStatus.DRAFT else None,
            "can_make": has_perm(request.user, "reports.add_reportrun", run.partnership)}


run_views = ModelViews(
    model=ReportRun, queryset=lambda: ReportRun.objects.select_related("requested_by"), table=tables.run_table,
    detail_template="reports/run_detail.html", detail_context=run_detail_context,
    summary=(("Report", "get_kind_display"),
             ("Period", lambda r: f"{r.period_start:%-d %B %Y} to {r.period_end:%-d %B %Y}"),
             ("Records", lambda r: f"As known on {r.known_on:%-d %B %Y}" if r.known_on else
              "As recorded when it was made" if r.status != RunStatus.DRAFT else "As recorded when it is made"),
             ("Status as at", "as_of"),
             ("Action plan", "plan_version"), ("Only actions tagged", "tag"), ("Word template", "template"),
             ("Asked for by", "requested_by"), ("Status", "get_status_display")),
    only=("list", "detail", "history"), extra_routes=("add",),  # every version is kept: no delete
)
template_views = ModelViews(
    model=ReportTemplate, table=tables.template_table,
    summary=(("Name", "name"), ("File", "filename"), ("Used by default", lambda t: "Yes" if t.is_default else "No")),
    only=("list", "detail", "delete", "history"), extra_routes=("add",),
)


class ReportRequestView(PartnershipMixin, View):
    def check(self):
        if not has_perm(self.request.user, "reports.add_reportrun", self.partnership):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check()
        return self.render(forms.ReportRequestForm(partnership=self.partnership))

    def render(self, form, errors=(), status=200):
        return render(self.request, "reports/run_request.html", {"partnership": self.partnership, "form": form,
                                                                 "errors": list(errors)}, status=status)

    def post(self, request, *args, **kwargs):
        self.check()
        form = forms.ReportRequestForm(request.POST, partnership=self.partnership)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            run = services.report_request(actor=request.user, partnership=self.partnership, **form.request_arguments())
        except services.ReportError as error:
            return self.render(form, errors=[str(error)], status=400)
        if run.status == RunStatus.DRAFT:
            messages.info(request, "Add your commentary, highlights and a case study if you wish, then make the report.")
        else:
            messages.success(request, "The report is being made. This page shows its progress.")
        return HttpResponseRedirect(run.get_absolute_url())


class ReportDraftView(PartnershipMixin, View):
    """Save the coordinator's words into a draft, or make the report from it."""

    def post(self, request, *args, **kwargs):
        from prevent_hub.core.services import ConflictError

        if not has_perm(request.user, "reports.add_reportrun", self.partnership):
            raise PermissionDenied
        run = ReportRun.objects.restrict(request.user, "view", self.partnership).filter(pk=kwargs["pk"]).first()
        if run is None:
            raise Http404
        form = forms.ReportDraftForm(request.POST, instance=ReportRun.objects.get(pk=run.pk))
        if form.is_valid():
            make = request.POST.get("make") == "1"
            try:
                services.report_draft_save(actor=request.user, run=run, make=make,
                                           expected_version=form.cleaned_data.get("expected_version"),
                                           **{k: form.cleaned_data[k] for k in ("commentary", "highlights", "case_study")})
            except ConflictError:
                kept = request.session.get(DRAFT_KEPT_KEY, {})
                kept[str(run.pk)] = {k: form.cleaned_data[k] for k in ("commentary", "highlights", "case_study")}
                request.session[DRAFT_KEPT_KEY] = kept
                messages.error(request, "Someone else saved this draft while you were writing, so nothing was saved. "
                                        "Your text is in the boxes below: check the report and save again.")
            except services.ReportError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "The report is being made. This page shows its progress." if make
                                 else "Draft saved.")
        return HttpResponseRedirect(run.get_absolute_url())


class ReportStatusView(PartnershipMixin, View):
    """How far a report has got, for the page that shows its progress."""

    def get(self, request, *args, **kwargs):
        from django.http import JsonResponse

        run = ReportRun.objects.restrict(request.user, "view", self.partnership).filter(pk=kwargs["pk"]).values(
            "status", "progress", "step").first()
        if run is None:
            raise Http404
        return JsonResponse(run)


class ReportDownloadView(PartnershipMixin, View):
    def get(self, request, *args, **kwargs):
        run = ReportRun.objects.restrict(request.user, "view", self.partnership).filter(pk=kwargs["pk"]).first()
        if run is None:
            raise Http404
        file = ReportFile.objects.filter(run=run, format=kwargs["fmt"]).first()
        if file is None:
            raise Http404
        with transaction.atomic():
            log_access(actor=request.user, event="download", target=run, sections=[file.format],
                       purpose="Report download")
            body = bytes(file.content)
        response = HttpResponse(body, content_type=CONTENT_TYPES[file.format])
        response["Content-Disposition"] = f'attachment; filename="{slugify(run.title)[:80]}.{file.format}"'
        response["Content-Security-Policy"] = "sandbox"
        return response


class TemplateUploadView(PartnershipMixin, View):
    def check(self):
        if not has_perm(self.request.user, "reports.add_reporttemplate", self.partnership):
            raise PermissionDenied

    def render(self, form, errors=(), status=200):
        return render(self.request, "reports/template_upload.html", {"partnership": self.partnership, "form": form,
                                                                     "errors": list(errors)}, status=status)

    def get(self, request, *args, **kwargs):
        self.check()
        return self.render(forms.TemplateUploadForm())

    def post(self, request, *args, **kwargs):
        self.check()
        form = forms.TemplateUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            template = services.template_upload(actor=request.user, partnership=self.partnership,
                                                name=form.cleaned_data["name"], filename=upload.name, data=upload.read())
        except services.ReportError as error:
            return self.render(form, errors=[str(error)], status=400)
        messages.success(request, f"{template} will be used for Word reports.")
        return HttpResponseRedirect(template.get_absolute_url())
