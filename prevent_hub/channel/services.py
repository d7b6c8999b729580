"""Writes to case records. Each is atomic, follows the workflow, and leaves two traces:
a change-log entry (by shape only, see audit.services) and an s62 access-log entry
(collection or alteration) naming the sections written and why.
"""
import datetime as dt
import logging
import smtplib
from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.db import router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from prevent_hub.audit.services import log_access, log_change, serialize_instance
from prevent_hub.core.dates import plausible
from prevent_hub.core.roles import Role
from prevent_hub.core.services import object_create
from prevent_hub.core.tokens import new_secret, secret_hash

from . import selectors, workflow
from .choices import (
    ApprovalKind,
    ApprovalStatus,
    ConsentFrom,
    ConsentOutcome,
    GatewayOutcome,
    Outcome,
    PanelDecision,
    ReviewKind,
    Stage,
)
from .models import (
    Approval,
    Assessment,
    AssessmentRating,
    Case,
    CaseAssignment,
    ChannelFeedback,
    Consent,
    FeedbackLink,
    InformationRequest,
    Intervention,
    InterventionProgress,
    PanelDecisionRecord,
    PanelListing,
    RetentionRule,
    Review,
    Subject,
)
from .workflow import WorkflowError

log = logging.getLogger("prevent_hub.channel")

# Years a case is kept after it ends, where the partnership has set no rule of its own (domain.md §3).
DEFAULT_RETENTION_YEARS = {
    Outcome.NO_FURTHER_ACTION: 3,
    Outcome.SIGNPOSTED: 3,
    Outcome.NOT_ADOPTED: 3,
    Outcome.POLICE_LED: 6,
    Outcome.CHANNEL_CLOSED: 6,
}
# An open case is looked at again after this long even if nobody closed it.
OPEN_CASE_REVIEW_YEARS = 6


class CaseError(Exception):
    """Input the Channel process cannot accept; the message says what to fix."""


class LinkExpired(CaseError):
    """A link past the last day it works."""


def _years_after(day: dt.date, years: int) -> dt.date:
    return _months_after(day, 12 * years)


def _months_after(day: dt.date, months: int) -> dt.date:
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_rules(partnership) -> dict[str, int]:
    """Years kept per outcome: the partnership's rules over the defaults (one query)."""
    return {**DEFAULT_RETENTION_YEARS,
            **dict(RetentionRule.objects.filter(partnership=partnership).values_list("outcome", "years"))}


def retention_years(partnership, outcome: str) -> int:
    return retention_rules(partnership)[outcome]


def _check_day(day: dt.date, what: str, *, not_before: dt.date | None = None, allow_future: bool = False) -> None:
    if not plausible(day):
        raise CaseError(_("The %(what)s is not a real date for this case.") % {"what": what})
    if not allow_future and day > timezone.localdate():
        raise CaseError(_("The %(what)s cannot be in the future.") % {"what": what})
    if not_before and day < not_before:
        raise CaseError(_("The %(what)s cannot be before %(day)s.") % {"what": what, "day": f"{not_before:%-d %B %Y}"})


def _lock(case) -> Case:
    """Re-read the case under a row lock, so two people cannot both move it on from the same stage."""
    return Case.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=case.pk)


def log_case_access(*, actor, case, event: str, sections, purpose: str = "", recipient: str = ""):
    """Append one access-log row about ``case``, under its log pseudonym (never its id or reference)."""
    return log_access(actor=actor, event=event, target_type="channel.case", target_id=case.log_ref,
                      target_repr=case.log_ref, target_version=case.version, partnership_id=case.partnership_id,
                      sections=sections, purpose=purpose, recipient=recipient)


def _trace(actor, instance, event: str, sections, purpose: str = "", recipient: str = "", case=None) -> None:
    log_case_access(actor=actor, case=case or instance.owning_case(), event=event, sections=sections, purpose=purpose,
                    recipient=recipient)


def _create(actor, instance, sections, purpose="", case=None):
    object_create(actor=actor, instance=instance)
    _trace(actor, instance, "collection", sections, purpose, case=case)
    return instance


