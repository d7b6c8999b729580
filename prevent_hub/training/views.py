from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from prevent_hub.core.dates import as_of_from
from prevent_hub.core.generic import InvalidForm, ModelViews, ObjectFormPostView, PartnershipMixin
from prevent_hub.core.params import query_int
from prevent_hub.core.permissions import has_perm
from prevent_hub.plans import schedule

from . import forms, importers, selectors, services, tables
from .models import Course, LmsCompletion, SessionLink, Trainer, TrainingSession

NEW_LINK_KEY = "new_training_link"


def session_detail_context(session, request):
    feedback = session.feedback.aggregate(responses=Count("pk"), rating=Avg("rating"),
                                          before=Avg("confidence_before"), after=Avg("confidence_after"))
    new_link = request.session.pop(NEW_LINK_KEY, None)
    if new_link and new_link.get("session") != session.pk:
        new_link = None
    return {
        "head_counts": session.head_counts.select_related("organisation").order_by("sector", "organisation__name")[:200],
        "trained": session.head_counts.aggregate(n=Sum("count"))["n"] or 0,
        "feedback": feedback,
        "comments": session.feedback.exclude(comments="").order_by("-created_at").values_list("comments", flat=True)[:20],
        # After a refused line, the form as it was sent, with its errors (HeadCountAddView).
        "head_count_form": forms.HeadCountForm(partnership=session.partnership),
        "can_record": has_perm(request.user, "training.change_trainingsession", session.partnership_id),
        "new_link": new_link,
    }


def course_detail_context(course, request):
    summary = course.sessions.aggregate(sessions=Count("pk", distinct=True), trained=Sum("head_counts__count"))
    feedback = course.sessions.aggregate(rating=Avg("feedback__rating"), before=Avg("feedback__confidence_before"),
                                         after=Avg("feedback__confidence_after"), responses=Count("feedback"))
    return {"summary": summary, "feedback": feedback, "completions": course.completions.count(),
            "trainers": course.trainers.select_related("person__partnership").order_by("person__name")}


