"""Whole numbers from the request (core.params): out of range, negative or not a number gives 404, no results or a
form error, never a 500 (the finding: /p/<slug>/channel/?meeting=99999999999999999999 answered 500 on SQLite).

The list pages' integer filters are found from their filter sets, so a filter added later is tested too; the
integer parameters read by hand are listed here. Runs on SQLite and on PostgreSQL (bin/test with DATABASE_URL).
"""
import datetime as dt
import re

import django_filters
import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from prevent_hub.core.filtersets import PartnershipFilterSet, WholeNumberFilter
from prevent_hub.core.params import MAX_ID, query_int, whole_number
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.coverage import all_url_patterns
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, UserFactory
from prevent_hub.core.testing.matrix import row_counts

HOSTILE = [
    "99999999999999999999",  # past 64 bits: SQLite cannot bind it
    str(MAX_ID + 1),  # one past the largest id
    str(2**31),  # past PostgreSQL's integer
    "-1",
    "-99999999999999999999",
    "0",
    "abc",
    "1e9999999",  # a decimal field takes it, and int() of it runs for minutes
    "1.5",
    "9" * 5000,  # past Python's limit on digits turned into an int
    "\u0663",  # an Arabic-Indic digit: str.isdigit() says yes
    " 12 ",
    "",
]
INTEGER_FILTERS = (WholeNumberFilter, django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)
# Integer parameters read by hand rather than through a filter set, per page (``page`` is added to every list page).
HAND_READ = {"channel:case_list": ("meeting",), "insights:statistics": ("year",),
             "insights:statistics_export": ("year",)}
LIST_PAGES_WITHOUT_FILTER_SETS = ("channel:case_list", "channel:feedback_summary", "channel:approval_list",
                                  "audit:changelog_list", "audit:accesslog_list", "accounts:user_list",
                                  "insights:statistics")


def _view_class(name):
    return getattr(resolve(reverse(name, kwargs={"partnership": "alpha"})).func, "view_class", None)


def integer_parameters() -> list[tuple[str, str]]:
    """(URL name, parameter) for every integer a partnership page without an id reads from its query string."""
    found = set()
    for name, kwargs in all_url_patterns():
        if set(kwargs) != {"partnership"}:
            continue
        filterset_class = getattr(_view_class(name), "filterset_class", None)
        if filterset_class is not None:
            found.add((name, "page"))
            found.update((name, key) for key, flt in filterset_class.base_filters.items()
                         if isinstance(flt, INTEGER_FILTERS))
    found.update((name, "page") for name in LIST_PAGES_WITHOUT_FILTER_SETS)
    found.update((name, key) for name, keys in HAND_READ.items() for key in keys)
    return sorted(found)


PARAMETERS = integer_parameters()


@pytest.fixture
def everyone(db):
    """A user holding every role in the partnership, so every page answers them; a meeting to filter by."""
    from prevent_hub.governance.models import Group, Meeting

    alpha = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    OrganisationFactory(partnership=alpha)
    group = Group.objects.create(partnership=alpha, name="Channel Panel", kind="channel_panel", is_secure=True)
    Meeting.objects.create(partnership=alpha, group=group, starts_at=timezone.now() - dt.timedelta(days=3))
    return UserFactory(roles=[(alpha, role) for role in Role])


def test_every_list_page_with_filters_is_covered():
    names = {name for name, _ in PARAMETERS}
    assert {"plans:action_list", "governance:meeting_list", "directory:person_list", "plans:action_export"} <= names
    assert ("plans:action_list", "theme") in PARAMETERS and ("plans:action_list", "plan_version") in PARAMETERS
    assert ("governance:meeting_list", "group") in PARAMETERS and ("channel:case_list", "meeting") in PARAMETERS


@pytest.mark.parametrize(("name", "parameter"), PARAMETERS)
def test_hostile_integers_in_the_query_string_never_give_a_server_error(everyone, name, parameter):
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    url = reverse(name, kwargs={"partnership": "alpha"})
    for value in HOSTILE:
        query = {parameter: value}
        if name.endswith("_export"):
            query["format"] = "csv"
        response = client.get(url, query)
        assert response.status_code < 500, (name, parameter, value[:30], response.status_code)


def test_a_filter_given_an_impossible_number_says_which_numbers_it_takes(everyone):
    client = Client()
    client.force_login(everyone)
    response = client.get(reverse("plans:action_list", kwargs={"partnership": "alpha"}), {"theme": "1e9999999"})
    assert response.status_code == 200
    assert "Enter a whole number from 1 to 32767." in response.content.decode()


def test_record_ids_in_paths_that_no_record_can_have_answer_404(everyone):
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    before = row_counts()
    for url in ("/p/alpha/channel/99999999999999999999/", f"/p/alpha/channel/{MAX_ID + 1}/",
                f"/p/alpha/organisations/{MAX_ID + 1}/", "/p/alpha/organisations/99999999999999999999/edit/",
                f"/p/alpha/meetings/{MAX_ID + 1}/"):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert row_counts() == before