def _update(actor, instance, before: dict | None = None, **changes):
    """Save changes to a record, bumping its version and change-logging it (before and after by shape)."""
    before = before or serialize_instance(type(instance)._base_manager.get(pk=instance.pk))
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version += 1
    instance.save()
    log_change(actor=actor, instance=instance, action="update", before=before, after=serialize_instance(instance))
    return instance


def _save_case(actor, case, sections, purpose="") -> Case:
    _update(actor, case)
    _trace(actor, case, "alteration", sections, purpose)
    return case


def _end(case, outcome: str, on: dt.date) -> None:
    case.stage, case.outcome = Stage.CLOSED, outcome
    case.closed_on = on
    case.erase_after = _years_after(on, retention_years(case.partnership, outcome))
    # Links for unanswered requests stop working when the case ends.
    for request in case.information_requests.exclude(token_hash=""):
        _update(None, request, token_hash="")


# Referral ----------------------------------------------------------------------------------


@transaction.atomic
def referral_create(*, actor, partnership, subject: dict, received_on: dt.date | None = None, **case_fields) -> Case:
    """Take a referral from a signed-in partner into the police Prevent team's screening queue."""
    received_on = received_on or timezone.localdate()
    birth = subject.get("date_of_birth")
    if birth is None:
        raise CaseError(_("Enter the person's date of birth."))
    if birth > received_on:
        raise CaseError(_("The date of birth cannot be in the future."))
    if birth.year < 1900:
        raise CaseError(_("Enter a real date of birth."))
    for required in ("concern_how_arose", "concern_indicators", "referrer_name", "referrer_sector", "district", "gender"):
        if not str(case_fields.get(required) or "").strip():
            raise CaseError(_("The referral is missing “%(field)s”.") % {"field": Case._meta.get_field(required).verbose_name})
    if not (subject.get("full_name") or "").strip():
        raise CaseError(_("The referral is missing the person's full name."))
    case = Case(partnership=partnership, referred_by=actor if getattr(actor, "is_authenticated", False) else None,
                received_on=received_on, acknowledged_at=timezone.now(),
                age_band=selectors.age_band(birth, received_on),
                erase_after=_years_after(received_on, OPEN_CASE_REVIEW_YEARS), **case_fields)
    _create(actor, case, ["referrer", "concerns", "complex needs", "other information"], _("Referral made"))
    _create(actor, Subject(partnership=partnership, case=case, **subject), ["identity"], _("Referral made"), case=case)
    email = getattr(actor, "email", "")
    transaction.on_commit(lambda: _notify_referral(case, email))
    return case


def _team_emails(partnership, roles) -> list[str]:
    from prevent_hub.accounts.models import Membership

    return sorted(set(Membership.objects.filter(partnership=partnership, role__in=roles, user__is_active=True)
                      .values_list("user__email", flat=True)))


def _mail(subject: str, body: str, recipients: list[str]) -> bool:
    # Emails name the pseudonymous reference only: never the person or the concern.
    if not recipients:
        return False
    try:
        send_mail(subject, body, None, recipients)
        return True
    except (OSError, smtplib.SMTPException) as error:
        log.error("A Channel email could not be sent (%s).", type(error).__name__)  # no subject: it names the case
        return False


def _notify_referral(case, referrer_email: str) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{case.get_absolute_url()}"
    if referrer_email:
        _mail(_("Prevent referral received: %(ref)s") % {"ref": case.reference},
              _("Thank you. Your Prevent referral has been received with reference %(ref)s on %(day)s.\n\n"
                "The police Prevent team will screen it, usually within five working days, and may contact you.\n"
                "Quote the reference if you have anything to add. This email holds no details of the referral.\n")
              % {"ref": case.reference, "day": f"{case.received_on:%-d %B %Y}"}, [referrer_email])
    _mail(_("New Prevent referral to screen: %(ref)s") % {"ref": case.reference},
          _("A new referral is waiting for screening: %(ref)s\n%(link)s\n") % {"ref": case.reference, "link": link},
          _team_emails(case.partnership, [Role.POLICE_PREVENT]))


IDENTITY_FIELDS = ("full_name", "date_of_birth", "address", "contacts", "religion_or_belief", "ethnicity",
                   "health_and_neurodiversity")


