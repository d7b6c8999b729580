"""Writes for governance: meetings from a group's cadence, attendance, actions arising, calendar feeds."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from prevent_hub.core.dates import nth_weekday, week_of_month
from prevent_hub.core.services import object_create, object_update
from prevent_hub.core.tokens import new_secret
from prevent_hub.plans.choices import Cadence, TimescaleKind
from prevent_hub.plans.models import Action, Timescale

from .models import Attendance, CalendarFeed, Meeting, MeetingItem, MeetingPaper

# Meetings planned from a cadence: one per span of this many months.
MONTHS_BETWEEN = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.TERMLY: 4, Cadence.BIANNUAL: 6, Cadence.ANNUAL: 12}


class GovernanceError(ValueError):
    """A request the rules refuse; the message says why."""


@transaction.atomic
def meetings_generate(*, actor, group, first: dt.date, until: dt.date, at: dt.time, location: str = "",
                      hours: int = 2) -> list[Meeting]:
    """Plan the group's meetings from its cadence: the first on ``first``, then on the same weekday of the
    month ("the third Tuesday") every span, until ``until``; days that already have one are skipped."""
    step = MONTHS_BETWEEN.get(group.cadence)
    if step is None:
        raise GovernanceError(f"{group} has no regular cadence to plan meetings from: set how often it meets on its "
                              "page, or add meetings one at a time.")
    if until < first or (until - first).days > 3 * 366:
        raise GovernanceError("Choose a last date after the first meeting, no more than three years on.")
    existing = set(group.meetings.values_list("starts_at__date", flat=True))
    weekday, week = first.weekday(), week_of_month(first)
    created, month = [], dt.date(first.year, first.month, 1)
    tz = timezone.get_current_timezone()
    while month <= until:
        day = first if month == dt.date(first.year, first.month, 1) else nth_weekday(month.year, month.month, weekday,
                                                                                      week)
        if first <= day <= until and day not in existing:
            starts = dt.datetime.combine(day, at, tzinfo=tz)
            created.append(object_create(actor=actor, instance=Meeting(
                partnership=group.partnership, group=group, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours),
                location=location, from_cadence=True,
            )))
        year, index = divmod(month.month - 1 + step, 12)
        month = dt.date(month.year + year, index + 1, 1)
    return created


@transaction.atomic
def meeting_add(*, actor, group, starts_at, location: str = "", hours: int = 2) -> Meeting:
    """One meeting of ``group``, planned."""
    if group.meetings.filter(starts_at__date=timezone.localtime(starts_at).date()).exists():
        raise GovernanceError(f"{group} already meets on {timezone.localtime(starts_at):%-d %B %Y}.")
    return object_create(actor=actor, instance=Meeting(partnership=group.partnership, group=group, starts_at=starts_at,
                                                       ends_at=starts_at + dt.timedelta(hours=hours), location=location))


@transaction.atomic
def attendance_record(*, actor, meeting, organisation, status: str, person=None) -> Attendance:
    """Record (or correct) one organisation's attendance at a meeting."""
    current = Attendance.objects.filter(meeting=meeting, organisation=organisation).first()
    if current is None:
        return object_create(actor=actor, instance=Attendance(
            partnership=meeting.partnership, meeting=meeting, organisation=organisation, person=person, status=status,
        ))
    current.status, current.person = status, person
    current, _ = object_update(actor=actor, instance=current, expected_version=current.version)
    return current


@transaction.atomic
def meeting_item_create(*, actor, meeting, kind: str, text: str, owner_text: str = "", due_date=None,
                        plan_theme=None, existing_action=None) -> MeetingItem:
    """Record a decision or an action arising; either can point to a plan action, and an action
    arising can become a new, tracked plan action."""
    if existing_action is not None and existing_action.partnership_id != meeting.partnership_id:
        raise GovernanceError("That action belongs to another partnership.")
    plan_action = existing_action
    if kind == MeetingItem.Kind.ACTION and plan_theme is not None:
        plan_action = _plan_action_from(actor, meeting, plan_theme, text, owner_text, due_date)
    return object_create(actor=actor, instance=MeetingItem(
        partnership=meeting.partnership, meeting=meeting, kind=kind, text=text, owner_text=owner_text,
        due_date=due_date, plan_action=plan_action,
    ))


def _plan_action_from(actor, meeting, theme, text, owner_text, due_date) -> Action:
    if theme.partnership_id != meeting.partnership_id:
        raise GovernanceError("That theme belongs to another partnership.")
    taken = [a.ref for a in theme.actions.all()]
    numbers = [int(ref.split(".")[1]) for ref in taken if ref.count(".") == 1 and ref.split(".")[1].isdigit()]
    ref = f"{theme.number}.{max(numbers, default=0) + 1}"
    timescale_text = f"{due_date:%B %Y}" if due_date else ""
    action = object_create(actor=actor, instance=Action(
        partnership=meeting.partnership, plan_version=theme.plan_version, theme=theme, ref=ref, text=text,
        who_text=owner_text, timescale_text=timescale_text, notes=f"Action arising from {meeting}.",
    ))
    if due_date:
        object_create(actor=actor, instance=Timescale(
            partnership=meeting.partnership, action=action, kind=TimescaleKind.DUE, text=timescale_text,
            due_date=due_date,
        ))
    return action


@transaction.atomic
def meeting_paper_add(*, actor, meeting, title: str, file) -> MeetingPaper:
    return object_create(actor=actor, instance=MeetingPaper(partnership=meeting.partnership, meeting=meeting,
                                                            title=title, file=file))


@transaction.atomic
def calendar_feed_create(*, user) -> str:
    """A new private feed address for ``user`` (any older one stops working). Returns the secret token."""
    calendar_feed_revoke(user=user)
    token, token_hash = new_secret()
    object_create(actor=user, instance=CalendarFeed(user=user, token_hash=token_hash))
    return token


@transaction.atomic
def calendar_feed_revoke(*, user) -> int:
    feeds = list(CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for feed in feeds:
        feed.revoked_at = timezone.now()
        object_update(actor=user, instance=feed, expected_version=None)
    return len(feeds)