course_views = ModelViews(
    model=Course, form_class=forms.CourseForm, table=tables.course_table,
    detail_template="training/course_detail.html", detail_context=course_detail_context,
    summary=(("Name", "name"), ("Level", "get_level_display"), ("Delivery", "get_delivery_display"),
             ("For", "audience"), ("Description", "description")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
trainer_views = ModelViews(
    model=Trainer, queryset=Trainer.objects.select_related("person", "organisation", "course"),
    form_class=forms.TrainerForm, table=tables.trainer_table,
    summary=(("Trainer", "person"), ("Organisation", "organisation"), ("Accredited to deliver", "course"),
             ("Accredited on", "accredited_on"), ("Refresher due", "refresher_due"),
             ("Status", lambda t: "Active" if t.is_active() else "Refresher overdue")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
session_views = ModelViews(
    model=TrainingSession,
    queryset=lambda: TrainingSession.objects.select_related("course", "host", "trainer__person").annotate(
        trained=Sum("head_counts__count")),
    form_class=forms.TrainingSessionForm, table=tables.session_table,
    list_template="training/session_list.html", detail_template="training/session_detail.html", detail_context=session_detail_context,
    summary=(("Course", "course"), ("Date", "date"), ("Trainer", "trainer"), ("Host", "host"),
             ("Venue", lambda s: s.venue or "Online"), ("Audience", "get_audience_sector_display"),
             ("Places", "capacity")),
    only=("list", "add", "detail", "edit", "delete", "history"),
    history_related=("head_counts",),
)
completion_views = ModelViews(
    model=LmsCompletion, queryset=LmsCompletion.objects.select_related("course", "organisation"),
    table=tables.completion_table, importer=importers.LmsCompletionImporter(),
    summary=(("Learner ID", "learner_ref"), ("Course", "course"), ("Organisation", "organisation"),
             ("Completed on", "completed_on")),
    only=("list", "detail", "delete", "history", "import", "export"),
)


class SessionSubmitView(ObjectFormPostView):
    model = TrainingSession
    routes = session_views.routes
    detail_view = session_views.views["detail"]
    permission = "training.change_trainingsession"


class HeadCountAddView(SessionSubmitView):
    def save(self, session):
        form = forms.HeadCountForm(self.request.POST, partnership=session.partnership)
        if not form.is_valid():
            raise InvalidForm("head_count_form", form)
        try:
            services.head_count_add(actor=self.request.user, session=session, **form.cleaned_data)
        except services.TrainingError as error:
            form.add_error(None, str(error))
            raise InvalidForm("head_count_form", form) from error
        return True, "Attendance added."


class HeadCountDeleteView(SessionSubmitView):
    """Remove a wrong line of attendance (a slip, or a trainer's return entered twice)."""

    def save(self, session):
        pk = query_int(self.request.POST, "head_count")
        row = session.head_counts.filter(pk=pk).first() if pk is not None else None
        if row is None:
            return False, "That line of attendance is not on this session."
        services.head_count_delete(actor=self.request.user, head_count=row)
        return True, "Attendance line removed."


class SessionLinkView(SessionSubmitView):
    def save(self, session):
        purpose = self.request.POST.get("purpose")
        if purpose not in SessionLink.Purpose.values:
            return False, "Choose which link to make."
        token = services.session_link_issue(actor=self.request.user, session=session, purpose=purpose)
        name = "training_public:return" if purpose == SessionLink.Purpose.RETURN else "training_public:feedback"
        # Shown once on the session page: only a hash is kept.
        self.request.session[NEW_LINK_KEY] = {"session": session.pk, "purpose": purpose,
                                              "url": self.request.build_absolute_uri(reverse(name, kwargs={"token": token}))}
        return True, "Link made: copy it from this page now, it is shown only once."


class CoverageView(PartnershipMixin, View):
    """People trained by sector, organisation, course and quarter; authorities with no recent training."""

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, "training.view_trainingsession", self.partnership):
            raise PermissionDenied
        as_of = as_of_from(request)
        return render(request, "training/coverage.html", {
            "partnership": self.partnership, "as_of": as_of, "body": coverage_body(self.partnership, as_of)})


COVERAGE_BODY = "training/_coverage_body.html"
COVERAGE_CACHE_SCHEMA = 1  # bump when what the body shows changes in a way its code digest would miss


def coverage_body(partnership, as_of) -> str:
    """The last four quarters' coverage on ``as_of``, rendered; served from the cache while none of the
    records it is computed from has changed (a year of e-learning is thousands of rows to group)."""
    from prevent_hub.core import charts as core_charts
    from prevent_hub.core.caching import render_cached
    from prevent_hub.directory import choices as directory_choices

    from . import models

    def build() -> dict:
        current = schedule.period_containing(as_of, partnership.year_start_month)
        start = schedule.period_containing(schedule.add_months(current.start, -9), partnership.year_start_month).start
        data = selectors.coverage(partnership, start, min(current.end, as_of))
        chart = core_charts.page_svg(selectors.quarters_chart(data["quarters"]), ident="quarters-chart")
        return {"partnership": partnership, "chart": chart, **data,
                "no_training": selectors.authorities_without_training(partnership, as_of)}

    return render_cached("training:coverage", (
        COVERAGE_CACHE_SCHEMA, partnership.pk, partnership.slug, partnership.year_start_month, as_of,
        selectors.coverage_fingerprint(partnership),
    ), COVERAGE_BODY, build, code=(__file__, selectors, schedule, models, directory_choices, core_charts,
                                   "directory/_authority_tag.html"))


@method_decorator(login_not_required, name="dispatch")
class TrainerReturnView(View):
    """A trainer in a partner agency returns a session's head-counts, once, without an account."""

    template_name = "training/trainer_return.html"

    def get(self, request, token):
        link = services.session_link_find(token, SessionLink.Purpose.RETURN)
        if link is None:
            return render(request, self.template_name, {"refused": True}, status=404)
        return render(request, self.template_name, {
            "form": forms.TrainerReturnForm(partnership=link.session.partnership), "session": link.session})

    def post(self, request, token):
        link = services.session_link_find(token, SessionLink.Purpose.RETURN)
        if link is None:
            return render(request, self.template_name, {"refused": True}, status=404)
        form = forms.TrainerReturnForm(request.POST, partnership=link.session.partnership)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "session": link.session}, status=400)
        try:
            services.trainer_return_submit(token=token, rows=form.rows(), returned_by=form.cleaned_data["returned_by"])
        except services.TrainingError as error:
            if services.session_link_find(token, SessionLink.Purpose.RETURN) is None:  # used meanwhile
                return render(request, self.template_name, {"refused": True}, status=404)
            form.add_error(None, str(error))
            return render(request, self.template_name, {"form": form, "session": link.session}, status=400)
        return render(request, self.template_name, {"done": True, "session": link.session})


@method_decorator(login_not_required, name="dispatch")
class FeedbackView(View):
    """Participants' feedback on a session: no sign-in, no personal details, a limit per address."""

    template_name = "training/feedback.html"

    def get(self, request, token):
        link = services.session_link_find(token, SessionLink.Purpose.FEEDBACK)
        if link is None:
            return render(request, self.template_name, {"refused": True}, status=404)
        return render(request, self.template_name, {"form": forms.FeedbackForm(), "session": link.session})

    def post(self, request, token):
        link = services.session_link_find(token, SessionLink.Purpose.FEEDBACK)
        if link is None:
            return render(request, self.template_name, {"refused": True}, status=404)
        form = forms.FeedbackForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "session": link.session}, status=400)
        # Only valid responses count against the limits. Behind a proxy, REMOTE_ADDR must be set to
        # the client's address by the server in front (see docs/architecture.md).
        if not services.feedback_allowed(token, request.META.get("REMOTE_ADDR", "")):
            return render(request, self.template_name, {"limited": True, "session": link.session}, status=429)
        services.feedback_submit(link=link, **form.cleaned_data)
        return render(request, self.template_name, {"done": True, "session": link.session})