@transaction.atomic
def subject_update(*, actor, case, expected_version: int | None, purpose: str = "", **fields) -> list[str]:
    """Correct the person's details. Refuses (ConflictError) if someone saved them since the form was loaded.

    Returns the names of the fields that changed; the logs name the fields, never the values.
    """
    from prevent_hub.core.services import ConflictError

    case = _lock(case)
    subject = Subject.objects.select_for_update().get(case=case)
    if expected_version is not None and subject.version != expected_version:
        raise ConflictError(subject)
    birth = fields.get("date_of_birth", subject.date_of_birth)
    if birth > case.received_on:
        raise CaseError(_("The date of birth cannot be after the referral."))
    changed = [name for name in IDENTITY_FIELDS if name in fields and fields[name] != getattr(subject, name)]
    if not changed:
        return []
    _update(actor, subject, **{name: fields[name] for name in changed})
    if "date_of_birth" in changed:
        _update(actor, case, age_band=selectors.age_band(birth, case.received_on))
    _trace(actor, subject, "alteration", [f"identity: {name}" for name in changed], purpose, case=case)
    return changed


# Police gateway ----------------------------------------------------------------------------


@transaction.atomic
def case_screen(*, actor, case, outcome: str, screened_on: dt.date, rationale: str, national_reference: str = "",
                purpose: str = "") -> Case:
    case = _lock(case)
    workflow.require(case, "screen")
    _check_day(screened_on, _("screening date"), not_before=case.received_on)
    if not rationale.strip():
        raise CaseError(_("Give the rationale for the screening outcome."))
    if outcome not in GatewayOutcome.values:
        raise CaseError(_("Choose a screening outcome."))
    case.gateway_outcome, case.gateway_on, case.gateway_rationale = outcome, screened_on, rationale
    case.national_reference = national_reference
    if outcome == GatewayOutcome.CHANNEL:
        case.stage = Stage.GATHERING
    else:
        _end(case, outcome, screened_on)  # the gateway outcomes share their values with Outcome
    return _save_case(actor, case, ["screening"], purpose)


# Information gathering ---------------------------------------------------------------------


@transaction.atomic
def information_request_create(*, actor, case, organisation, question: str, due_on: dt.date, responder=None,
                               with_link: bool = False, purpose: str = "") -> tuple[InformationRequest, str | None]:
    """Ask one partner organisation, through ``responder`` (a user who answers signed in) and/or, with
    ``with_link``, a single-use link whose token is returned (only its hash is kept)."""
    from prevent_hub.core.permissions import has_perm

    case = _lock(case)
    workflow.require(case, "request_information")
    if organisation.partnership_id != case.partnership_id:
        raise CaseError(_("Choose an organisation in this partnership."))
    if responder is not None and not has_perm(responder, "channel.respond_informationrequest", case.partnership_id):
        raise CaseError(_("The person to answer must have an account in this partnership."))
    if responder is None and not with_link:
        raise CaseError(_("Choose who answers: a person with an account, a single-use link, or both."))
    today = timezone.localdate()
    _check_day(due_on, _("reply-by date"), not_before=today, allow_future=True)
    token, token_hash = new_secret() if with_link else (None, "")
    request = _create(actor, InformationRequest(partnership=case.partnership, case=case, organisation=organisation,
                                                responder=responder, question=question, requested_on=today,
                                                due_on=due_on, token_hash=token_hash), ["information request"], purpose)
    # Asking a partner discloses that the case exists and what is asked: an s62 disclosure.
    recipient = f"{organisation} ({responder})" if responder else str(organisation)
    _trace(actor, request, "disclosure", ["information request"], purpose, recipient=recipient, case=case)
    return request, token


# A link still works this long after the reply-by date, then stops.
LINK_GRACE_DAYS = 14


def information_request_for_token(token: str) -> InformationRequest | None:
    """The open request a link is for, while its case is still being worked and the link has not lapsed."""
    if not token:
        return None
    lapsed = timezone.localdate() - dt.timedelta(days=LINK_GRACE_DAYS)
    request = (InformationRequest.objects.select_related("case", "organisation", "partnership")
               .filter(token_hash=secret_hash(token), returned_at__isnull=True, due_on__gte=lapsed)
               .exclude(token_hash="").first())
    if request is None or not workflow.allowed(request.case, "request_information"):
        return None
    return request