def _patterns(resolver=None, prefix=""):
    """(full route, pattern) for every URL pattern, with the routes of the includes above it."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        else:
            yield route, entry


def _converters(route_pattern):
    return [type(converter) for converter in getattr(route_pattern, "converters", {}).values()]


def test_no_page_of_ours_takes_an_unbounded_integer():
    """Every number in our paths is an <id:…> (core.params.IdConverter), so a new page cannot forget the bounds."""
    ours = [(route, entry) for route, entry in _patterns() if entry.callback.__module__.startswith("prevent_hub.")]
    assert not [route for route, entry in ours if "<int:" in route]
    assert sum("<id:" in route for route, _ in ours) > 30


def test_other_pages_with_an_integer_in_the_path_do_not_fail_on_a_huge_one(everyone):
    """Pages from libraries (allauth's security keys) keep Django's int converter: their lookups must cope."""
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    routes = [route for route, _ in _patterns() if "<int:" in route]
    assert routes
    for route in routes:
        url = "/" + re.sub(r"<int:\w+>", "99999999999999999999", route).replace("^", "").replace("$", "")
        assert "<" not in url, url
        assert client.get(url).status_code < 500, url


def test_a_posted_id_that_is_not_one_is_refused_with_a_message(everyone):
    from prevent_hub.training.models import Course, HeadCount, TrainingSession

    alpha = everyone.memberships.first().partnership
    session = TrainingSession.objects.create(partnership=alpha, course=Course.objects.create(
        partnership=alpha, name="WRAP", level="wrap"), date=dt.date(2018, 2, 2))
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    url = reverse("training:trainingsession_headcount_remove", kwargs={"partnership": "alpha", "pk": session.pk})
    for value in HOSTILE:
        response = client.post(url, {"head_count": value}, follow=True)
        assert response.status_code == 200, value[:30]
        assert "That line of attendance is not on this session." in response.content.decode()
    assert not HeadCount.objects.exists()


def test_whole_numbers_are_read_strictly():
    assert whole_number("42") == 42 and whole_number("-3") == -3 and whole_number(" 7 ") == 7
    assert whole_number(str(MAX_ID), min_value=1, max_value=MAX_ID) == MAX_ID
    for value in HOSTILE[:2] + HOSTILE[6:-2]:
        assert whole_number(value, min_value=1, max_value=MAX_ID) is None, value[:30]
    assert query_int({"year": "2019"}, "year", min_value=2015, max_value=2024) == 2019
    assert query_int({"year": "2030"}, "year", min_value=2015, max_value=2024) is None
    assert query_int({}, "year") is None


def test_a_filter_set_with_a_plain_number_filter_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    from prevent_hub.directory.models import Organisation

    class Loose(PartnershipFilterSet):
        size = django_filters.NumberFilter(field_name="pk")

        class Meta:
            model = Organisation
            fields = ["size"]

    with pytest.raises(ImproperlyConfigured, match="use WholeNumberFilter"):
        Loose({}, queryset=Organisation.objects.none(), partnership=None)


@pytest.mark.parametrize("value", ["99999999999999999999", str(MAX_ID + 1), str(2**31), "-1", "1e9999999", "abc"])
def test_hostile_integers_in_a_posted_form_are_form_errors(everyone, value):
    """Model forms bound their numbers by the column (Django's model validators) and the edit version by
    core.params: a value no column holds is a 400 with the form, never a 500 from the database."""
    from django.db import connection

    from prevent_hub.insights.models import MonthlyCount

    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    before = row_counts()
    add = client.post(reverse("insights:monthlycount_add", kwargs={"partnership": "alpha"}),
                      {"month": "2024-06-01", "referrals": value, "discussed_at_panel": "0", "adopted": "0"})
    low, high = connection.ops.integer_field_range("PositiveIntegerField")  # SQLite's columns hold 64 bits
    if whole_number(value, min_value=low, max_value=high) is not None:
        assert add.status_code == 302 and MonthlyCount.objects.get().referrals == int(value)
        MonthlyCount.objects.all().delete()
    else:
        assert add.status_code == 400 and "govuk-error-message" in add.content.decode()
        assert row_counts() == before
    count = MonthlyCount.objects.create(partnership=everyone.memberships.first().partnership,
                                        month=dt.date(2024, 5, 1), referrals=3)
    edit = client.post(reverse("insights:monthlycount_edit", kwargs={"partnership": "alpha", "pk": count.pk}),
                       {"month": "2024-05-01", "referrals": "4", "discussed_at_panel": "0", "adopted": "0",
                        "expected_version": value})
    assert edit.status_code in (400, 409), edit.status_code
    count.refresh_from_db()
    assert count.referrals == 3 and count.version == 1
