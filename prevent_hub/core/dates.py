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
    """The day a page looks from: ?as_of=YYYY-MM-DD, or today (also for a date no plan could have)."""
    try:
        day = dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()
    if not plausible(day):
        messages.error(request, _("Choose a date between %(first)s and %(last)s; showing today.")
                       % {"first": EARLIEST.year, "last": LATEST.year})
        return timezone.localdate()
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` (local time): "as of a day" means entered before this."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
