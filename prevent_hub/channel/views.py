"""Channel pages. Every case page goes through ``CaseMixin``: a case outside the user's
need to know is a 404 whoever asks. Every page that shows case content is a
``CaseContentView``: it asks the purpose once per case per session and writes
exactly one access-log row in the transaction that renders the page.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from prevent_hub.accounts.selectors import access_requests
from prevent_hub.audit.services import log_access
from prevent_hub.core.generic import ModelViews, PartnershipMixin, safe_next
from prevent_hub.core.params import query_int
from prevent_hub.core.permissions import has_perm

from . import documents, forms, selectors, services, tables, workflow
from .choices import ApprovalKind, ApprovalStatus, Stage
from .models import Approval, CaseAssignment, ChannelFeedback, RetentionRule, Review, VafFactor
from .workflow import WorkflowError

PURPOSES_KEY = "channel_purposes"
ACK_KEY = "channel_referral_ack"
NEW_LINK_KEY = "channel_new_link"


def error_summary(forms_shown, errors=()) -> dict:
    """Context for the page's one error summary (govuk/includes/service_errors.html)."""
    return {"errors": list(errors), "error_forms": forms_shown,
            "error_forms_have_errors": any(f.is_bound and f.errors for f in forms_shown)}


class ChannelMixin(PartnershipMixin):
    permission = "channel.view_case"

    def check(self, perm=None):
        if not has_perm(self.request.user, perm or self.permission, self.partnership):
            raise PermissionDenied

    def context(self, **extra):
        return {"partnership": self.partnership, **extra}


class PurposeNeeded(Exception):
    """The user has not said why they are working on this case in this session."""


def render_logged(request, template, context, *, case, sections, purpose, event="consultation", recipient="",
                  status=200, actor=None):
    """Render a page that shows case content and log the read, in one transaction: no log, no page."""
    with transaction.atomic():
        response = render(request, template, context, status=status)
        services.log_case_access(actor=actor if actor is not None else request.user, case=case, event=event,
                                 sections=sections, purpose=purpose, recipient=recipient)
    return response


class CaseMixin(ChannelMixin):
    """One case, found only among those the user needs to know about (else 404, whatever the method).

    Every case page, reading or writing, first needs the user's purpose for this case in this
    session; it goes into each log row the page writes.
    """

    needs_purpose = True

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PurposeNeeded:
            target = reverse("channel:case_purpose", kwargs={"partnership": self.partnership.slug, "pk": self.case.pk})
            back = request.get_full_path() if request.method == "GET" else self.case.get_absolute_url()
            return HttpResponseRedirect(f"{target}?{urlencode({'next': back})}")

    def find_case(self):
        case = selectors.cases_for(self.request.user, self.partnership).filter(pk=self.kwargs["pk"]).first()
        if case is None:
            raise Http404
        self.case = case
        return case

    def get_case(self, *permissions):
        """The case (404 if out of scope), after checking ``permissions`` (403) and that a purpose was given."""
        case = self.find_case()
        for perm in ("channel.view_case", *permissions):
            self.check(perm)
        if self.needs_purpose and not self.purpose():
            raise PurposeNeeded
        return case

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.find_case()  # 404 before 405, so a 405 never confirms a case exists
        return super().http_method_not_allowed(request, *args, **kwargs)

    def purpose(self) -> str:
        return self.request.session.get(PURPOSES_KEY, {}).get(str(self.case.pk), "")


class CaseContentView(CaseMixin, View):
    """A page or file showing case content. Subclasses give ``content(case) -> (response, sections)``."""

    event = "consultation"
    permissions = ()  # needed beyond seeing the case, checked before the purpose is asked

    def get(self, request, *args, **kwargs):
        case = self.get_case(*self.permissions)
        with transaction.atomic():
            response, sections = self.content(case)
            if response.status_code == 200:
                # Same transaction as the read: if the log cannot be written, nothing is shown.
                services.log_case_access(actor=request.user, case=case, event=self.event, sections=sections,
                                         purpose=self.purpose())
        return response

    def content(self, case):
        raise NotImplementedError


LISTED_CASE_FIELDS = ("pk", "partnership", "reference", "stage", "outcome", "received_on", "closed_on", "erase_after")


