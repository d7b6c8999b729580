"""Dates a person can type: the range a plan, meeting or course could plausibly have, and the "as of" day of a page."""
import datetime as dt

from django import forms
from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _

# Anything outside is a typing mistake, not a plan (and would overflow date arithmetic near the limits).
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def plausible(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST


def check_plausible(day: dt.date) -> dt.date:
    """Return ``day``, or raise a form error that says which dates are accepted."""
    if not plausible(day):
        raise forms.ValidationError(
            _("Enter a date between %(first)s and %(last)s.") % {"first": EARLIEST.year, "last": LATEST.year})
    return day


def as_of_from(request) -> dt.date:
    """The day a page looks from: ?as_of=YYYY-MM-DD (a link) or its day, month and year (the page's date
    input), or today (also for a date no plan could have, or that is not a date at all)."""
    parts = [request.GET.get(f"as_of_{n}", "").strip() for n in range(3)]
    if any(parts):
        if not all(part.isdigit() for part in parts):
            messages.error(request, _("Enter the day, month and year as numbers, like 16 1 2018; showing today."))
            return timezone.localdate()
        text = f"{int(parts[2]):04d}-{int(parts[1]):02d}-{int(parts[0]):02d}" if len(parts[2]) == 4 else ""
    else:
        text = request.GET.get("as_of", "")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        if any(parts):
            messages.error(request, _("That is not a real date; showing today."))
        return timezone.localdate()
    if not plausible(day):
        messages.error(request, _("Choose a date between %(first)s and %(last)s; showing today.")
                       % {"first": EARLIEST.year, "last": LATEST.year})
        return timezone.localdate()
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` (local time): "as of a day" means entered before this."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def nth_weekday(year: int, month: int, weekday: int, week: int) -> dt.date:
    """The ``week``-th ``weekday`` (0 = Monday) of a month; week 5 means the last one."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (min(week, 5) - 1))
    while day.month != month:  # no fifth one this month: the last
        day -= dt.timedelta(days=7)
    return day


def week_of_month(day: dt.date) -> int:
    """Which occurrence of its weekday ``day`` is in its month (5 for a last one in a five-week month)."""
    return (day.day - 1) // 7 + 1
