"""Whole numbers typed by whoever sends the request: in a path (record ids), a query string (filters) or a form.

Every one is checked here before it reaches a query, so a value that is not a whole number, is negative
where it cannot be, or is larger than the database holds gives 404, no results or a form error, never a
500 (SQLite cannot bind an integer past 64 bits; Python turns a number like ``1e999999999`` into an
integer digit by digit, for minutes). Paginator page numbers need nothing more: ``Paginator.get_page``
answers a bad page number with the first or last page.
"""
import re

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest id a BigAutoField holds (PostgreSQL's bigint, SQLite's INTEGER): no record has a larger one.
MAX_ID = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)  # 19 digits: MAX_ID has 19


def whole_number(value, *, min_value: int | None = None, max_value: int | None = None) -> int | None:
    """Return ``value`` (text or None) as an int if it is a whole number from ``min_value`` to ``max_value``;
    else None."""
    if value is None:
        return None
    text = str(value).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
        return None
    return number


def record_id(value) -> int | None:
    """Return ``value`` as a record id (1 to MAX_ID), or None when it cannot be one."""
    return whole_number(value, min_value=1, max_value=MAX_ID)


def query_int(query, name: str, *, min_value: int | None = 1, max_value: int | None = MAX_ID) -> int | None:
    """Return ``query[name]`` (a QueryDict: request.GET or request.POST) as a whole number in range, else None."""
    return whole_number(query.get(name), min_value=min_value, max_value=max_value)


class IdConverter:
    """The ``<id:…>`` path converter: a record id. Anything else is no match, so the URL answers 404.

    Django's ``int`` converter takes any run of digits, which a query then cannot bind.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = record_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not a record id.")  # the resolver takes this as no match
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class WholeNumberField(forms.IntegerField):
    """A whole number between bounds, with a message that says which numbers are accepted.

    Refuses exponents and decimals (``1e999999999``), which ``forms.DecimalField`` (django-filter's
    NumberFilter) accepts and a query then spends minutes turning into an integer.
    """

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        message = _("Enter a whole number from %(min)s to %(max)s.") % {"min": min_value, "max": max_value}
        kwargs.setdefault("error_messages", {"invalid": message, "min_value": message, "max_value": message})
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = whole_number(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number