class CaseListView(ChannelMixin, View):
    """Cases by pseudonymous reference and stage: no identity, no narrative, so not an access-logged read."""

    def get(self, request, *args, **kwargs):
        self.check()
        # Only what the list shows: no encrypted field is read, so nothing is decrypted for a list.
        cases = (selectors.cases_for(request.user, self.partnership).only(*LISTED_CASE_FIELDS)
                 .order_by("-received_on", "-pk"))
        stage = request.GET.get("stage", "")
        if stage in Stage.values:
            cases = cases.filter(stage=stage)
        meeting = query_int(request.GET, "meeting")  # None for anything no meeting's id could be (core.params)
        if meeting is not None:
            cases = cases.filter(listings__meeting_id=meeting)
        find = request.GET.get("find", "").strip()
        if find:  # a case reference, or the log reference an auditor quotes
            cases = cases.filter(Q(reference__iexact=find) | Q(log_ref__iexact=find))
        page = Paginator(cases, settings.PAGINATE_BY).get_page(request.GET.get("page"))
        rules = services.retention_rules(self.partnership)
        for case in page.object_list:
            case.keep_until = services.effective_erase_after(case, rules)
        counts = dict(selectors.cases_for(request.user, self.partnership).values_list("stage").annotate(n=Count("pk")))
        stages = [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Stage.choices]
        meetings = []
        if has_perm(request.user, "channel.view_all_cases", self.partnership):  # the panels a case was listed at
            meetings = services.channel_panel_meetings(self.partnership).select_related(None).only("pk", "starts_at")[:24]
        return render(request, "channel/case_list.html", self.context(
            page_obj=page, cases=page.object_list, stages=stages, stage=stage, meetings=meetings,
            meeting="" if meeting is None else str(meeting), find=find, can=self.abilities()))

    def abilities(self):
        user, p = self.request.user, self.partnership
        return {perm.split(".")[1]: has_perm(user, perm, p) for perm in (
            "channel.add_case", "channel.view_approval", "channel.view_channelfeedback", "channel.bulkexport_case",
            "channel.view_vaffactor", "channel.view_retentionrule")}


class ReferralCreateView(ChannelMixin, View):
    """Referral intake by any signed-in partner. The referrer sees the acknowledgement, not the case."""

    permission = "channel.add_case"

    def forms(self, data=None):
        return (forms.SubjectForm(data, prefix="person", partnership=self.partnership),
                forms.ReferralForm(data, prefix="referral", partnership=self.partnership))

    def get(self, request, *args, **kwargs):
        self.check()
        subject_form, referral_form = self.forms()
        return self.render(subject_form, referral_form)

    def render(self, subject_form, referral_form, errors=(), status=200):
        return render(self.request, "channel/referral_form.html", self.context(
            subject_form=subject_form, referral_form=referral_form,
            **error_summary([subject_form, referral_form], errors)), status=status)

    def post(self, request, *args, **kwargs):
        self.check()
        subject_form, referral_form = self.forms(request.POST)
        if not (subject_form.is_valid() & referral_form.is_valid()):
            return self.render(subject_form, referral_form, status=400)
        subject = {k: v for k, v in subject_form.cleaned_data.items() if k != "expected_version"}
        fields = {k: v for k, v in referral_form.cleaned_data.items() if k != "expected_version"}
        try:
            case = services.referral_create(actor=request.user, partnership=self.partnership, subject=subject, **fields)
        except services.CaseError as error:
            return self.render(subject_form, referral_form, errors=[str(error)], status=400)
        request.session[ACK_KEY] = {"reference": case.reference, "received_on": case.received_on.isoformat()}
        return HttpResponseRedirect(reverse("channel:referral_done", kwargs={"partnership": self.partnership.slug}))


class ReferralDoneView(ChannelMixin, View):
    permission = "channel.add_case"

    def get(self, request, *args, **kwargs):
        self.check()
        ack = request.session.pop(ACK_KEY, None)
        if ack is None:
            return HttpResponseRedirect(reverse("channel:case_list", kwargs={"partnership": self.partnership.slug})
                                        if has_perm(request.user, "channel.view_case", self.partnership)
                                        else self.partnership.get_absolute_url())
        return render(request, "channel/referral_done.html", self.context(ack=ack))