@transaction.atomic
def information_return(*, request, response: str, returned_by: str, actor=None, token: str | None = None) -> InformationRequest:
    """Record a partner's answer. A link's token is spent with it: the link works once."""
    request = InformationRequest.objects.select_for_update(of=("self",)).select_related("case", "partnership").get(pk=request.pk)
    if request.returned_at is not None or (token is not None and request.token_hash != secret_hash(token)):
        raise CaseError(_("This request has already been answered."))
    if not workflow.allowed(request.case, "request_information"):
        raise CaseError(_("This case is no longer taking information."))
    if not response.strip() or not returned_by.strip():
        raise CaseError(_("Enter the information and your name."))
    _update(actor, request, response=response, returned_by=returned_by, returned_at=timezone.now(), token_hash="")
    _trace(actor, request, "collection", ["information returned"], _("Partner returned information"),
           recipient=str(request.organisation), case=request.case)
    return request


# Panel -------------------------------------------------------------------------------------


def channel_panel_meetings(partnership):
    from prevent_hub.governance.choices import GroupKind
    from prevent_hub.governance.models import Meeting

    return (Meeting.objects.filter(partnership=partnership, group__kind=GroupKind.CHANNEL_PANEL)
            .select_related("group").order_by("-starts_at"))


def upcoming_panel_meetings(partnership):
    """The Channel Panel's meetings from today on, soonest first: where a case can be listed."""
    from prevent_hub.core.dates import end_of_day
    from prevent_hub.governance.choices import MeetingStatus

    today_starts = end_of_day(timezone.localdate() - dt.timedelta(days=1))
    return (channel_panel_meetings(partnership).filter(starts_at__gte=today_starts)
            .exclude(status=MeetingStatus.CANCELLED).order_by("starts_at"))


@transaction.atomic
def panel_move(*, actor, case, meeting, purpose: str = "") -> PanelListing:
    """Move a listed case to another of the panel's meetings (put off, or brought forward): logged like any change."""
    case = _lock(case)
    workflow.require(case, "move_listing")
    listing = case.listings.select_related("meeting").order_by("-meeting__starts_at", "-pk").first()
    if listing is None:
        raise CaseError(_("The case is not listed for a panel meeting yet."))
    if listing.meeting_id == meeting.pk:
        raise CaseError(_("The case is already listed for that meeting."))
    if not upcoming_panel_meetings(case.partnership).filter(pk=meeting.pk).exists():
        raise CaseError(_("Choose a Channel Panel meeting that has not happened yet."))
    _update(actor, listing, meeting=meeting)
    _trace(actor, listing, "alteration", ["panel"], purpose, case=case)
    return listing


@transaction.atomic
def panel_list(*, actor, case, meeting, purpose: str = "") -> PanelListing:
    case = _lock(case)
    workflow.require(case, "list_for_panel")
    if not channel_panel_meetings(case.partnership).filter(pk=meeting.pk).exists():
        raise CaseError(_("Choose a meeting of this partnership's Channel Panel."))
    listing = _create(actor, PanelListing(partnership=case.partnership, case=case, meeting=meeting), ["panel"], purpose)
    case.stage = Stage.PANEL
    _save_case(actor, case, ["panel"], purpose)
    return listing


@transaction.atomic
def panel_decide(*, actor, case, decision: str, method: str, rationale: str, decided_on: dt.date, meeting=None,
                 purpose: str = "") -> PanelDecisionRecord:
    case = _lock(case)
    workflow.require(case, "decide")
    _check_day(decided_on, _("decision date"), not_before=case.gateway_on or case.received_on)
    if meeting is not None and decided_on < timezone.localtime(meeting.starts_at).date():
        raise CaseError(_("The decision cannot be dated before the panel meeting it was made at."))
    if not rationale.strip():
        raise CaseError(_("Give the rationale for the panel's decision."))
    record = _create(actor, PanelDecisionRecord(partnership=case.partnership, case=case, meeting=meeting,
                                                decided_on=decided_on, decision=decision, method=method,
                                                rationale=rationale), ["panel decision"], purpose)
    if decision == PanelDecision.ADOPT:
        case.stage = Stage.ADOPTED
    else:
        _end(case, Outcome.NOT_ADOPTED, decided_on)
    _save_case(actor, case, ["panel decision"], purpose)
    return record


