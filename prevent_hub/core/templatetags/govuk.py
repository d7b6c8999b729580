"""Dates, times and values written as GOV.UK writes them: "16 January 2018 at 2pm", in the hub's time zone."""
import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def time_of_day(value: dt.datetime) -> str:
    """'2pm', '2:30pm', 'midday', 'midnight'."""
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    return f"{hour}{f':{value.minute:02d}' if value.minute else ''}{'am' if value.hour < 12 else 'pm'}"


@register.filter
def govuk_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


@register.filter
def govuk_datetime(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{govuk_date(local)} at {time_of_day(local)}"


@register.filter
def govuk_value(value):
    """Any value a summary or table shows: dates and times in words, yes or no, text as it is.

    Text that is a date or time written the ISO way (a logged value, say) is written out too.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return govuk_datetime(value)
    if isinstance(value, dt.date):
        return govuk_date(value)
    if isinstance(value, str):
        if ISO_DATETIME.match(value):
            parsed = parse_datetime(value)
            if parsed is not None:
                return govuk_datetime(parsed)
        elif ISO_DATE.match(value):
            parsed = parse_date(value)
            if parsed is not None:
                return govuk_date(parsed)
    return value


@register.simple_tag
def as_of_input(as_of, label="Show how things stood on"):
    """The GOV.UK date input of a page's "as of" day (``core.dates.as_of_from`` reads it)."""
    from django import forms

    from prevent_hub.core.forms import GovUKDateField

    class AsOf(forms.Form):
        as_of = GovUKDateField(label=label, required=False)

    return AsOf(initial={"as_of": as_of})["as_of"].as_field_group()
