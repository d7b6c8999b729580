"""Reads of case data, always scoped to what the asking user needs to know."""
import datetime as dt

from django.db.models import Q
from django.utils import timezone

from prevent_hub.core.permissions import has_perm

from .choices import AgeBand, ConsentOutcome, Dimension, Rating
from .models import Case, InformationRequest, Review, VafFactor


def cases_for(user, partnership):
    """The cases ``user`` may see in ``partnership``: all for the case team, assigned ones for a panel member.

    Assignment is read on every request, so removing one (or its expiry) takes
    effect on the user's very next request.
    """
    cases = Case.objects.filter(partnership=partnership).select_related("partnership")
    if has_perm(user, "channel.view_all_cases", partnership):
        return cases
    if has_perm(user, "channel.view_case", partnership):
        today = timezone.localdate()
        return cases.filter(Q(assignments__user=user) & (Q(assignments__expires_on__isnull=True)
                                                         | Q(assignments__expires_on__gte=today)))
    return cases.none()


def may_see_identity(user, case) -> bool:
    return has_perm(user, "channel.view_subject", case.partnership_id)


def age_band(date_of_birth: dt.date | None, on: dt.date) -> str:
    """The Home Office age band of someone born on ``date_of_birth``, on the day ``on``."""
    if date_of_birth is None:
        return AgeBand.UNKNOWN
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    for limit, band in ((11, AgeBand.UP_TO_10), (16, AgeBand.AGE_11_15), (18, AgeBand.AGE_16_17),
                        (21, AgeBand.AGE_18_20), (31, AgeBand.AGE_21_30), (41, AgeBand.AGE_31_40),
                        (51, AgeBand.AGE_41_50), (61, AgeBand.AGE_51_60)):
        if age < limit:
            return band
    return AgeBand.OVER_60


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def current_consent(case):
    """The latest consent record, or None: support may go on only while it says "given"."""
    return case.consents.order_by("-asked_on", "-pk").first()


def has_consent(case) -> bool:
    latest = current_consent(case)
    return latest is not None and latest.outcome == ConsentOutcome.GIVEN


def active_factors(partnership):
    return VafFactor.objects.filter(partnership=partnership, is_active=True).order_by("dimension", "order", "name")


def assessment_comparison(case) -> list[dict]:
    """Each assessment with, per factor, its rating and what changed since the one before.

    Ratings are words chosen by a practitioner; nothing here adds, weighs or ranks them.
    """
    assessments = list(case.assessments.prefetch_related("ratings__factor").order_by("assessed_on", "pk"))
    result, previous = [], {}
    for assessment in assessments:
        rows = []
        for rating in sorted(assessment.ratings.all(), key=lambda r: (r.factor.dimension, r.factor.order, r.factor.name)):
            before = previous.get(rating.factor_id)
            rows.append({
                "dimension": Dimension(rating.factor.dimension).label,
                "factor": rating.factor.name,
                "rating": Rating(rating.rating).label,
                "narrative": rating.narrative,
                "previous": Rating(before).label if before else "",
                "changed": before is not None and before != rating.rating,
            })
        result.append({"assessment": assessment, "rows": rows, "changes": sum(1 for r in rows if r["changed"])})
        previous = {rating.factor_id: rating.rating for rating in assessment.ratings.all()}
    return result


def open_requests_for(user, partnership):
    """Unanswered information requests the case team addressed to ``user``, on cases still being worked."""
    from .workflow import STEPS

    return (InformationRequest.objects.filter(partnership=partnership, responder=user, returned_at__isnull=True,
                                              case__stage__in=STEPS["request_information"].allowed_from)
            .select_related("case", "organisation", "partnership").order_by("due_on", "pk"))


def reviews_due(partnership, today: dt.date, within_days: int = 14):
    """Post-exit reviews due soon or overdue and not yet held or reminded about today."""
    return (Review.objects.filter(partnership=partnership, held_on__isnull=True, due_on__isnull=False,
                                  due_on__lte=today + dt.timedelta(days=within_days))
            .exclude(reminded_on=today).select_related("case").order_by("due_on"))


def deidentified_queryset(partnership):
    """The statistics feed as a queryset, for counting in the database: per case the financial year and
    month it was received, the statistics categories, the district and the furthest stage it reached.
    No identity, no encrypted field, no day of the month."""
    from django.db.models import Case as When_
    from django.db.models import CharField, Exists, F, OuterRef, Value, When
    from django.db.models.functions import ExtractMonth, ExtractYear

    from .choices import Outcome, Stage
    from .models import PanelDecisionRecord, PanelListing

    # Discussed at a panel: a decision was made, or the panel it was listed at has met.
    listed = Exists(PanelListing.objects.filter(case=OuterRef("pk"), meeting__starts_at__lte=timezone.now()))
    decided = Exists(PanelDecisionRecord.objects.filter(case=OuterRef("pk")))
    return (Case.objects.filter(partnership=partnership)
            .annotate(
                financial_year=When_(When(received_on__month__gte=4, then=ExtractYear("received_on")),
                                     default=ExtractYear("received_on") - 1),
                month=ExtractMonth("received_on"),
                sector=F("referrer_sector"), concern=F("concern_type"),
                stage_reached=When_(
                    When(Q(stage__in=(Stage.ADOPTED, Stage.SUPPORT, Stage.EXITED)) | Q(outcome=Outcome.CHANNEL_CLOSED),
                         then=Value("adopted")),
                    When(Q(outcome=Outcome.NOT_ADOPTED) | Q(listed) | Q(decided),
                         then=Value("discussed_at_panel")),
                    When(outcome=Outcome.NO_FURTHER_ACTION, then=Value("no_further_action")),
                    When(outcome__in=(Outcome.SIGNPOSTED, Outcome.POLICE_LED), then=Value("signposted")),
                    default=Value("in_progress"), output_field=CharField()))
            .values("financial_year", "month", "sector", "age_band", "gender", "concern", "district", "stage_reached"))


def deidentified_referrals(partnership):
    """The statistics feed: one dict per referral, with no identity (age band, not birth date; district, not
    address; financial year and month, not day)."""
    yield from deidentified_queryset(partnership).order_by("received_on", "pk")