# Consent -----------------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor, case, asked_from: str, asked_by: str, method: str, asked_on: dt.date, outcome: str,
                   capacity_notes: str = "", purpose: str = "") -> Consent:
    """Record who was asked for consent and what they said. Only given consent lets support start."""
    case = _lock(case)
    workflow.require(case, "record_consent")
    _check_day(asked_on, _("date consent was asked"), not_before=case.received_on)
    birth = case.subject.date_of_birth
    minor = selectors.age_on(birth, asked_on) < 18
    if asked_from == ConsentFrom.PARENT and not minor:
        raise CaseError(_("The person was %(age)d on that date: an adult gives their own consent, not a parent or guardian.")
                        % {"age": selectors.age_on(birth, asked_on)})
    if asked_from == ConsentFrom.PERSON and minor and not capacity_notes.strip():
        raise CaseError(_("The person was under 18 on that date: record in the capacity notes why they could give "
                          "their own consent, or ask a parent or guardian."))
    latest = selectors.current_consent(case)
    if outcome == ConsentOutcome.WITHDRAWN and not (latest and latest.outcome == ConsentOutcome.GIVEN):
        raise CaseError(_("Consent can only be withdrawn after it was given."))
    if latest and asked_on < latest.asked_on:
        raise CaseError(_("A later consent record already exists (%(day)s).") % {"day": f"{latest.asked_on:%-d %B %Y}"})
    consent = _create(actor, Consent(partnership=case.partnership, case=case, asked_from=asked_from, asked_by=asked_by,
                                     method=method, asked_on=asked_on, outcome=outcome, capacity_notes=capacity_notes),
                      ["consent"], purpose)
    if outcome == ConsentOutcome.GIVEN and case.stage == Stage.ADOPTED:
        case.stage = Stage.SUPPORT
        _save_case(actor, case, ["consent"], purpose)
    return consent


# Vulnerability assessment ------------------------------------------------------------------


@transaction.atomic
def assessment_create(*, actor, case, assessed_on: dt.date, assessed_by: str, summary: str, ratings: dict,
                      purpose: str = "") -> Assessment:
    """Record a practitioner's assessment: a rating and narrative for every factor in use, and a summary.

    ``ratings`` maps each factor to (rating, narrative). Nothing is computed from them.
    """
    case = _lock(case)
    workflow.require(case, "assess")
    _check_day(assessed_on, _("assessment date"), not_before=case.received_on)
    factors = list(selectors.active_factors(case.partnership))
    if not factors:
        raise CaseError(_("No assessment factors are set up: the Channel chair adds them under Assessment factors."))
    missing = [factor.name for factor in factors if factor not in ratings or not ratings[factor][0]]
    if missing:
        raise CaseError(_("Rate every factor (choose “Not known” where you cannot say). Missing: %(names)s.")
                        % {"names": ", ".join(missing)})
    if not summary.strip():
        raise CaseError(_("Write a summary of the assessment."))
    assessment = _create(actor, Assessment(partnership=case.partnership, case=case, assessed_on=assessed_on,
                                           assessed_by=assessed_by, summary=summary), ["assessment"], purpose)
    for factor in factors:
        rating, narrative = ratings[factor]
        object_create(actor=actor, instance=AssessmentRating(partnership=case.partnership, assessment=assessment,
                                                             factor=factor, rating=rating, narrative=narrative))
    return assessment


# Support -----------------------------------------------------------------------------------


@transaction.atomic
def intervention_add(*, actor, case, purpose: str = "", **fields) -> Intervention:
    case = _lock(case)
    workflow.require(case, "add_intervention")
    if not selectors.has_consent(case):
        raise WorkflowError(_("Support cannot start without consent: the latest consent record is not “given”."))
    _check_day(fields["starts_on"], _("start date"), not_before=case.received_on, allow_future=True)
    if fields.get("ends_on") and fields["ends_on"] < fields["starts_on"]:
        raise CaseError(_("The support cannot end before it starts."))
    return _create(actor, Intervention(partnership=case.partnership, case=case, **fields), ["support plan"], purpose)


