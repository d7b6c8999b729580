"""The dashboard body and an action's record are cached, and a cached one is never served once anything it shows has changed."""
import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role
from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.core.testing.queries import computed_and_cached, part_and_queries
from prevent_hub.directory.models import Organisation
from prevent_hub.governance.choices import AttendanceStatus, GroupKind, MeetingStatus
from prevent_hub.governance.models import Attendance, Group, Meeting, Seat
from prevent_hub.plans import views
from prevent_hub.plans.choices import ActionStatus
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.models import ActionOwner, ProgressUpdate
from prevent_hub.plans.parsing import parse_plan
from prevent_hub.plans.services import plan_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    partnership = PartnershipFactory(slug="alpha")
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                          source_name=SEED.name)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": version.pk})

    def get(as_of="2018-01-15") -> tuple[str, int]:
        return part_and_queries(client, f"{url}?as_of={as_of}", '<h2 class="govuk-heading-m">RAG by theme</h2>')

    get()  # the session's first request also writes it
    cache.clear()
    return version, get


def missing(html: str) -> int:
    return int(re.search(r"No update yet this period \((\d+)\)", html).group(1))


def test_an_unchanged_dashboard_comes_from_the_cache(page):
    _, get = page
    (first, computed), (second, cached) = get(), get()
    assert first == second
    assert cached < computed
    assert "Overdue (10)" in first


def test_every_kind_of_change_shows_at_once(page):
    version, get = page
    before, _ = get()
    action = version.actions.get(ref="1.2")

    update = ProgressUpdate.objects.create(  # an insert
        partnership=version.partnership, action=action, period_start=dt.date(2018, 1, 1),
        status=ActionStatus.ON_TRACK, rag="green", narrative="Done", author_name="Karen Smith")
    # Entered on the day the dashboard looks at (it shows what had been recorded by then).
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=timezone.make_aware(dt.datetime(2018, 1, 15, 9)))
    update.refresh_from_db()
    html, _ = get()
    assert missing(html) == missing(before) - 1 and "Reported for Q4 2017/18 by Karen Smith" in html

    update.author_name = "Karen Jones"  # an edit, saved as every edit is: through the service
    object_update(actor=None, instance=update, expected_version=update.version)
    assert "Reported for Q4 2017/18 by Karen Jones" in get()[0]

    update.delete()  # a deletion
    html, _ = get()
    assert missing(html) == missing(before) and "Karen" not in html

    lead = Organisation.objects.filter(partnership=version.partnership, name__in=re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th><td', before)).first()
    old_name = lead.name
    lead.name = "Renamed District Council"  # a lead organisation renamed
    object_update(actor=None, instance=lead, expected_version=lead.version)
    html, _ = get()
    assert "Renamed District Council" in html and f">{old_name}<" not in html

    group = Group.objects.create(partnership=version.partnership, name="Strategy Group", kind=GroupKind.STRATEGY_GROUP)
    meeting = Meeting.objects.create(partnership=version.partnership, group=group, status=MeetingStatus.HELD,
                                     starts_at=timezone.make_aware(dt.datetime(2017, 12, 5, 10)))
    html, _ = get()
    assert "1 meeting in the last four quarters" in html and "Renamed District Council:" not in html
    seat = Seat.objects.create(partnership=version.partnership, group=group, organisation=lead)
    # A seat for an organisation that is not a specified authority: never counted in compliance.
    assert not lead.is_specified_authority and "Renamed District Council:" not in get()[0]
    lead.is_specified_authority = True  # the directory says it is one after all
    object_update(actor=None, instance=lead, expected_version=lead.version)
    assert "Renamed District Council: 0% attended" in get()[0]
    seat.start_date = dt.date(2018, 1, 1)  # a seat's dates changed: the December meeting was before it
    object_update(actor=None, instance=seat, expected_version=seat.version)
    assert "Renamed District Council: 0% attended" not in get()[0]
    seat.start_date = None
    object_update(actor=None, instance=seat, expected_version=seat.version)
    assert "Renamed District Council: 0% attended" in get()[0]
    Attendance.objects.create(partnership=version.partnership, meeting=meeting, organisation=lead,
                              status=AttendanceStatus.PRESENT)
    assert "Renamed District Council: 0% attended" not in get()[0]


def test_the_day_and_the_code_are_part_of_the_key(page, monkeypatch):
    _, get = page
    january, _ = get()
    assert "Overdue (10)" in january and "Overdue (10)" not in get("2018-04-15")[0]
    assert get()[0] == january
    _, cached = get()
    monkeypatch.setattr(views, "DASHBOARD_CACHE_SCHEMA", views.DASHBOARD_CACHE_SCHEMA + 1)
    html, computed = get()
    assert html == january and computed > cached


def test_another_partnerships_changes_leave_the_cache_alone(page):
    version, get = page
    get()
    _, cached = get()
    other = PartnershipFactory(slug="beta")
    Organisation.objects.create(partnership=other, name="Elsewhere Council", sector="local_authority")
    assert get()[1] == cached


def test_an_actions_record_is_cached_until_a_table_it_shows_is_written(page, client):
    from prevent_hub.plans.models import MitigatingAction

    version, _ = page
    action = version.actions.get(ref="1.2")
    url = action.get_absolute_url()

    def record():
        return part_and_queries(client, url, '<h2 class="govuk-heading-m">Progress updates</h2>', "Check-points")[0]

    computed, cached = computed_and_cached(client, url)
    assert cached < computed
    before = record()
    assert "No progress reported yet." in before
    ProgressUpdate.objects.create(partnership=version.partnership, action=action, period_start=dt.date(2018, 1, 1),
                                  status=ActionStatus.ON_TRACK, rag="green", narrative="Training delivered",
                                  author_name="Karen Smith")
    assert "Training delivered" in record()
    organisation = Organisation.objects.create(partnership=version.partnership, name="Borough Council",
                                               sector="local_authority")
    ActionOwner.objects.create(partnership=version.partnership, action=action, position=99, organisation=organisation,
                               source_text="Borough Council")  # a new owner
    assert ">Borough Council</a>" in record()
    organisation.name = "Renamed Borough Council"  # and its organisation renamed
    object_update(actor=None, instance=organisation, expected_version=organisation.version)
    assert ">Renamed Borough Council</a>" in record()
    MitigatingAction.objects.create(partnership=version.partnership, action=action, text="Extra sessions booked")
    assert "Extra sessions booked" in record()
    assert computed_and_cached(client, url) == (computed, cached)  # as many queries with more records
