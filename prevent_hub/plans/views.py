import base64
import datetime as dt
import secrets

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View

from prevent_hub.audit.services import log_access
from prevent_hub.core.dates import as_of_from
from prevent_hub.core.generic import (
    InvalidForm,
    ModelViewMixin,
    ModelViews,
    ObjectFormPostView,
    ObjectMixin,
    PartnershipMixin,
    safe_next,
)
from prevent_hub.core.params import record_id
from prevent_hub.core.permissions import has_perm
from prevent_hub.core.ratelimit import within
from prevent_hub.directory.models import Person

from . import exporters, filtersets, forms, reminders, schedule, selectors, services, tables
from .forms import ProgressUpdateForm
from .models import Action, ActionOwner, EmailLog, Plan, PlanVersion, ProgressUpdate, Timescale
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


def version_detail_context(version, request):
    actions = list(actions_with_parts(version.actions.order_by("sort_key")))
    themes = list(version.themes.order_by("number"))
    by_theme = {theme.pk: [] for theme in themes}
    for action in actions:
        by_theme[action.theme_id].append(action)
    return {
        "themes": [(theme, by_theme[theme.pk]) for theme in themes],
        "action_count": len(actions),
        "can_refresh": has_perm(request.user, "plans.add_planversion", version.partnership),
    }


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

def action_detail_context(action, request):
    partnership = action.partnership
    window = schedule.version_window(action.plan_version.year_start, partnership.year_start_month)
    records = {r.due_date: r for r in action.checkpoint_records.all()}
    points = (schedule.checkpoints(action.timescales.order_by("position"), *window, partnership.year_start_month)
              if window else [])
    return {
        "action_record": action_record(action),
        "checkpoints": [(point, records.get(point.date)) for point in points],
        "today": timezone.localdate(),
        "can_report": selectors.may_report_on(request.user, action, "plans.add_progressupdate"),
        "can_mark": selectors.may_report_on(request.user, action, "plans.add_checkpointrecord"),
        "can_mitigate": has_perm(request.user, "plans.add_mitigatingaction", partnership),
        "mitigation_form": forms.MitigationForm(),
    }


ACTION_RECORD = "plans/_action_record.html"
ACTION_RECORD_SCHEMA = 1  # bump when what the record shows changes in a way its code digest would miss


def action_record(action) -> str:
    """An action's progress updates, owners, timescale and mitigating actions, rendered; served from the
    cache while none of the tables they come from has been written to in the partnership."""
    from prevent_hub.core.caching import render_cached

    from . import choices, models

    partnership = action.partnership

    def build() -> dict:
        return {
            "partnership": partnership, "action": action,
            "updates": list(action.updates.order_by("-period_start", "-created_at")),
            "owners": list(action.owners.select_related("person__partnership", "organisation__partnership")),
            "timescales": list(action.timescales.order_by("position")),
            "mitigations": list(action.mitigations.order_by("created_at")),
        }

    return render_cached("plans:action-record", (
        ACTION_RECORD_SCHEMA, partnership.pk, partnership.slug, action.pk, action.ref,
        selectors.action_record_fingerprint(partnership),
    ), ACTION_RECORD, build, code=(__file__, choices, models, "plans/_owners.html", "plans/_timescales.html"))


action_views = ModelViews(
    model=Action,
    # Owners and timescales are read with the action's record (action_record), not with every action.
    queryset=Action.objects.select_related("partnership", "theme", "plan_version__plan", "plan_version__partnership"),
    list_queryset=Action.objects.select_related("partnership", "plan_version"),
    form_class=forms.ActionForm,
    filterset_class=filtersets.ActionFilterSet,
    table=tables.action_table,
    detail_template="plans/action_detail.html",
    detail_context=action_detail_context,
    importer=exporters.ActionSpreadsheet(),  # export only: plans are imported whole, from plan_import
    summary=(("Plan version", "plan_version"), ("Theme", "theme"), ("Reference", "ref"), ("Key action", "text"),
             ("Status", lambda a: a.get_status_display() or "Not set: worked out from dates and updates"),
             ("Who (as written)", "who_text"), ("Timescale (as written)", "timescale_text"), ("Notes", "notes")),
    only=("list", "detail", "edit", "history", "export"),
    history_related=("updates", "checkpoint_records", "mitigations", "owners", "timescales"),
)