@transaction.atomic
def review_record(*, actor, case, held_on: dt.date, notes: str, progress: dict, meeting=None, purpose: str = "") -> Review:
    """A review at a panel: notes, and progress on each intervention (``progress`` maps intervention to text)."""
    case = _lock(case)
    workflow.require(case, "review")
    _check_day(held_on, _("review date"), not_before=case.received_on)
    if not notes.strip():
        raise CaseError(_("Write the review notes."))
    review = _create(actor, Review(partnership=case.partnership, case=case, kind=ReviewKind.PANEL, held_on=held_on,
                                   meeting=meeting, notes=notes), ["review"], purpose)
    for intervention, text in progress.items():
        if intervention.case_id != case.pk:
            raise CaseError(_("That support is not part of this case's plan."))
        if text.strip():
            object_create(actor=actor, instance=InterventionProgress(partnership=case.partnership, review=review,
                                                                     intervention=intervention, progress=text))
    return review


@transaction.atomic
def case_exit(*, actor, case, exited_on: dt.date, reason: str, notes: str = "", purpose: str = "") -> Case:
    """Exit the case from Channel and schedule the reviews 6 and 12 months later."""
    case = _lock(case)
    workflow.require(case, "exit")
    _check_day(exited_on, _("exit date"), not_before=case.received_on)
    case.stage, case.exited_on, case.exit_reason, case.exit_notes = Stage.EXITED, exited_on, reason, notes
    _save_case(actor, case, ["exit"], purpose)
    for kind, months in ((ReviewKind.POST_EXIT_6, 6), (ReviewKind.POST_EXIT_12, 12)):
        _create(actor, Review(partnership=case.partnership, case=case, kind=kind,
                              due_on=_months_after(exited_on, months)), ["review"], purpose)
    return case


@transaction.atomic
def post_exit_review_record(*, actor, review, held_on: dt.date, notes: str, purpose: str = "") -> Review:
    review = Review.objects.select_for_update(of=("self",)).select_related("case__partnership").get(pk=review.pk)
    case = _lock(review.case)
    workflow.require(case, "post_exit_review")
    if review.kind == ReviewKind.PANEL or review.held_on is not None:
        raise CaseError(_("This review has already been recorded."))
    _check_day(held_on, _("review date"), not_before=case.exited_on)
    if not notes.strip():
        raise CaseError(_("Write the review notes."))
    _update(actor, review, held_on=held_on, notes=notes)
    _trace(actor, review, "alteration", ["review"], purpose, case=case)
    return review


@transaction.atomic
def case_close(*, actor, case, closed_on: dt.date, purpose: str = "") -> Case:
    case = _lock(case)
    workflow.require(case, "close")
    _check_day(closed_on, _("closure date"), not_before=case.exited_on)
    post_exit = case.reviews.exclude(kind=ReviewKind.PANEL)
    if post_exit.filter(held_on__isnull=True).exists():
        raise WorkflowError(_("Record the reviews 6 and 12 months after exit before closing the case."))
    last_review = max((review.held_on for review in post_exit), default=None)
    if last_review and closed_on < last_review:
        raise CaseError(_("The case cannot be closed before its last review (%(day)s).") % {"day": f"{last_review:%-d %B %Y}"})
    _end(case, Outcome.CHANNEL_CLOSED, closed_on)
    return _save_case(actor, case, ["closure"], purpose)


# Who may see the case ----------------------------------------------------------------------


@transaction.atomic
def assignment_add(*, actor, case, user, expires_on: dt.date | None = None) -> CaseAssignment:
    from prevent_hub.core.permissions import has_perm

    if not has_perm(user, "channel.view_case", case.partnership_id):
        raise CaseError(_("Only a Channel Panel member of this partnership can be given access to a case."))
    if CaseAssignment.objects.filter(case=case, user=user).exists():
        raise CaseError(_("%(user)s already has access to this case.") % {"user": user})
    if expires_on and expires_on < timezone.localdate():
        raise CaseError(_("Access cannot end in the past."))
    assignment = _create(actor, CaseAssignment(partnership=case.partnership, case=case, user=user, assigned_by=actor,
                                               expires_on=expires_on), ["access"], _("Panel member given access"))
    # Giving a panel member access discloses the case to them.
    _trace(actor, case, "disclosure", ["case"], _("Panel member given access"), recipient=str(user))
    return assignment


