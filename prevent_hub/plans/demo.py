"""The Warwickshire Prevent Action Plan 2015 – 2018 (2017 – 2018 version), from the public seed, as demo data."""
import datetime as dt
from pathlib import Path

from django.db import transaction

from .models import PlanVersion
from .parsing import parse_plan
from .selectors import DirectoryIndex
from .services import plan_import

SEED = Path(__file__).parent / "demo" / "warwickshire-prevent-action-plan-2017-18.txt"


@transaction.atomic
def load_warwickshire_plan(partnership, *, actor=None) -> PlanVersion | None:
    """Import the seed plan unless this version is already there. Returns the new version, or None."""
    index = DirectoryIndex.load(partnership)
    parsed = parse_plan(SEED.read_bytes(), SEED.name, vocabulary=index.vocabulary())
    exists = PlanVersion.objects.filter(
        partnership=partnership, plan__title__iexact=parsed.title, label__iexact=parsed.version_label
    ).exists()
    if exists:
        return None
    return plan_import(actor=actor, partnership=partnership, parsed=parsed, source_name=SEED.name)


# --- The plan in force this year ----------------------------------------------------------------
# The seed is the 2017 – 2018 version. So that the demo shows a live quarter whenever it is loaded,
# the same actions, owners and timescales are rolled forward into the partnership year that
# contains today, with invented progress updates (synthetic, neutral text) for the periods so far.

SEED_YEAR = 2017

# (status, RAG, what happened) for the latest update of an action; the rest use EARLIER below.
LATEST = {
    "1.1": ("ongoing", "green", "Four drop-in advice sessions held with community groups across the county; "
            "each group now has the referral route and the newsletter sign-up."),
    "1.3": ("on_track", "green", "Forward plan of community events agreed with partners for the next six months; "
            "two cohesion events held this quarter with good attendance."),
    "1.4": ("at_risk", "amber", "Two youth group sessions delivered; the women's group sessions are delayed "
            "because the venue became unavailable. A new venue is being sought."),
    "2.1": ("on_track", "green", "Prevent lead list refreshed: every specified authority has a named lead, "
            "and attendance at the Strategy Group was recorded for each meeting."),
    "2.2": ("ongoing", "green", "Webpage reviewed weekly; training dates and the referral route updated."),
    "2.4": ("on_track", "green", "Annual report drafted with input from partners; going to the boards as planned."),
    "3.1": ("on_track", "green", "Monthly WRAP sessions held as planned, plus a bespoke session for a housing team."),
    "3.2": ("off_track", "red", "The Beyond WRAP package is not yet ready: the trainer who was writing it has left. "
            "A mitigation has been agreed with the Strategy Group."),
    "3.3": ("ongoing", "green", "E-learning promoted through the newsletter and partner intranets; completions "
            "are up on the previous quarter."),
    "3.5": ("on_track", "green", "Training database kept up to date; figures reported in the Prevent Officer update."),
    "4.3": ("on_track", "green", "Schools Prevent Forum met in November; designated safeguarding leads shared "
            "resources on online safety."),
    "5.2": ("complete", "green", "Case management system live for the Channel Panel; all partners now share "
            "information through it."),
    "5.4": ("on_track", "green", "Referral figures analysed monthly and the quarterly summary shared with the "
            "Strategy Group."),
    "6.2": ("ongoing", "green", "Attended the regional Prevent meeting and shared practice on training evaluation."),
    "6.5": ("on_track", "green", "Autumn newsletter sent to Prevent leads and community members."),
    "6.8": ("ongoing", "green", "Regular social media posts on how to raise a concern, with partners sharing them."),
}
EARLIER = ("on_track", "green", "Work continued as planned this quarter; nothing to raise with the Strategy Group.")
# In the current period only some owners have reported yet, so the quarter page has someone to chase.
REPORTED_SO_FAR = {"1.1", "1.3", "1.4", "2.1", "2.2", "3.1", "3.2", "3.3", "4.3", "5.2", "6.2", "6.5"}


def demo_year(partnership, today) -> int:
    from .schedule import period_containing

    return period_containing(today, partnership.year_start_month).year_start


@transaction.atomic
def load_current_version(partnership, *, today=None, actor=None) -> PlanVersion | None:
    """Roll the seed plan into this year's version, with updates for the quarters so far (once)."""
    from django.utils import timezone

    from prevent_hub.core.services import object_create, object_update

    from . import schedule
    from .models import MitigatingAction, PeriodLock, ProgressUpdate
    from .services import plan_refresh

    today = today or timezone.localdate()
    year = demo_year(partnership, today)
    seed = PlanVersion.objects.filter(partnership=partnership, year_start=SEED_YEAR).first()
    if seed is None or year <= SEED_YEAR:
        return None
    label = f"{year} – {year + 1} Version"
    if seed.plan.versions.filter(label=label).exists():
        return None
    version = plan_refresh(actor=actor, version=seed, label=label, years=year - SEED_YEAR, note=False)
    window = schedule.version_window(version.year_start, partnership.year_start_month)
    version.issued, version.issued_date = f"Agreed at the annual Prevent event, May {year}", window[0]
    object_update(actor=actor, instance=version, expected_version=None)
    current = schedule.period_containing(today, partnership.year_start_month)
    periods = [p for p in schedule.periods_between(window[0], current.end, partnership.year_start_month)]
    actions = list(version.actions.prefetch_related("owners__person").order_by("sort_key"))
    for period in periods:
        is_current = period.start == current.start
        for action in actions:
            if is_current and action.ref not in REPORTED_SO_FAR:
                continue
            status, rag, narrative = LATEST.get(action.ref, EARLIER) if is_current else EARLIER
            lead = next((o.person for o in action.owners.all() if o.is_lead and o.person), None)
            object_create(actor=actor, instance=ProgressUpdate(
                partnership=partnership, action=action, period_start=period.start, status=status, rag=rag,
                narrative=narrative, percent_complete=100 if status == "complete" else None,
                author_name=lead.name if lead else "Helene Heath", person=lead))
        if not is_current:  # earlier quarters have been reported to the Strategy Group
            object_create(actor=actor, instance=PeriodLock(partnership=partnership, plan_version=version,
                                                           period_start=period.start))
    late = next((a for a in actions if a.ref == "3.2"), None)
    if late is not None and current.start in {p.start for p in periods}:
        object_create(actor=actor, instance=MitigatingAction(
            partnership=partnership, action=late, owner_text="Prevent Officer",
            text="Adapt a neighbouring county's advanced package under licence while a new trainer is recruited.",
            due_date=current.end + dt.timedelta(days=90)))
    return version