email_log_views = ModelViews(
    model=EmailLog,
    filterset_class=filtersets.EmailLogFilterSet,
    table=tables.email_log_table,
    only=("list",),
)


class VersionExportView(ObjectMixin, View):
    """The plan version as Word or Excel; every download is access-logged."""

    model = PlanVersion
    routes = version_views.routes
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


# --- Tracking ------------------------------------------------------------------------------------


class CurrentDashboardView(PartnershipMixin, View):
    """The menu's "Dashboard": the current plan version's dashboard, today."""

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, "plans.view_planversion", self.partnership):
            raise PermissionDenied
        version = selectors.current_version(self.partnership)
        if version is None:
            messages.info(request, "There is no action plan yet: import one to see its dashboard.")
            return HttpResponseRedirect(self.url("plans:plan_list"))
        return HttpResponseRedirect(self.url("plans:planversion_dashboard", pk=version.pk))


class VersionDashboardView(ObjectMixin, View):
    """The Strategy Group dashboard for one plan version, as of any day."""

    model = PlanVersion
    routes = version_views.routes
    queryset = PlanVersion.objects.select_related("plan")

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        as_of = as_of_from(request)
        period = schedule.period_containing(as_of, self.partnership.year_start_month)
        context = self.base_context(
            object=version, as_of=as_of, period=period, body=dashboard_body(version, as_of),
            locked=version.period_locks.filter(period_start=period.start).exists(),
            can_lock=has_perm(request.user, "plans.add_periodlock", self.partnership))
        return render(request, "plans/version_dashboard.html", context)


DASHBOARD_BODY = "plans/_dashboard_body.html"
DASHBOARD_CACHE_SCHEMA = 1  # bump when what the body shows changes in a way its code digest would miss


def dashboard_body(version, as_of) -> str:
    """The dashboard's figures and tables on ``as_of``, rendered.

    Served from the cache while none of the records it is computed from has changed (the key holds
    their fingerprint, the day, and a digest of the code and templates): the dashboard works out
    every action's schedule and the Strategy Group's attendance, and is opened far more often than
    a plan is updated.
    """
    from prevent_hub.core import charts as core_charts
    from prevent_hub.core.caching import render_cached
    from prevent_hub.directory import selectors as directory_selectors
    from prevent_hub.governance import choices as governance_choices
    from prevent_hub.governance import selectors as governance_selectors

    from . import charts as plan_charts
    from . import choices, models

    partnership = version.partnership

    def build() -> dict:
        data = selectors.dashboard(version, as_of)
        data["chart"] = core_charts.page_svg(plan_charts.rag_by_theme(data["themes"]), ident="rag-chart")
        # Strategy Group attendance (seed action 2.1) sits beside the plan's progress.
        data["attendance"] = governance_selectors.attendance_compliance(partnership, as_of)
        return {"partnership": partnership, **data}

    return render_cached("plans:dashboard", (
        DASHBOARD_CACHE_SCHEMA, version.pk, as_of, partnership.slug, partnership.year_start_month,
        selectors.dashboard_fingerprint(partnership),
    ), DASHBOARD_BODY, build, code=(__file__, selectors, schedule, choices, models, plan_charts, core_charts,
                                    governance_selectors,
                                    governance_choices, directory_selectors, "plans/_state_table.html",
                                    "plans/_status_tag.html"))


