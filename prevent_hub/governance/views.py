import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View

from prevent_hub.audit.services import log_access
from prevent_hub.core.dates import as_of_from
from prevent_hub.core.generic import (
    InvalidForm,
    ModelViews,
    ObjectFormPostView,
    ObjectMixin,
    PartnershipMixin,
    safe_next,
)
from prevent_hub.core.permissions import has_perm, partnership_ids_with_perm
from prevent_hub.core.tokens import secret_hash

from . import calendars, filtersets, forms, selectors, services, tables
from .models import CalendarFeed, Group, Meeting, MeetingPaper, Obligation, ReportingLine, Seat, TermsOfReference


def group_detail_context(group, request):
    seats = list(group.seats.select_related("organisation__partnership", "person__partnership").order_by("organisation__name"))
    return {
        "seats": seats,
        "seated_authorities": sum(1 for seat in seats if seat.organisation and seat.organisation.is_specified_authority),
        "terms": group.terms.select_related("partnership").order_by("-approved_on"),
        "meetings": group.meetings.select_related("partnership").order_by("-starts_at")[:12],
        "reports_to": group.reports_to.select_related("to_group__partnership"),
        "receives_from": group.receives_reports_from.select_related("from_group__partnership"),
        "can_plan": may_plan_meetings(request.user, group),
    }


def meeting_detail_context(meeting, request):
    seated = list(
        meeting.group.seats.exclude(organisation=None).select_related("organisation").order_by("organisation__name")
    )
    organisations = list({s.organisation.pk: s.organisation for s in seated}.values())
    current = {a.organisation_id: a.status for a in meeting.attendance.all()}
    return {
        "attendance_form": forms.AttendanceForm(organisations=organisations, current=current),
        "attendance": meeting.attendance.select_related("organisation").order_by("organisation__name"),
        "items": meeting.items.select_related("plan_action__partnership").order_by("created_at"),
        "item_form": forms.MeetingItemForm(partnership=meeting.partnership),
        "papers": meeting.papers.order_by("created_at"),
        "paper_form": forms.MeetingPaperForm(),
        "can_record": has_perm(request.user, "governance.change_meeting", meeting.partnership_id),
    }


def authority_tag(organisation):
    """Whether ``organisation`` is a specified authority, as the GOV.UK tag every seat and member list shows."""
    from django.template.loader import render_to_string

    return render_to_string("directory/_authority_tag.html", {"organisation": organisation})