class CasePurposeView(CaseMixin, View):
    """Ask once per case per session why the user is opening it; the answer goes in every access-log row."""

    needs_purpose = False

    def get(self, request, *args, **kwargs):
        case = self.get_case()
        return self.render(case, forms.PurposeForm())

    def render(self, case, form, status=200):
        return render(self.request, "channel/case_purpose.html", self.context(case=case, form=form,
                                                                              next=self.next_url(case)), status=status)

    def next_url(self, case):
        return safe_next(self.request, case.get_absolute_url(), under=f"/p/{self.partnership.slug}/channel/")

    def post(self, request, *args, **kwargs):
        case = self.get_case()
        form = forms.PurposeForm(request.POST)
        if not form.is_valid():
            return self.render(case, form, status=400)
        purposes = request.session.get(PURPOSES_KEY, {})
        purposes[str(case.pk)] = form.text()
        request.session[PURPOSES_KEY] = purposes
        return HttpResponseRedirect(self.next_url(case))


class CaseDetailView(CaseContentView):
    def content(self, case):
        user = self.request.user
        show_identity = selectors.may_see_identity(user, case)
        sections = ["referral", "screening", "information requests", "panel", "consent", "assessment",
                    "support plan", "reviews", "exit and closure", "access"]
        if show_identity:
            sections.insert(0, "identity")
        p = self.partnership
        context = self.context(
            case=case,
            subject=case.subject if show_identity else None,
            requests=case.information_requests.select_related("organisation").order_by("requested_on", "pk"),
            listings=case.listings.select_related("meeting__group").order_by("meeting__starts_at"),
            decisions=case.decisions.select_related("meeting").order_by("decided_on", "pk"),
            consents=case.consents.all(),
            assessments=selectors.assessment_comparison(case),
            interventions=case.interventions.all(),
            reviews=case.reviews.prefetch_related("progress__intervention").select_related("meeting__group"),
            assignments=case.assignments.select_related("user").order_by("user__full_name"),
            feedback_links=case.feedback_links.order_by("pk"),
            steps=[{"label": workflow.STEPS[name].label,
                    "url": reverse(f"channel:case_{name}", kwargs={"partnership": p.slug, "pk": case.pk})}
                   for name in workflow.next_steps(case) if name in STEP_VIEWS and has_perm(user, STEP_PERMISSIONS[name], p)],
            can_record_post_exit=workflow.allowed(case, "post_exit_review") and has_perm(user, "channel.change_case", p),
            can_assign=has_perm(user, "channel.assign_case", p),
            can_correct_identity=show_identity and has_perm(user, "channel.change_case", p),
            assignment_form=forms.AssignmentForm(partnership=p) if has_perm(user, "channel.assign_case", p) else None,
            can_export=has_perm(user, "channel.export_case", p),
            can_erase=has_perm(user, "channel.erase_case", p),
            purpose=self.purpose(),
            keep_until=services.effective_erase_after(case),
            pending_erasure=case.approvals.filter(kind=ApprovalKind.EARLY_ERASURE, status=ApprovalStatus.PENDING)
            .select_related("requested_by").first(),
            new_link=self.request.session.pop(NEW_LINK_KEY, None),
        )
        return render(self.request, "channel/case_detail.html", context), sections


# Who may take which step (the workflow says when).
STEP_PERMISSIONS = {
    "screen": "channel.screen_case",
    "request_information": "channel.change_case",
    "list_for_panel": "channel.change_case",
    "move_listing": "channel.change_case",
    "decide": "channel.decide_case",
    "record_consent": "channel.change_case",
    "assess": "channel.change_case",
    "add_intervention": "channel.change_case",
    "review": "channel.change_case",
    "exit": "channel.change_case",
    "post_exit_review": "channel.change_case",
    "close": "channel.decide_case",
    "issue_feedback_link": "channel.change_case",
}


class CaseStepView(CaseMixin, View):
    """A step of the process on one case: a form page (reference and stage only, no content) and its save."""

    step = None
    form_class = None
    template_name = "channel/case_step.html"

    def form_kwargs(self, case):
        return {}

    def save(self, case, form):
        raise NotImplementedError

    def ready(self, case):
        if not workflow.allowed(case, self.step):
            messages.error(self.request, str(WorkflowError(_("This step is not open at the case's current stage."))))
            return False
        return True

    def get(self, request, *args, **kwargs):
        case = self.get_case(STEP_PERMISSIONS[self.step])
        if not self.ready(case):
            return HttpResponseRedirect(case.get_absolute_url())
        return self.render(case, self.form_class(**self.form_kwargs(case)))

    # A step whose form shows stored case content (the review lists the support in the plan) is a logged read.
    shows_content = ()

    def render(self, case, form, errors=(), status=200):
        context = self.context(case=case, form=form, title=workflow.STEPS[self.step].label, **error_summary([form], errors))
        if self.shows_content:
            return render_logged(self.request, self.template_name, context, case=case, sections=self.shows_content,
                                 purpose=self.purpose(), status=status)
        return render(self.request, self.template_name, context, status=status)

    def post(self, request, *args, **kwargs):
        case = self.get_case(STEP_PERMISSIONS[self.step])
        form = self.form_class(request.POST, **self.form_kwargs(case))
        if not form.is_valid():
            return self.render(case, form, status=400)
        try:
            message = self.save(case, form)
        except (services.CaseError, WorkflowError) as error:
            return self.render(case, form, errors=[str(error)], status=400)
        messages.success(request, message)
        return HttpResponseRedirect(case.get_absolute_url())


