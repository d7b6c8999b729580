"""iCalendar (.ics) for meetings: one meeting with its series' recurrence, or a user's whole feed."""
import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event, vRecur

from prevent_hub.plans.choices import Cadence

from .services import MONTHS_BETWEEN

PRODID = "-//Prevent Partnership Hub//Governance//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(meeting, *, with_recurrence: bool) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{settings.SITE_URL.split('//')[-1].split('/')[0]}")
    event.add("summary", str(meeting.group))
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + dt.timedelta(hours=1))
    event.add("dtstamp", meeting.updated_at)
    if meeting.location:
        event.add("location", meeting.location)
    # Only where and when: agendas and minutes stay in the hub, behind sign-in.
    event.add("url", settings.SITE_URL.rstrip("/") + meeting.get_absolute_url())
    cadence = meeting.group.cadence
    if with_recurrence and meeting.from_cadence and cadence in MONTHS_BETWEEN:
        event.add("rrule", vRecur(freq="MONTHLY", interval=MONTHS_BETWEEN[cadence])
                  if cadence != Cadence.ANNUAL else vRecur(freq="YEARLY"))
    return event


def meeting_ics(meeting) -> bytes:
    calendar = _calendar(str(meeting.group))
    calendar.add_component(_event(meeting, with_recurrence=True))
    return calendar.to_ical()


def feed_ics(meetings, name: str) -> bytes:
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, with_recurrence=False))
    return calendar.to_ical()