group_views = ModelViews(
    model=Group, queryset=Group.objects.select_related("chair"), form_class=forms.GroupForm,
    filterset_class=filtersets.GroupFilterSet, table=tables.group_table,
    detail_template="governance/group_detail.html", detail_context=group_detail_context,
    summary=(("Name", "name"), ("Short name", "short_name"), ("Type", "get_kind_display"), ("Chair", "chair"),
             ("Meets", lambda g: g.get_cadence_display() or "As needed"),
             ("Secure", lambda g: "Yes: its business is not recorded here" if g.is_secure else "No"),
             ("Purpose", "description")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
reporting_line_views = ModelViews(
    model=ReportingLine, queryset=ReportingLine.objects.select_related("from_group", "to_group"),
    form_class=forms.ReportingLineForm, table=tables.reporting_line_table,
    summary=(("Group", "from_group"), ("Reports to", "to_group")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
seat_views = ModelViews(
    model=Seat, queryset=Seat.objects.select_related("group", "organisation", "person"), form_class=forms.SeatForm,
    table=tables.seat_table,
    summary=(("Group", "group"), ("Organisation", "organisation"),
             ("Specified authority", lambda s: authority_tag(s.organisation) if s.organisation else ""),
             ("Representative", "person"), ("Role", "get_role_display"), ("From", "start_date"), ("Until", "end_date")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
terms_views = ModelViews(
    model=TermsOfReference, queryset=TermsOfReference.objects.select_related("group"),
    form_class=forms.TermsOfReferenceForm, table=tables.terms_table,
    summary=(("Group", "group"), ("Version", "version_label"), ("Approved on", "approved_on"),
             ("Next review", "next_review"), ("Terms of reference", "text")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
meeting_views = ModelViews(
    model=Meeting, queryset=Meeting.objects.select_related("group"), form_class=forms.MeetingForm,
    filterset_class=filtersets.MeetingFilterSet, table=tables.meeting_table,
    detail_template="governance/meeting_detail.html", detail_context=meeting_detail_context,
    summary=(("Group", "group"), ("Starts", "starts_at"), ("Ends", "ends_at"), ("Where", "location"),
             ("Status", "get_status_display"), ("Agenda", "agenda"), ("Minutes", "minutes")),
    only=("list", "add", "detail", "edit", "delete", "history"),
    history_related=("attendance", "items"),
)
obligation_views = ModelViews(
    model=Obligation, queryset=Obligation.objects.select_related("group", "plan_action"),
    form_class=forms.ObligationForm, filterset_class=filtersets.ObligationFilterSet, table=tables.obligation_table,
    summary=(("Obligation", "title"), ("Due", "due_date"), ("Owner", "owner_text"), ("Group", "group"),
             ("Plan action", "plan_action"), ("Status", "get_status_display")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)


class DiagramView(PartnershipMixin, View):
    """The reporting lines drawn from the data (the seed's Figure 1), with the same lines as text."""

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, "governance.view_group", self.partnership):
            raise PermissionDenied
        context = {"partnership": self.partnership, **selectors.reporting_diagram(self.partnership)}
        return render(request, "governance/diagram.html", context)


class ComplianceView(PartnershipMixin, View):
    """Strategy Group attendance per organisation over the last four quarters, with no-lead flags."""

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, "governance.view_attendance", self.partnership):
            raise PermissionDenied
        as_of = as_of_from(request)
        context = {"partnership": self.partnership, "as_of": as_of,
                   **selectors.attendance_compliance(self.partnership, as_of)}
        return render(request, "governance/compliance.html", context)


class MeetingSubmitView(ObjectFormPostView):
    model = Meeting
    routes = meeting_views.routes
    detail_view = meeting_views.views["detail"]
    permission = "governance.change_meeting"


class AttendanceView(MeetingSubmitView):
    def save(self, meeting):
        context = meeting_detail_context(meeting, self.request)
        organisations = context["attendance_form"].organisations
        form = forms.AttendanceForm(self.request.POST, organisations=organisations, current={})
        if not form.is_valid():
            raise InvalidForm("attendance_form", form)
        with transaction.atomic():
            for org in organisations:
                status = form.cleaned_data.get(f"org_{org.pk}")
                if status:
                    services.attendance_record(actor=self.request.user, meeting=meeting, organisation=org, status=status)
        return True, "Attendance saved."


class MeetingItemView(MeetingSubmitView):
    def save(self, meeting):
        if meeting.group.is_secure:
            return False, f"{meeting.group} is a secure group: its decisions are recorded in Channel case management."
        form = forms.MeetingItemForm(self.request.POST, partnership=meeting.partnership)
        if not form.is_valid():
            raise InvalidForm("item_form", form)
        theme = form.cleaned_data.pop("plan_theme")
        existing = form.cleaned_data.pop("existing_action")
        if theme is not None and not has_perm(self.request.user, "plans.add_action", meeting.partnership_id):
            raise PermissionDenied
        item = services.meeting_item_create(actor=self.request.user, meeting=meeting, plan_theme=theme,
                                            existing_action=existing, **form.cleaned_data)
        extra = f" It is action {item.plan_action.ref} in the plan." if item.plan_action else ""
        return True, f"{item.get_kind_display()} recorded.{extra}"


class MeetingPaperView(MeetingSubmitView):
    def save(self, meeting):
        if meeting.group.is_secure:
            return False, f"{meeting.group} is a secure group: its papers are not kept in the general record."
        form = forms.MeetingPaperForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            raise InvalidForm("paper_form", form)
        paper = services.meeting_paper_add(actor=self.request.user, meeting=meeting, **form.cleaned_data)
        return True, f"Paper “{paper.title}” added."


class PaperDownloadView(ObjectMixin, View):
    """A meeting paper, for those who can see the meeting; every download is access-logged."""

    model = MeetingPaper
    routes = frozenset()
    queryset = MeetingPaper.objects.select_related("meeting__group")

    def get(self, request, *args, **kwargs):
        paper = self.get_object()
        with transaction.atomic():
            log_access(actor=request.user, event="download", target=paper, sections=["file"], purpose="Meeting paper")
        response = FileResponse(paper.file.open("rb"), as_attachment=True, filename=paper.file.name.rsplit("/", 1)[-1])
        response["Content-Security-Policy"] = "sandbox"
        return response


class MeetingPlanView(ObjectMixin, View):
    """Plan a group's meetings from its cadence: when the first is, its time and place, and how far ahead."""

    model = Group
    routes = group_views.routes
    template_name = "governance/meeting_plan.html"

    def get_group(self):
        group = self.get_object()
        if not may_plan_meetings(self.request.user, group):
            raise PermissionDenied
        return group

    def get(self, request, *args, **kwargs):
        group = self.get_group()
        return self.render(group, forms.MeetingPlanForm(initial=plan_defaults(group)))

    def post(self, request, *args, **kwargs):
        group = self.get_group()
        form = forms.MeetingPlanForm(request.POST)
        if not form.is_valid():
            return self.render(group, form, status=400)
        data = form.cleaned_data
        try:
            created = services.meetings_generate(actor=request.user, group=group, first=data["first"],
                                                 until=data["until"], at=data["at"], location=data["location"])
        except services.GovernanceError as error:
            form.add_error(None, str(error))
            return self.render(group, form, status=400)
        days = ", ".join(f"{timezone.localtime(m.starts_at):%-d %B %Y}" for m in created[:12])
        messages.success(request, f"{len(created)} meeting{'s' if len(created) != 1 else ''} planned"
                         + (f": {days}{' and more' if len(created) > 12 else ''}." if created else
                            ": every date already had one."))
        return HttpResponseRedirect(safe_next(request, group.get_absolute_url()))

    def render(self, group, form, status=200):
        return render(self.request, self.template_name, self.base_context(
            object=group, form=form, back=safe_next(self.request, group.get_absolute_url())), status=status)


def may_plan_meetings(user, group) -> bool:
    """Coordinators plan any group's meetings; the Channel chair plans the Channel Panel's."""
    from .choices import GroupKind

    return has_perm(user, "governance.add_meeting", group.partnership_id) or (
        group.kind == GroupKind.CHANNEL_PANEL and has_perm(user, "governance.plan_panelmeeting", group.partnership_id))


def plan_defaults(group) -> dict:
    """Start from the group's last meeting: its next span's same weekday, same time and place."""
    from prevent_hub.core.dates import nth_weekday, week_of_month

    from .services import MONTHS_BETWEEN

    today = timezone.localdate()
    last = group.meetings.order_by("-starts_at").first()
    step = MONTHS_BETWEEN.get(group.cadence, 1)
    if last is not None:
        when = timezone.localtime(last.starts_at)
        month = dt.date(when.year, when.month, 1)
        while True:
            year, index = divmod(month.month - 1 + step, 12)
            month = dt.date(month.year + year, index + 1, 1)
            first = nth_weekday(month.year, month.month, when.weekday(), week_of_month(when.date()))
            if first > today:
                break
        at, where = f"{when:%H:%M}", last.location
    else:
        first, at, where = today + dt.timedelta(days=14), "10:00", ""
    return {"first": first, "at": at, "location": where, "until": first + dt.timedelta(days=365)}


class MeetingCalendarView(ObjectMixin, View):
    """One meeting as an .ics file, with its series' recurrence."""

    model = Meeting
    routes = meeting_views.routes
    queryset = Meeting.objects.select_related("group")

    def get(self, request, *args, **kwargs):
        meeting = self.get_object()
        with transaction.atomic():
            log_access(actor=request.user, event="download", target=meeting, sections=["calendar"],
                       purpose="Meeting calendar entry")
        response = HttpResponse(calendars.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slugify(str(meeting))}.ics"'
        return response


class CalendarFeedView(View):
    """The signed-in user's private feed address: create a new one (revoking the old) or revoke it."""

    def get(self, request, *args, **kwargs):
        active = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).exists()
        return render(request, "governance/calendar_feed.html", {"active": active,
                                                                 "token": request.session.pop("new_feed_token", None)})

    def post(self, request, *args, **kwargs):
        if request.POST.get("operation") == "revoke":
            services.calendar_feed_revoke(user=request.user)
            messages.success(request, "Your calendar feed address no longer works.")
        else:
            # Shown once, on the next page: only a hash is kept.
            request.session["new_feed_token"] = services.calendar_feed_create(user=request.user)
        return HttpResponseRedirect(request.path)


@method_decorator(login_not_required, name="dispatch")
class PublicCalendarFeedView(View):
    """The feed a calendar program fetches: its secret address is the only key, and it can be revoked."""

    def get(self, request, token, *args, **kwargs):
        feed = CalendarFeed.objects.select_related("user").filter(
            token_hash=secret_hash(token), revoked_at__isnull=True).first()
        if feed is None or not feed.user.is_active:
            raise Http404
        allowed = partnership_ids_with_perm(feed.user, "governance.view_meeting")
        meetings = selectors.visible_meetings(feed.user, allowed)
        with transaction.atomic():
            log_access(actor=feed.user, event="export", target_type="governance.meeting",
                       target_repr=f"calendar feed ({len(allowed)} partnerships)", purpose="Calendar feed")
        response = HttpResponse(calendars.feed_ics(meetings, "Prevent partnership meetings"),
                                content_type="text/calendar; charset=utf-8")
        return response

