"""iCalendar (.ics) for meetings: one meeting with its series' recurrence, or a user's whole feed."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from prevent_hub.core.dates import week_of_month
from prevent_hub.plans.choices import Cadence

from .services import MONTHS_BETWEEN

PRODID = "-//Prevent Partnership Hub//Governance//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _local(moment: dt.datetime) -> dt.datetime:
    """Calendar programs repeat a series at the same wall-clock time, so times carry the partnership's zone."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _host() -> str:
    return settings.SITE_URL.split("//")[-1].split("/")[0]


def _event(meeting, *, series=None) -> Event:
    """One meeting, or (``series``: its group's generated meetings, in order) the whole series with its rule."""
    first = series[0] if series else meeting
    event = Event()
    event.add("uid", f"group-{meeting.group_id}-series@{_host()}" if series else f"meeting-{meeting.pk}@{_host()}")
    event.add("summary", str(meeting.group))
    event.add("dtstart", _local(first.starts_at))
    event.add("dtend", _local(first.ends_at or first.starts_at + dt.timedelta(hours=1)))
    event.add("dtstamp", meeting.updated_at)
    if meeting.location:
        event.add("location", meeting.location)
    # Only where and when: agendas and minutes stay in the hub, behind sign-in.
    event.add("url", settings.SITE_URL.rstrip("/") + meeting.get_absolute_url())
    if series:
        cadence = meeting.group.cadence
        # Planned meetings fall on the same weekday of the month as the first ("the third Tuesday").
        first = timezone.localtime(series[0].starts_at).date()
        week = week_of_month(first)
        byday = f"{-1 if week == 5 else week}{('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[first.weekday()]}"
        rule = {"freq": "MONTHLY", "interval": 12 if cadence == Cadence.ANNUAL else MONTHS_BETWEEN[cadence],
                "byday": byday}
        event.add("rrule", vRecur(**rule, until=series[-1].starts_at.astimezone(dt.timezone.utc)))
    return event


def meeting_ics(meeting) -> bytes:
    """A meeting planned from its group's cadence comes with the series (same UID from any of its meetings)."""
    calendar = _calendar(str(meeting.group))
    series = None
    if meeting.from_cadence and meeting.group.cadence in MONTHS_BETWEEN:
        series = list(meeting.group.meetings.filter(from_cadence=True).exclude(status="cancelled").order_by("starts_at"))
    calendar.add_component(_event(meeting, series=series or None))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_ics(meetings, name: str) -> bytes:
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    calendar.add_missing_timezones()
    return calendar.to_ical()
