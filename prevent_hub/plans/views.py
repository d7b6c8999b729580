import base64
import secrets

from django import forms as django_forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.text import slugify
from django.views import View

from prevent_hub.audit.services import log_access
from prevent_hub.core.generic import ModelViewMixin, ModelViews, ObjectMixin

from . import exporters, forms, tables
from .models import Action, ActionOwner, Plan, PlanVersion, Timescale
from .parsing import FIELD_LABELS, FIELDS, ColumnsNotRecognised, PlanError, parse_plan
from .selectors import DirectoryIndex, proposals_for
from .services import plan_import

PENDING_PLAN_KEY = "pending_plan_import"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def plan_detail_context(plan):
    return {"versions": plan.versions.select_related("partnership").order_by("-year_start", "-pk")}


def actions_with_parts(queryset):
    """Actions with their owners (and the directory records they point to) and timescales, in three queries."""
    return queryset.select_related("partnership", "theme").prefetch_related(
        Prefetch("owners", ActionOwner.objects.select_related("person__partnership", "organisation__partnership")),
        Prefetch("timescales", Timescale.objects.order_by("position")),
    )


def version_detail_context(version):
    actions = list(actions_with_parts(version.actions.order_by("sort_key")))
    themes = list(version.themes.order_by("number"))
    by_theme = {theme.pk: [] for theme in themes}
    for action in actions:
        by_theme[action.theme_id].append(action)
    return {"themes": [(theme, by_theme[theme.pk]) for theme in themes], "action_count": len(actions)}


plan_views = ModelViews(
    model=Plan,
    form_class=forms.PlanForm,
    table=tables.plan_table,
    detail_template="plans/plan_detail.html",
    detail_context=plan_detail_context,
    summary=(("Title", "title"), ("First year", "period_start"), ("Last year", "period_end")),
    only=("list", "add", "detail", "edit", "delete", "history"),
    extra_routes=("import",),  # PlanImportView
)

version_views = ModelViews(
    model=PlanVersion,
    queryset=PlanVersion.objects.select_related("plan", "previous"),
    form_class=forms.PlanVersionForm,
    detail_template="plans/version_detail.html",
    detail_context=version_detail_context,
    summary=(("Plan", "plan"), ("Version", "label"), ("Issued", "issued"), ("Imported from", "source_name")),
    only=("detail", "edit", "delete", "history"),
)

action_views = ModelViews(
    model=Action,
    queryset=lambda: actions_with_parts(Action.objects.select_related("plan_version__plan")),
    detail_template="plans/action_detail.html",
    summary=(("Plan version", "plan_version"), ("Theme", "theme"), ("Reference", "ref"), ("Key action", "text"),
             ("Who (as written)", "who_text"), ("Timescale (as written)", "timescale_text"), ("Notes", "notes")),
    only=("detail", "history"),
)