@transaction.atomic
def assignment_remove(*, actor, assignment) -> None:
    from prevent_hub.core.services import object_delete

    case = assignment.case
    object_delete(actor=actor, instance=assignment)
    _trace(actor, case, "alteration", ["access"], _("Panel member's access removed"), recipient=str(assignment.user))


# Feedback (seed 5.3) -----------------------------------------------------------------------


@transaction.atomic
def feedback_link_issue(*, actor, case, audience: str) -> str:
    case = _lock(case)
    workflow.require(case, "issue_feedback_link")
    token, token_hash = new_secret()
    _create(actor, FeedbackLink(partnership=case.partnership, case=case, audience=audience, token_hash=token_hash),
            ["feedback link"])
    return token


def feedback_link_find(token: str) -> FeedbackLink | None:
    """The unused link ``token`` opens, expired or not (the page says which), or None."""
    if not token:
        return None
    return (FeedbackLink.objects.select_related("partnership").filter(token_hash=secret_hash(token), used=False)
            .first())


@transaction.atomic
def feedback_submit(*, token: str, rating: int, comments: str = "") -> ChannelFeedback:
    """Save anonymous feedback and spend the link. The feedback keeps no tie to the case."""
    link = FeedbackLink.objects.select_for_update().filter(token_hash=secret_hash(token), used=False).first()
    if link is None:
        raise CaseError(_("This feedback link has already been used or does not exist."))
    if link.has_expired():
        raise LinkExpired(_("This feedback link has expired."))
    # Only a flag and the month: nothing to match the feedback to the case by time.
    _update(None, link, used=True)
    return object_create(actor=None, instance=ChannelFeedback(partnership=link.partnership, audience=link.audience,
                                                              rating=rating, comments=comments,
                                                              given_on=timezone.localdate().replace(day=1)))


# Retention, erasure and approvals ----------------------------------------------------------