def _step(name, form_class, save, form_kwargs=None, shows_content=()):
    attrs = {"step": name, "form_class": form_class, "save": lambda self, case, form: save(self, case, form),
             "shows_content": shows_content}
    if form_kwargs:
        attrs["form_kwargs"] = lambda self, case: form_kwargs(self, case)
    return type(f"{name.title().replace('_', '')}StepView", (CaseStepView,), attrs)


def _screen(view, case, form):
    services.case_screen(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Screening outcome recorded.")


def _request(view, case, form):
    request, token = services.information_request_create(actor=view.request.user, case=case, purpose=view.purpose(),
                                                         **form.cleaned_data)
    if token:
        view.request.session[NEW_LINK_KEY] = view.request.build_absolute_uri(
            reverse("channel_public:request", kwargs={"token": token}))
    return _("Request sent to %(org)s.") % {"org": request.organisation}


def _list(view, case, form):
    services.panel_list(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Case listed for the panel.")


def _decide(view, case, form):
    listing = case.listings.select_related("meeting").order_by("-meeting__starts_at").first()
    services.panel_decide(actor=view.request.user, case=case, purpose=view.purpose(),
                          meeting=listing.meeting if listing else None, **form.cleaned_data)
    return _("Panel decision recorded.")


def _consent(view, case, form):
    services.consent_record(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Consent recorded.")


def _assess(view, case, form):
    data = form.cleaned_data
    services.assessment_create(actor=view.request.user, case=case, assessed_on=data["assessed_on"],
                               assessed_by=data["assessed_by"], summary=data["summary"], ratings=form.ratings(),
                               purpose=view.purpose())
    return _("Assessment recorded.")


def _support(view, case, form):
    services.intervention_add(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Support added to the plan.")


def _review(view, case, form):
    data = form.cleaned_data
    services.review_record(actor=view.request.user, case=case, held_on=data["held_on"], notes=data["notes"],
                           meeting=data.get("meeting"), progress=form.progress(), purpose=view.purpose())
    return _("Review recorded.")


def _exit(view, case, form):
    services.case_exit(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Case exited. Reviews are scheduled 6 and 12 months from the exit date.")


def _close(view, case, form):
    closed = services.case_close(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Case closed. It will be erased after %(day)s.") % {"day": f"{closed.erase_after:%-d %B %Y}"}


def _feedback_link(view, case, form):
    from .models import feedback_link_expiry

    token = services.feedback_link_issue(actor=view.request.user, case=case, **form.cleaned_data)
    view.request.session[NEW_LINK_KEY] = view.request.build_absolute_uri(
        reverse("channel_public:feedback", kwargs={"token": token}))
    return _("Feedback link made: it works once, until %(day)s. Copy it from this page now, it is shown only once.") % {
        "day": f"{feedback_link_expiry():%-d %B %Y}"}


def _meetings(view, case):
    return {"meetings": services.channel_panel_meetings(case.partnership)}


def _other_upcoming(view, case):
    listed = case.listings.order_by("-meeting__starts_at", "-pk").values_list("meeting_id", flat=True).first()
    return {"meetings": services.upcoming_panel_meetings(case.partnership).exclude(pk=listed)}


def _move(view, case, form):
    listing = services.panel_move(actor=view.request.user, case=case, purpose=view.purpose(), **form.cleaned_data)
    return _("Case moved to the panel meeting of %(day)s.") % {"day": forms.panel_meeting_label(listing.meeting)}


STEP_VIEWS = {
    "screen": _step("screen", forms.ScreenForm, _screen),
    "request_information": _step("request_information", forms.InformationRequestForm, _request,
                                 lambda view, case: {"partnership": case.partnership}),
    "list_for_panel": _step("list_for_panel", forms.PanelListForm, _list, _meetings),
    "move_listing": _step("move_listing", forms.PanelMoveForm, _move, _other_upcoming),
    "decide": _step("decide", forms.DecisionForm, _decide),
    "record_consent": _step("record_consent", forms.ConsentForm, _consent),
    "assess": _step("assess", forms.AssessmentForm, _assess,
                    lambda view, case: {"factors": selectors.active_factors(case.partnership)}),
    "add_intervention": _step("add_intervention", forms.InterventionForm, _support),
    "review": _step("review", forms.ReviewForm, _review,
                    lambda view, case: {**_meetings(view, case), "interventions": case.interventions.all()},
                    shows_content=("support plan",)),
    "exit": _step("exit", forms.ExitForm, _exit),
    "close": _step("close", forms.CloseForm, _close),
    "issue_feedback_link": _step("issue_feedback_link", forms.FeedbackLinkForm, _feedback_link),
}


class SubjectCorrectView(CaseContentView):
    """Correct the person's details. Showing the form shows the identity, so the page is a logged read."""

    permissions = ("channel.view_subject", "channel.change_case")

    def content(self, case):
        form = forms.SubjectCorrectionForm(instance=case.subject, partnership=self.partnership)
        return self.render(case, form), ["identity"]

    def render(self, case, form, errors=(), status=200):
        return render(self.request, "channel/case_step.html", self.context(
            case=case, form=form, title=_("correct the person's details"), **error_summary([form], errors)), status=status)

    def post(self, request, *args, **kwargs):
        from prevent_hub.core.services import ConflictError

        case = self.get_case(*self.permissions)
        form = forms.SubjectCorrectionForm(request.POST, instance=case.subject, partnership=self.partnership)
        if not form.is_valid():
            return self.render(case, form, status=400)
        data = {k: v for k, v in form.cleaned_data.items() if k != "expected_version"}
        try:
            changed = services.subject_update(actor=request.user, case=case, purpose=self.purpose(),
                                              expected_version=form.cleaned_data.get("expected_version"), **data)
        except services.CaseError as error:
            return self.render(case, form, errors=[str(error)], status=400)
        except ConflictError:
            # Someone saved the details since this form was loaded: show theirs, keep nothing of this attempt.
            fresh = forms.SubjectCorrectionForm(instance=case.subject.__class__.objects.get(case=case),
                                                partnership=self.partnership)
            context = self.context(case=case, form=fresh, title=_("correct the person's details"), **error_summary(
                [fresh], [_("Someone else changed these details while you were editing. Their version is shown "
                            "below; make your correction again.")]))
            # The newer details are shown, so this answer is a read of the identity like the form itself.
            return render_logged(request, "channel/case_step.html", context, case=case, sections=["identity"],
                                 purpose=self.purpose(), status=409)
        messages.success(request, _("Details corrected.") if changed else _("No changes to save."))
        return HttpResponseRedirect(case.get_absolute_url())


class PostExitReviewView(CaseStepView):
    step = "post_exit_review"
    form_class = forms.PostExitReviewForm

    def get_review(self, case):
        review = Review.objects.filter(case=case, pk=self.kwargs["review"]).exclude(kind="panel").first()
        if review is None:
            raise Http404
        return review

    def render(self, case, form, errors=(), status=200):
        review = self.get_review(case)
        return render(self.request, self.template_name, self.context(
            case=case, form=form, title=f"{review.get_kind_display()} (due {review.due_on:%-d %B %Y})",
            **error_summary([form], errors)), status=status)

    def save(self, case, form):
        services.post_exit_review_record(actor=self.request.user, review=self.get_review(case), purpose=self.purpose(),
                                         **form.cleaned_data)
        return _("Review recorded.")


class AssignmentAddView(CaseMixin, View):
    def post(self, request, *args, **kwargs):
        case = self.get_case("channel.assign_case")
        form = forms.AssignmentForm(request.POST, partnership=self.partnership)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        else:
            try:
                services.assignment_add(actor=request.user, case=case, **form.cleaned_data)
                messages.success(request, _("Access given to %(user)s.") % {"user": form.cleaned_data["user"]})
            except services.CaseError as error:
                messages.error(request, str(error))
        return HttpResponseRedirect(case.get_absolute_url())


class AssignmentRemoveView(CaseMixin, View):
    def post(self, request, *args, **kwargs):
        case = self.get_case("channel.assign_case")
        assignment = CaseAssignment.objects.filter(case=case, pk=self.kwargs["assignment"]).select_related("user").first()
        if assignment is None:
            raise Http404
        services.assignment_remove(actor=request.user, assignment=assignment)
        messages.success(request, _("Access removed from %(user)s.") % {"user": assignment.user})
        return HttpResponseRedirect(case.get_absolute_url())


class SubjectAccessView(CaseContentView):
    """Everything held about the person, as a Word document: a disclosure, logged with its sections."""

    event = "export"
    permissions = ("channel.export_case",)

    def content(self, case):
        body, sections = documents.subject_access_docx(case)
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{case.reference}.docx"'
        response["Content-Security-Policy"] = "sandbox"
        return response, sections


class EarlyErasureRequestView(CaseMixin, View):
    def get(self, request, *args, **kwargs):
        case = self.get_case("channel.erase_case")
        return self.render(case, forms.ApprovalRequestForm())

    def render(self, case, form, status=200):
        return render(self.request, "channel/case_step.html", self.context(
            case=case, form=form, title=_("ask for this case to be erased early"), **error_summary([form]),
            explanation=_("A second member of the case team must approve. Once approved, every record of the case is "
                          "erased at once and cannot be recovered.")), status=status)

    def post(self, request, *args, **kwargs):
        case = self.get_case("channel.erase_case")
        form = forms.ApprovalRequestForm(request.POST)
        if not form.is_valid():
            return self.render(case, form, status=400)
        services.approval_request(actor=request.user, partnership=self.partnership, kind=ApprovalKind.EARLY_ERASURE,
                                  case=case, reason=form.cleaned_data["reason"])
        messages.success(request, _("Erasure requested: it waits for a second person's approval."))
        return HttpResponseRedirect(case.get_absolute_url())


class ApprovalListView(ChannelMixin, View):
    permission = "channel.view_approval"

    def get(self, request, *args, **kwargs):
        self.check()
        approvals = (Approval.objects.filter(partnership=self.partnership).select_related("case__partnership", "requested_by", "decided_by")
                     .order_by("-created_at")[:100])
        return render(request, "channel/approvals.html", self.context(
            approvals=approvals, can_bulk_export=has_perm(request.user, "channel.bulkexport_case", self.partnership),
            form=forms.ApprovalRequestForm(), access_requests=access_requests(self.partnership)[:100]))


class ApprovalDecideView(ChannelMixin, View):
    permission = "channel.erase_case"

    def post(self, request, *args, **kwargs):
        self.check()
        approval = Approval.objects.filter(partnership=self.partnership, pk=self.kwargs["pk"]).first()
        if approval is None:
            raise Http404
        try:
            services.approval_decide(actor=request.user, approval=approval, approve=request.POST.get("decision") == "approve")
            messages.success(request, _("Decision recorded."))
        except services.CaseError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(reverse("channel:approval_list", kwargs={"partnership": self.partnership.slug}))


class BulkExportRequestView(ChannelMixin, View):
    permission = "channel.bulkexport_case"

    def post(self, request, *args, **kwargs):
        self.check()
        form = forms.ApprovalRequestForm(request.POST)
        if form.is_valid():
            services.approval_request(actor=request.user, partnership=self.partnership, kind=ApprovalKind.BULK_EXPORT,
                                      reason=form.cleaned_data["reason"])
            messages.success(request, _("Export requested: it waits for a second person's approval."))
        else:
            messages.error(request, _("Say why the export is needed."))
        return HttpResponseRedirect(reverse("channel:approval_list", kwargs={"partnership": self.partnership.slug}))


class BulkExportDownloadView(ChannelMixin, View):
    """An approved export of every case, downloaded once by the person who asked: one access-log row."""

    permission = "channel.bulkexport_case"

    def post(self, request, *args, **kwargs):
        self.check()
        approval = Approval.objects.filter(partnership=self.partnership, pk=self.kwargs["pk"],
                                           kind=ApprovalKind.BULK_EXPORT).first()
        if approval is None:
            raise Http404
        with transaction.atomic():
            try:
                services.approval_use(actor=request.user, approval=approval)
            except services.CaseError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(reverse("channel:approval_list", kwargs={"partnership": self.partnership.slug}))
            body, log_refs = documents.cases_xlsx(self.partnership)
            log_access(actor=request.user, event="export", target_type="channel.case",
                       target_repr=f"{len(log_refs)} cases", sections=log_refs, partnership_id=self.partnership.pk,
                       # The approval is named, not quoted: its reason is free text, kept encrypted with it.
                       purpose=_("Approved bulk export, approval #%(id)s") % {"id": approval.pk},
                       recipient=_("approved by %(user)s") % {"user": approval.decided_by})
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="channel-cases-{self.partnership.slug}.xlsx"'
        response["Content-Security-Policy"] = "sandbox"
        return response


class MyRequestsView(ChannelMixin, View):
    """Information requests addressed to the signed-in user: the case reference, who asked and when it is due."""

    permission = "channel.respond_informationrequest"

    def get(self, request, *args, **kwargs):
        self.check()
        return render(request, "channel/my_requests.html", self.context(
            requests=selectors.open_requests_for(request.user, self.partnership)[:200]))


def request_page(request, info, form, *, actor, purpose, status=200, extra=None):
    """The request and its answer form: the question is case content, so every showing of it is a logged read."""
    context = {"partnership": info.partnership, "info": info, "form": form, **(extra or {})}
    return render_logged(request, "channel/request_respond.html", context, case=info.case,
                         sections=["information request"], purpose=purpose, recipient=str(info.organisation),
                         status=status, actor=actor)


class RequestRespondView(ChannelMixin, View):
    """Answer one request addressed to you, signed in. You see the question and the case reference, nothing else."""

    permission = "channel.respond_informationrequest"
    purpose = "Answering an information request"

    def get_request(self):
        request = selectors.open_requests_for(self.request.user, self.partnership).filter(pk=self.kwargs["pk"]).first()
        if request is None:
            raise Http404
        return request

    def get(self, request, *args, **kwargs):
        self.check()
        info = self.get_request()
        return request_page(request, info, forms.InformationReturnForm(), actor=request.user, purpose=self.purpose)

    def post(self, request, *args, **kwargs):
        self.check()
        info = self.get_request()
        form = forms.InformationReturnForm(request.POST)
        if not form.is_valid():
            return request_page(request, info, form, actor=request.user, purpose=self.purpose, status=400)
        try:
            services.information_return(request=info, actor=request.user, **form.cleaned_data)
        except services.CaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you: the information has been returned for case %(ref)s.")
                             % {"ref": info.case.reference})
        return HttpResponseRedirect(reverse("channel:request_list", kwargs={"partnership": self.partnership.slug}))


class FeedbackSummaryView(ChannelMixin, View):
    permission = "channel.view_channelfeedback"

    def get(self, request, *args, **kwargs):
        self.check()
        feedback = ChannelFeedback.objects.filter(partnership=self.partnership)
        by_audience = feedback.values("audience").annotate(n=Count("pk"), rating=Avg("rating")).order_by("audience")
        page = Paginator(feedback.exclude(comments="").order_by("-given_on", "-pk"), 25).get_page(request.GET.get("page"))
        return render(request, "channel/feedback.html", self.context(
            by_audience=[{**row, "label": dict(forms.choices.FeedbackAudience.choices)[row["audience"]]} for row in by_audience],
            page_obj=page, total=feedback.count()))


def link_refused(request, template):
    # Link pages send no Referer (core.middleware.LinkReferrerPolicyMiddleware), refusals included.
    return render(request, template, {"refused": True}, status=404)


@method_decorator(login_not_required, name="dispatch")
class PublicRequestView(View):
    """A partner without an account answers one request through its single-use link, and sees nothing else."""

    template_name = "channel/request_respond.html"
    purpose = "Partner opened an information request link"

    def get(self, request, token):
        info = services.information_request_for_token(token)
        if info is None:
            return link_refused(request, self.template_name)
        return request_page(request, info, forms.InformationReturnForm(), actor=None, purpose=self.purpose,
                            extra={"public": True})

    def post(self, request, token):
        info = services.information_request_for_token(token)
        if info is None:
            return link_refused(request, self.template_name)
        form = forms.InformationReturnForm(request.POST)
        if not form.is_valid():
            return request_page(request, info, form, actor=None, purpose=self.purpose, status=400,
                                extra={"public": True})
        try:
            services.information_return(request=info, token=token, **form.cleaned_data)
        except services.CaseError:
            return link_refused(request, self.template_name)
        return render(request, self.template_name, {"done": True, "public": True})


@method_decorator(login_not_required, name="dispatch")
class PublicFeedbackView(View):
    template_name = "channel/feedback_form.html"

    def refused(self, link=None):
        """The page for a link that cannot be used: expired (and says so), or used or unknown. No form."""
        if link is not None and link.has_expired():
            context = {"expired": True, "days": settings.CHANNEL_FEEDBACK_LINK_DAYS}
        else:
            context = {"refused": True}
        return render(self.request, self.template_name, context, status=404)

    def get(self, request, token):
        link = services.feedback_link_find(token)
        if link is None or link.has_expired():
            return self.refused(link)
        return render(request, self.template_name, {"form": forms.ChannelFeedbackForm()})

    def post(self, request, token):
        link = services.feedback_link_find(token)
        if link is None or link.has_expired():
            return self.refused(link)
        form = forms.ChannelFeedbackForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        try:
            services.feedback_submit(token=token, **form.cleaned_data)
        except services.LinkExpired:  # the day ended between the check and the save
            return self.refused(link)
        except services.CaseError:
            return self.refused()
        return render(request, self.template_name, {"done": True})


factor_views = ModelViews(
    model=VafFactor, form_class=forms.VafFactorForm, table=tables.factor_table, list_template="channel/factor_list.html",
    summary=(("Dimension", "get_dimension_display"), ("Factor", "name"), ("Order", "order"),
             ("In use", lambda f: "Yes" if f.is_active else "No")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
retention_views = ModelViews(
    model=RetentionRule, form_class=forms.RetentionRuleForm, table=tables.retention_table,
    summary=(("Outcome", "get_outcome_display"), ("Years kept after the case ends", "years")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)


class StandardFactorsView(ChannelMixin, View):
    permission = "channel.add_vaffactor"

    def post(self, request, *args, **kwargs):
        from .demo import standard_factors_add

        self.check()
        added = standard_factors_add(self.partnership, actor=request.user)
        messages.success(request, _("%(n)d standard factors added.") % {"n": added})
        return HttpResponseRedirect(reverse("channel:vaffactor_list", kwargs={"partnership": self.partnership.slug}))


class PanelMeetingsView(ChannelMixin, View):
    """The Channel Panel's meetings, the coming ones first; the chair and the coordinator plan and add them here."""

    def panel(self):
        from prevent_hub.governance.choices import GroupKind
        from prevent_hub.governance.models import Group

        return Group.objects.filter(partnership=self.partnership, kind=GroupKind.CHANNEL_PANEL).order_by("pk").first()

    def get(self, request, *args, **kwargs):
        from prevent_hub.governance.forms import PanelMeetingForm

        return self.render(PanelMeetingForm())

    def post(self, request, *args, **kwargs):
        from prevent_hub.governance import services as governance
        from prevent_hub.governance.forms import PanelMeetingForm

        panel = self.panel()
        if not has_perm(request.user, "governance.plan_panelmeeting", self.partnership) or panel is None:
            raise PermissionDenied
        form = PanelMeetingForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            meeting = governance.meeting_add(actor=request.user, group=panel, **form.cleaned_data)
        except governance.GovernanceError as error:
            form.add_error("starts_at", str(error))
            return self.render(form, status=400)
        messages.success(request, _("Panel meeting added: %(when)s.") % {"when": forms.panel_meeting_label(meeting)})
        return HttpResponseRedirect(request.path)

    def render(self, form, status=200):
        from django.db.models import Count

        if not has_perm(self.request.user, "channel.view_panelmeeting", self.partnership):
            raise PermissionDenied
        panel = self.panel()
        coming = list(services.upcoming_panel_meetings(self.partnership)[:24])
        held = list(services.channel_panel_meetings(self.partnership).exclude(pk__in=[m.pk for m in coming])[:12])
        case_team = has_perm(self.request.user, "channel.view_all_cases", self.partnership)
        if case_team:  # how many cases each meeting has: for those who may see the cases
            from .models import PanelListing

            counts = dict(PanelListing.objects.filter(meeting__in=[m.pk for m in coming + held])
                          .values_list("meeting").annotate(n=Count("pk")).order_by())
            for meeting in coming + held:
                meeting.cases = counts.get(meeting.pk, 0)
        return render(self.request, "channel/panel_meetings.html", self.context(
            panel=panel, coming=coming, held=held, case_team=case_team, form=form,
            can_plan=panel is not None and has_perm(self.request.user, "governance.plan_panelmeeting", self.partnership)),
            status=status)