class VersionExportView(ObjectMixin, View):
    """The plan version as Word or Excel; every download is access-logged."""

    model = PlanVersion
    permission_action = "export"
    formats = {
        "docx": (exporters.export_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx": (exporters.export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        fmt = request.GET.get("format", "docx")
        if fmt not in self.formats:
            raise Http404
        render_file, content_type = self.formats[fmt]
        body = render_file(version)
        with transaction.atomic():
            log_access(actor=request.user, event="export", target=version, sections=[fmt], purpose="Plan export")
        response = HttpResponse(body, content_type=content_type)
        name = slugify(f"{version.plan.title} {version.label}")
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        response["Content-Security-Policy"] = "sandbox"
        return response


class MappingForm(django_forms.Form):
    """Say which column holds what, when the headings were not recognised."""

    def __init__(self, *args, headers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not imported")] + [(f, FIELD_LABELS[f]) for f in FIELDS]
        for index, header in enumerate(headers):
            if header:
                self.fields[f"column_{index}"] = django_forms.ChoiceField(
                    label=f"Column '{header}'", choices=choices, required=False)
        self.headers = headers

    def mapping(self) -> dict[str, str]:
        return {
            self.headers[int(name.split("_")[1])]: value
            for name, value in self.cleaned_data.items() if value
        }

    def clean(self):
        values = [v for v in self.cleaned_data.values() if v]
        if "action" not in values:
            raise django_forms.ValidationError("Choose the column that holds the key actions.")
        if len(values) != len(set(values)):
            raise django_forms.ValidationError("Choose each kind of column once only.")
        return self.cleaned_data


class PlanImportView(ModelViewMixin, View):
    """Upload → preview (every action with its owners, timescale and tags; doubts flagged and editable) → confirm.

    The file waits in the session between steps with what the person has said about it
    (column mapping, corrections); it is parsed again at each step, so what is saved is
    exactly what the last preview showed plus any edits typed on it.
    """

    model = Plan
    permission_action = "import"
    template_name = "plans/plan_import.html"

    def get(self, request, *args, **kwargs):
        self.check_permission()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        self.check_permission()
        if "confirm" in request.POST:
            return self.confirm()
        if "revise" in request.POST or "map" in request.POST:
            return self.revise()
        return self.upload()

    def upload(self):
        upload = self.request.FILES.get("file")
        if upload is None:
            return self.render_page(error="Select the plan file to import.", status=400)
        if upload.size > MAX_UPLOAD_BYTES:
            return self.render_page(error="The file must be smaller than 10 MB.", status=400)
        self.request.session[PENDING_PLAN_KEY] = {
            "token": secrets.token_urlsafe(16), "partnership": self.partnership.pk, "filename": upload.name,
            "data": base64.b64encode(upload.read()).decode(), "mapping": None, "headers": [], "corrections": {},
        }
        return self.preview()

    def pending(self) -> dict | None:
        pending = self.request.session.get(PENDING_PLAN_KEY)
        valid = pending and pending["token"] == self.request.POST.get("token") and pending["partnership"] == self.partnership.pk
        return pending if valid else None

    def revise(self):
        pending = self.pending()
        if pending is None:
            return self.render_page(error="This import has expired. Upload the file again.", status=400)
        if "map" in self.request.POST:
            form = MappingForm(self.request.POST, headers=pending["headers"])
            if not form.is_valid():
                return self.render_page(mapping_form=form, token=pending["token"], filename=pending["filename"],
                                        error=form.non_field_errors()[0], status=400)
            pending["mapping"] = form.mapping()
        else:
            pending["corrections"] = corrections_from(self.request.POST)
        self.request.session.modified = True
        return self.preview()

    def parse(self, pending, index):
        return parse_plan(base64.b64decode(pending["data"]), pending["filename"], vocabulary=index.vocabulary(),
                          mapping=pending["mapping"], corrections=pending["corrections"])

    def preview(self):
        pending = self.request.session[PENDING_PLAN_KEY]
        index = DirectoryIndex.load(self.partnership)
        try:
            parsed = self.parse(pending, index)
        except ColumnsNotRecognised as error:
            pending["headers"] = error.headers
            self.request.session.modified = True
            return self.render_page(error=str(error), mapping_form=MappingForm(headers=error.headers),
                                    token=pending["token"], filename=pending["filename"], status=400)
        except PlanError as error:
            del self.request.session[PENDING_PLAN_KEY]
            return self.render_page(error=str(error), status=400)
        return self.render_page(parsed=parsed, token=pending["token"], filename=pending["filename"],
                                proposals=proposals_for(parsed, index))

    def confirm(self):
        pending = self.pending()
        if pending is None:
            return self.render_page(error="This import has expired. Upload the file again.", status=400)
        pending["corrections"] = corrections_from(self.request.POST)  # what is typed on the preview is imported
        self.request.session.modified = True
        index = DirectoryIndex.load(self.partnership)
        try:
            parsed = self.parse(pending, index)
        except PlanError as error:  # the directory changed so much that the file no longer reads
            del self.request.session[PENDING_PLAN_KEY]
            return self.render_page(error=str(error), status=400)
        try:
            version = plan_import(actor=self.request.user, partnership=self.partnership, parsed=parsed,
                                  source_name=pending["filename"], create_missing="create_missing" in self.request.POST)
        except PlanError as error:  # e.g. no title, or this version exists: fix it on the preview and try again
            return self.render_page(error=str(error), parsed=parsed, token=pending["token"], filename=pending["filename"],
                                    proposals=proposals_for(parsed, index), status=400)
        del self.request.session[PENDING_PLAN_KEY]
        messages.success(self.request, f"Imported {version} with {len(parsed.actions)} actions.")
        return HttpResponseRedirect(version.get_absolute_url())

    def render_page(self, *, error=None, parsed=None, token=None, filename=None, proposals=None,
                    mapping_form=None, status=200):
        context = self.base_context(error=error, parsed=parsed, token=token, filename=filename,
                                    proposals=proposals, mapping_form=mapping_form)
        return render(self.request, self.template_name, context, status=status)


def corrections_from(post) -> dict:
    """The plan title, version and per-action Who/Timescale typed on the preview page."""
    corrections: dict = {"actions": {}}
    for key in ("title", "version_label"):
        if post.get(key, "").strip():
            corrections[key] = post[key]
    for name, value in post.items():
        field, _, ref = name.partition("-")
        if field in ("who", "timescale") and ref:
            corrections["actions"].setdefault(ref, {})[field] = value
    return corrections