def case_erase(*, case, reason: str, actor=None, approved_by=None, only_if_expired_on: dt.date | None = None) -> dict:
    """Erase a case completely, every row that refers to it, in one transaction.

    Leaves exactly one access-log row (event "erasure") holding no content: the case's log
    pseudonym, how many records of each kind went, why, and who. Returns the counts ({}
    when there was nothing to erase). With ``only_if_expired_on``, the case is erased only if,
    read again under the lock, its retention period has ended by that day.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("partnership").filter(pk=case.pk).first()
        if case is None:
            return {}  # already erased: a second run is a no-op
        if only_if_expired_on is not None and not _expired(case, only_if_expired_on):
            return {}
        collector = Collector(using=router.db_for_write(Case), origin=case)
        collector.collect([case])
        counts = Counter()
        for model, objs in collector.data.items():
            counts[model._meta.label_lower] += len(objs)
        for queryset in collector.fast_deletes:
            counts[queryset.model._meta.label_lower] += queryset.count()
        log_ref, version, partnership_id = case.log_ref, case.version, case.partnership_id
        collector.delete()
        who = ""
        if actor is not None or approved_by is not None:
            who = _("requested by %(a)s; approved by %(b)s") % {"a": actor or "-", "b": approved_by or "-"}
        log_access(actor=approved_by or actor, event="erasure", target_type="channel.case", target_id=log_ref,
                   target_repr=log_ref, target_version=version, partnership_id=partnership_id,
                   sections=[f"{label}: {n}" for label, n in sorted(counts.items())], purpose=reason, recipient=who)
    return dict(counts)


def effective_erase_after(case, rules: dict | None = None) -> dt.date:
    """When an ended case is due for erasure under the partnership's rules as they stand today
    (an edited rule applies to cases already closed)."""
    if case.stage != Stage.CLOSED or case.closed_on is None:
        return case.erase_after
    rules = rules if rules is not None else retention_rules(case.partnership)
    return _years_after(case.closed_on, rules[case.outcome])


def _expired(case, today: dt.date) -> bool:
    return case.stage == Stage.CLOSED and effective_erase_after(case) < today


def erase_expired_cases(today: dt.date | None = None, progress=None) -> int:
    """Erase every ended case whose retention period (under today's rules) is over; each case in its own
    transaction, checked again under its lock. Idempotent."""
    today = today or timezone.localdate()
    candidates = Case.objects.filter(stage=Stage.CLOSED).select_related("partnership").only(
        "pk", "stage", "outcome", "closed_on", "erase_after", "partnership")
    erased, rules = 0, {}
    for case in candidates.iterator(chunk_size=500):
        if case.partnership_id not in rules:
            rules[case.partnership_id] = retention_rules(case.partnership)
        if not effective_erase_after(case, rules[case.partnership_id]) < today:
            continue
        reason = _("Retention period ended on %(day)s (%(outcome)s)") % {
            "day": effective_erase_after(case).isoformat(), "outcome": Outcome(case.outcome).label}
        if case_erase(case=case, reason=reason, only_if_expired_on=today):
            erased += 1
        if progress:
            progress()
    return erased


@transaction.atomic
def approval_request(*, actor, partnership, kind: str, reason: str, case=None) -> Approval:
    if not reason.strip():
        raise CaseError(_("Say why this is needed."))
    if kind == ApprovalKind.EARLY_ERASURE and case is None:
        raise CaseError(_("Choose the case to erase."))
    return object_create(actor=actor, instance=Approval(partnership=partnership, kind=kind, case=case, reason=reason,
                                                        requested_by=actor))


@transaction.atomic
def approval_decide(*, actor, approval, approve: bool) -> Approval:
    """A second person approves or rejects. An approved early erasure is carried out at once."""
    # Lock only the approval's own row (case is a nullable join, which PostgreSQL cannot lock).
    approval = Approval.objects.select_for_update(of=("self",)).select_related("case", "requested_by").get(pk=approval.pk)
    if approval.status != ApprovalStatus.PENDING:
        raise CaseError(_("This request has already been decided."))
    if approval.requested_by_id == actor.pk:
        raise CaseError(_("Someone other than the person who asked must approve this."))
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    if approve and approval.kind == ApprovalKind.EARLY_ERASURE:
        # The approval row goes with the case; the erasure log row names both people.
        # The log outlives the case: it names the approval, never quotes its free-text reason.
        case_erase(case=approval.case, reason=_("Early erasure, approval #%(id)s") % {"id": approval.pk},
                   actor=approval.requested_by, approved_by=actor)
        approval.status, approval.decided_by = status, actor
        return approval
    return _update(actor, approval, status=status, decided_by=actor, decided_at=timezone.now())


@transaction.atomic
def approval_use(*, actor, approval) -> Approval:
    """Spend an approved bulk export: it can be downloaded once, by the person who asked."""
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != ApprovalStatus.APPROVED or approval.requested_by_id != actor.pk:
        raise CaseError(_("This export has not been approved for you, or has already been downloaded."))
    return _update(actor, approval, status=ApprovalStatus.USED)


# Reminders ---------------------------------------------------------------------------------


@transaction.atomic
def _remind(review, recipients, as_of) -> bool:
    review = Review.objects.select_for_update(of=("self",)).select_related("case").get(pk=review.pk)
    if review.held_on is not None or review.reminded_on == as_of:
        return False
    sent = _mail(_("Channel review due: %(ref)s") % {"ref": review.case.reference},
                 _("The %(kind)s for case %(ref)s is due on %(day)s.\n%(link)s\n")
                 % {"kind": review.get_kind_display().lower(), "ref": review.case.reference,
                    "day": f"{review.due_on:%-d %B %Y}",
                    "link": f"{settings.SITE_URL.rstrip('/')}{review.case.get_absolute_url()}"}, recipients)
    if sent:  # a failed email is tried again on the next run
        _update(None, review, reminded_on=as_of)
    return sent


def channel_reminders(as_of: dt.date) -> int:
    """Remind the Channel chair of post-exit reviews due within two weeks, once, and again when overdue."""
    from prevent_hub.directory.models import Partnership

    sent = 0
    for partnership in Partnership.objects.all():
        recipients = _team_emails(partnership, [Role.CHANNEL_CHAIR])
        for review in selectors.reviews_due(partnership, as_of):
            first = review.reminded_on is None
            overdue_again = review.reminded_on is not None and review.reminded_on < review.due_on <= as_of
            if (first or overdue_again) and recipients and _remind(review, recipients, as_of):
                sent += 1
    return sent