class ProgressUpdateCreateView(ObjectMixin, View):
    """Report progress on an action for a period (or, for coordinators, record an owner's update for them)."""

    model = Action
    routes = action_views.routes
    queryset = Action.objects.select_related("plan_version__plan", "plan_version__partnership", "theme")
    template_name = "plans/progress_update_form.html"

    def dispatch_checks(self):
        action = self.get_object()
        if not selectors.may_report_on(self.request.user, action, "plans.add_progressupdate"):
            raise PermissionDenied
        return action

    def form(self, action, data=None, files=None):
        allow_proxy = has_perm(self.request.user, "plans.change_action", self.partnership)
        owners = {o.person_id: o.person for o in action.owners.select_related("person") if o.person_id}
        periods = selectors.reportable_periods(action.plan_version)
        form = ProgressUpdateForm(data, files, periods=periods, allow_proxy=allow_proxy, owners=owners.values())
        if data is None:
            current = schedule.period_containing(timezone.localdate(), self.partnership.year_start_month)
            offered = [p.start for p in periods]
            form.initial.setdefault("period_start", (current.start if current.start in offered else
                                                     offered[0] if offered else current.start).isoformat())
            chosen = record_id(self.request.GET.get("for"))
            if "reporting_for" in form.fields and chosen in owners:
                form.initial["reporting_for"] = chosen
        return form

    def get(self, request, *args, **kwargs):
        action = self.dispatch_checks()
        return self.render_form(action, self.form(action))

    def post(self, request, *args, **kwargs):
        action = self.dispatch_checks()
        form = self.form(action, request.POST, request.FILES)
        if not form.is_valid():
            if "period_start" in form.errors and selectors.period_locked_iso(action.plan_version,
                                                                             request.POST.get("period_start")):
                form.errors["period_start"] = form.error_class([services.locked_period_message(
                    action.plan_version, dt.date.fromisoformat(request.POST["period_start"]))])
            return self.render_form(action, form, status=400)
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("period_start", "reporting_for")}
        reported_for = form.reported_for()
        own = next((p for p in selectors.people_for(request.user, self.partnership)
                    if action.owners.filter(person=p).exists()), None)
        try:
            services.progress_update_create(
                actor=request.user, action=action, period_start=form.cleaned_data["period_start"],
                author_name=request.user.full_name or request.user.email,
                on_behalf_of=reported_for.name if reported_for else "", person=reported_for or own, **data,
            )
        except services.TrackingError as error:
            form.add_error("period_start", str(error))
            return self.render_form(action, form, status=400)
        messages.success(request, f"Progress on {action.ref} saved"
                         + (f" for {reported_for.name}." if reported_for else "."))
        return HttpResponseRedirect(safe_next(request, action.get_absolute_url()))

    def render_form(self, action, form, status=200):
        back = safe_next(self.request, action.get_absolute_url())
        context = self.base_context(object=action, form=form, cancel_url=back, next=back,
                                    no_period=not form.fields["period_start"].choices)
        return render(self.request, self.template_name, context, status=status)


def chosen_period(request, version) -> schedule.Period:
    """The period asked for (``?period=YYYY-MM-DD``, one of the version's), else the current one or the latest."""
    periods = selectors.version_periods(version)
    wanted = request.GET.get("period") or request.POST.get("period") or ""
    for period in periods:
        if period.start.isoformat() == wanted:
            return period
    today = timezone.localdate()
    return next((p for p in periods if p.start <= today <= p.end), None) or (
        periods[-1] if periods[-1].end < today else periods[0])


class MyActionsView(PartnershipMixin, View):
    """A signed-in owner's actions: their part, this period's check-points, what is due, and their updates."""

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, "plans.view_myactions", self.partnership):
            raise PermissionDenied
        version = selectors.current_version(self.partnership)
        people = selectors.people_for(request.user, self.partnership)
        context = {"partnership": self.partnership, "version": version, "people": people, "rows": [],
                   "today": timezone.localdate()}
        if version is not None:
            period = chosen_period(request, version)
            rows = selectors.my_actions(request.user, version, period)
            context.update(period=period, rows=rows, updated=sum(1 for r in rows if r["update"]),
                           locked=selectors.period_locked(version, period.start),
                           periods=selectors.version_periods(version), here=request.get_full_path())
        return render(request, "plans/my_actions.html", context)


NEW_LINK_KEY = "plans_new_owner_link"


class QuarterView(PartnershipMixin, View):
    """The coordinator's quarter: every action and owner, who has reported, when they were asked, and the chasing."""

    paginate_by = 50

    def get(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        if not has_perm(request.user, "plans.view_quarter", self.partnership):
            raise PermissionDenied
        versions = list(PlanVersion.objects.filter(partnership=self.partnership).select_related("plan", "partnership")
                        .order_by("-year_start", "-pk"))
        wanted = request.GET.get("version", "")
        version = next((v for v in versions if str(v.pk) == wanted), None) or selectors.current_version(self.partnership)
        context = {"partnership": self.partnership, "version": version, "versions": versions}
        if version is not None:
            period = chosen_period(request, version)
            page = Paginator(Action.objects.filter(plan_version=version).order_by("sort_key").values_list(
                "pk", flat=True), self.paginate_by).get_page(request.GET.get("page"))
            to_chase = selectors.people_to_chase(version, period)
            context.update(
                period=period, periods=selectors.version_periods(version), page_obj=page,
                rows=selectors.quarter(version, period, action_ids=list(page.object_list)),
                to_chase=to_chase, to_chase_with_email=[p for p in to_chase if p.email],
                locked=selectors.period_locked(version, period.start),
                can_send=has_perm(request.user, "plans.send_ownerlink", self.partnership),
                can_lock=has_perm(request.user, "plans.add_periodlock", self.partnership),
                can_edit_people=has_perm(request.user, "directory.change_person", self.partnership),
                new_link=request.session.pop(NEW_LINK_KEY, None), here=request.get_full_path(),
            )
            context["updated_count"] = selectors.updated_count(version, period)
            context["action_count"] = page.paginator.count
        return render(request, "plans/quarter.html", context)


class QuarterRequestView(PartnershipMixin, View):
    """Ask owners for their updates from the quarter page: email one, email all not updated, or make a link."""

    def post(self, request, *args, **kwargs):
        if not has_perm(request.user, "plans.send_ownerlink", self.partnership):
            raise PermissionDenied
        version = PlanVersion.objects.filter(partnership=self.partnership, pk=record_id(request.POST.get("version"))).first()
        if version is None:
            raise Http404
        period = chosen_period(request, version)
        back = (reverse("plans:quarter", kwargs={"partnership": self.partnership.slug})
                + f"?version={version.pk}&period={period.start.isoformat()}")
        what = request.POST.get("what")
        try:
            if what == "send-all":
                sent, skipped = reminders.owner_requests_send_all(actor=request.user, version=version, period=period)
                messages.success(request, f"Update requests sent to {plural(len(sent), 'person', 'people')}."
                                 if sent else "Nobody was sent a request.")
                for person, why in skipped:
                    messages.error(request, why)
                return HttpResponseRedirect(back)
            person = Person.objects.filter(partnership=self.partnership, pk=record_id(request.POST.get("person"))).first()
            if person is None:
                raise Http404
            if what == "send":
                reminders.owner_request_send(actor=request.user, version=version, person=person, period=period)
                messages.success(request, f"Update request emailed to {person.name} ({person.email}).")
            elif what == "link":
                token = reminders.owner_link_issue(actor=request.user, version=version, person=person,
                                                   period_start=period.start)
                request.session[NEW_LINK_KEY] = {"person": person.name, "url": reminders.owner_link_url(token)}
                messages.success(request, f"A new link for {person.name} is below. Any earlier link of theirs for "
                                          f"{period.label} no longer works.")
            else:
                raise Http404
        except services.TrackingError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(back)


def plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


class PeriodLockView(ObjectMixin, View):
    """Lock (or unlock) a reporting period of a plan version once it has been reported, after a confirmation page.

    The page says what locking does and how many actions have no update yet, so nobody locks
    a quarter by a stray click: the button on the dashboard and the quarter page opens it.
    """

    model = PlanVersion
    routes = version_views.routes
    permission_action = "view"

    def period(self, version, data):
        """The period asked for (``period`` as YYYY-MM-DD, within the version's year), or None."""
        window = schedule.version_window(version.year_start, self.partnership.year_start_month)
        try:
            start = dt.date.fromisoformat(data.get("period", ""))
        except ValueError:
            return None
        if window and not window[0] <= start <= window[1]:
            return None
        return schedule.period_containing(start, self.partnership.year_start_month)

    def allowed_version(self):
        version = self.get_object()
        if not has_perm(self.request.user, "plans.add_periodlock", self.partnership):
            raise PermissionDenied
        return version

    def back(self, version, period):
        fallback = self.url("plans:planversion_dashboard", pk=version.pk)
        if period is not None:
            fallback += f"?as_of={period.start.isoformat()}"
        return safe_next(self.request, fallback, under=f"/p/{self.partnership.slug}/")

    def get(self, request, *args, **kwargs):
        version = self.allowed_version()
        period = self.period(version, request.GET)
        if period is None:
            messages.error(request, "That period is not in this plan version's year; nothing was locked.")
            return HttpResponseRedirect(self.back(version, None))
        locked = selectors.period_locked(version, period.start)
        action_count = version.actions.count()
        updated = selectors.updated_count(version, period)
        return render(request, "plans/period_lock.html", self.base_context(
            object=version, period=period, locked=locked, action_count=action_count, updated=updated,
            not_updated=action_count - updated, back=self.back(version, period),
            today_in_period=period.start <= timezone.localdate() <= period.end,
        ))

    def post(self, request, *args, **kwargs):
        version = self.allowed_version()
        period = self.period(version, request.POST)
        if period is None:
            messages.error(request, "That period is not in this plan version's year; nothing was locked.")
            return HttpResponseRedirect(self.back(version, None))
        try:
            if request.POST.get("operation") == "unlock":
                services.period_unlock(actor=request.user, version=version, period_start=period.start)
                messages.success(request, f"{period.label} unlocked: owners can update it again.")
            else:
                services.period_lock(actor=request.user, version=version, period_start=period.start)
                messages.success(request, f"{period.label} locked: no more updates can be added for it.")
        except services.TrackingError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(self.back(version, period))


class EvidenceDownloadView(ObjectMixin, View):
    """An evidence file, for those who can see the action; every download is access-logged."""

    model = ProgressUpdate
    routes = frozenset()
    queryset = ProgressUpdate.objects.select_related("action")

    def get(self, request, *args, **kwargs):
        update = self.get_object()
        if not update.evidence_file:
            raise Http404
        with transaction.atomic():
            log_access(actor=request.user, event="download", target=update, sections=["evidence_file"],
                       purpose="Progress evidence")
        response = FileResponse(update.evidence_file.open("rb"), as_attachment=True,
                                filename=update.evidence_file.name.rsplit("/", 1)[-1])
        response["Content-Security-Policy"] = "sandbox"
        return response


class ActionSubmitView(ObjectFormPostView):
    """A small form posted from an action's page, by those who may report on that action."""

    model = Action
    routes = action_views.routes
    detail_view = action_views.views["detail"]

    def allowed(self, action) -> bool:
        return selectors.may_report_on(self.request.user, action, self.permission)


class CheckpointRecordView(ActionSubmitView):
    permission = "plans.add_checkpointrecord"

    def save(self, action):
        form = forms.CheckpointRecordForm(self.request.POST)
        if not form.is_valid():
            return False, "Choose whether the check-point was done or missed."
        try:
            record = services.checkpoint_record(actor=self.request.user, action=action, **form.cleaned_data)
        except services.TrackingError as error:
            return False, str(error)
        return True, f"Check-point of {record.due_date:%-d %B %Y} marked {record.get_outcome_display().lower()}."


class MitigationCreateView(ActionSubmitView):
    permission = "plans.add_mitigatingaction"

    def save(self, action):
        form = forms.MitigationForm(self.request.POST)
        if not form.is_valid():
            raise InvalidForm("mitigation_form", form)
        services.mitigation_create(actor=self.request.user, action=action, **form.cleaned_data)
        return True, "Mitigating action recorded."


@method_decorator(login_not_required, name="dispatch")
class OwnerUpdateView(View):
    """An owner without an account updates all their actions for a period through their link, in one sitting.

    Each action is saved on its own: one that fails keeps what was typed and shows its errors,
    the others are saved. The page shows their actions only; it opens no session and links nowhere else.
    """

    template_name = "plans/owner_update.html"

    def link(self):
        try:
            return reminders.owner_link_find(self.kwargs["token"])
        except reminders.LinkRefused:
            return None

    def forms(self, link, data=None):
        actions = selectors.actions_for_owner(link.plan_version, link.person)
        updates = {u.action_id: u for u in ProgressUpdate.objects.filter(
            action__in=actions, period_start=link.period_start).order_by("created_at")}
        return [(action, updates.get(action.pk), forms.OwnerActionUpdateForm(data, action=action))
                for action in actions]

    def get(self, request, *args, **kwargs):
        link = self.link()
        if link is None:
            return self.refused()
        return self.render_page(link, self.forms(link))

    def post(self, request, *args, **kwargs):
        link = self.link()
        if link is None:
            return self.refused()
        entries = self.forms(link, request.POST)
        saved, kept = [], []
        for action, previous, form in entries:
            if not form.has_changed():
                kept.append((action, previous, forms.OwnerActionUpdateForm(action=action)))
                continue
            if form.is_valid():
                try:
                    update = reminders.owner_link_update(token=self.kwargs["token"], action=action, **form.cleaned_data)
                except reminders.LinkRefused:
                    return self.refused()
                except services.TrackingError as error:
                    form.add_error(None, str(error))
                    kept.append((action, previous, form))
                    continue
                saved.append(action)
                kept.append((action, update, forms.OwnerActionUpdateForm(action=action)))
            else:
                kept.append((action, previous, form))
        failed = any(form.errors for _action, _update, form in kept)
        link.refresh_from_db()
        if not failed and saved and link.used_at is not None:
            return render(request, self.template_name, {"done": True, "link": link, "saved": saved})
        return self.render_page(link, kept, saved=saved, status=400 if failed else 200)

    def render_page(self, link, entries, saved=(), status=200):
        period = schedule.period_containing(link.period_start, link.partnership.year_start_month)
        return render(self.request, self.template_name, {
            "link": link, "entries": entries, "period": period, "saved": saved,
            "errors": [(action, form) for action, _update, form in entries if form.errors],
        }, status=status)

    def refused(self):
        return render(self.request, self.template_name, {"refused": True}, status=404)


@method_decorator(login_not_required, name="dispatch")
class OwnerLinkRenewView(View):
    """'Send me a new link' from a link that no longer works: to the owner's email on record, never one typed here."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not within(f"owner-link-renew:{request.META.get('REMOTE_ADDR', '')}", limit=20):
            return render(request, "plans/owner_update.html", {"renewed": True}, status=429)
        reminders.owner_link_renew(token=self.kwargs["token"])
        # The same answer whatever the link was: it must not tell anyone whose link it is, or whether one exists.
        return render(request, "plans/owner_update.html", {"renewed": True})


class PlanRefreshView(ObjectMixin, View):
    """The annual refresh (seed action 2.5): roll a version into the next year's."""

    model = PlanVersion
    routes = version_views.routes
    queryset = PlanVersion.objects.select_related("plan")
    template_name = "plans/version_refresh.html"

    def check(self):
        version = self.get_object()
        if not has_perm(self.request.user, "plans.add_planversion", self.partnership):
            raise PermissionDenied
        return version

    def suggested_label(self, version) -> str:
        if version.year_start:
            return f"{version.year_start + 1} – {version.year_start + 2} Version"
        return ""

    def get(self, request, *args, **kwargs):
        version = self.check()
        return self.render_page(version, label=self.suggested_label(version))

    def post(self, request, *args, **kwargs):
        version = self.check()
        label = request.POST.get("label", "")
        try:
            new = services.plan_refresh(actor=request.user, version=version, label=label)
        except services.TrackingError as error:
            return self.render_page(version, label=label, error=str(error), status=400)
        messages.success(request, f"{new} created: {len(new.changes['carried_forward'])} actions carried forward, "
                                  f"{len(new.changes['closed'])} closed.")
        return HttpResponseRedirect(new.get_absolute_url())

    def render_page(self, version, *, label, error=None, status=200):
        actions = list(version.actions.prefetch_related("updates").order_by("sort_key"))  # is_complete reads these
        closing = [a for a in actions if services.is_complete(a)]
        context = self.base_context(object=version, label=label, error=error, closing=closing,
                                    carrying=len(actions) - len(closing))
        return render(self.request, self.template_name, context, status=status)
