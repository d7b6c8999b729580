"""The Channel Panel's meetings: the chair plans them, a case is listed at the coming ones (soonest first)
and can be moved to another (logged); who sees what on the panel meetings page."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_hub.audit.models import AccessLog
from prevent_hub.channel import forms, services
from prevent_hub.channel.models import PanelListing
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.matrix import ALL_ROLES, change_log_rows, row_counts
from prevent_hub.governance.models import Group, Meeting

from .conftest import case_url, channel_meeting, with_purpose

coverage.register("channel:panel_meetings", "channel:case_move_listing")


def coming(partnership, days):
    group = Group.objects.get(partnership=partnership, kind="channel_panel")
    return Meeting.objects.create(partnership=partnership, group=group, location="Secure room",
                                  starts_at=timezone.now() + dt.timedelta(days=days))


@pytest.fixture
def listed(channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    later, sooner = coming(world.a, 40), coming(world.a, 10)
    return world, case, sooner, later


def test_listing_offers_the_coming_meetings_soonest_first_then_the_held_ones(client, listed):
    world, case, sooner, later = listed
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    field = client.get(case_url("case_list_for_panel", case)).context["form"].fields["meeting"]
    values = [value for value, _label in field.choices if not isinstance(_label, list)][1:]
    assert values[:2] == [sooner.pk, later.pk]
    held = next(group for label, group in field.choices if isinstance(group, list))
    assert [pk for pk, _label in held] == [world.meeting.pk]  # held 55 days ago: recorded after the event


def test_with_no_meeting_planned_the_form_says_who_plans_them(client, channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    page = client.get(case_url("case_list_for_panel", case)).content.decode()
    assert "No Channel Panel meeting is planned" in page and "Panel meetings" in page
    response = client.post(case_url("case_list_for_panel", case), {})
    assert response.status_code == 400 and "Choose the Channel Panel meeting" in response.content.decode()


def test_a_listed_case_moves_to_another_coming_meeting_and_the_move_is_logged(client, listed):
    world, case, sooner, later = listed
    services.panel_list(actor=None, case=case, meeting=sooner)
    chair = world.users[Role.CHANNEL_CHAIR]
    client.force_login(chair)
    with_purpose(client, case)
    form = client.get(case_url("case_move_listing", case)).context["form"]
    assert sooner.pk not in [value for value, _ in form.fields["meeting"].choices]  # not where it already is
    before = AccessLog.objects.filter(event="alteration").count()
    response = client.post(case_url("case_move_listing", case), {"meeting": later.pk})
    assert response.status_code == 302
    listing = PanelListing.objects.get(case=case)
    assert listing.meeting == later
    assert change_log_rows(listing, "update").count() == 1
    assert AccessLog.objects.filter(event="alteration").count() == before + 1
    # Moving to a meeting already held, or to another partnership's, is refused and changes nothing.
    elsewhere = channel_meeting(world.b, days_ago=-5)
    state = row_counts()
    for meeting in (world.meeting, elsewhere):
        response = client.post(case_url("case_move_listing", case), {"meeting": meeting.pk})
        assert response.status_code == 400
    assert row_counts() == state
    with pytest.raises(services.CaseError, match="already listed for that meeting"):
        services.panel_move(actor=chair, case=case, meeting=later)


def test_the_chair_plans_the_panels_meetings_and_adds_one(client, channel_world):
    world = channel_world
    panel = Group.objects.get(partnership=world.a, kind="channel_panel")
    panel.cadence = "monthly"
    panel.save()
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    page = client.get(reverse("channel:panel_meetings", kwargs={"partnership": "alpha"}))
    assert "No meeting is planned" in page.content.decode()
    first = timezone.localdate() + dt.timedelta(days=7)
    plan = reverse("governance:group_plan_meetings", kwargs={"partnership": "alpha", "pk": panel.pk})
    response = client.post(plan + "?next=/p/alpha/channel/panel-meetings/", {
        "first_0": first.day, "first_1": first.month, "first_2": first.year, "at": "10am", "location": "Secure room",
        "until_0": first.day, "until_1": first.month, "until_2": first.year + 1})
    assert response.status_code == 302 and response["Location"] == "/p/alpha/channel/panel-meetings/"
    planned = Meeting.objects.filter(group=panel, starts_at__date__gte=first)
    assert planned.count() in (12, 13)  # a month apart for a year (the last may fall after the last day asked for)
    assert {timezone.localtime(m.starts_at).weekday() for m in planned} == {first.weekday()}
    day = first + dt.timedelta(days=3)
    added = client.post(reverse("channel:panel_meetings", kwargs={"partnership": "alpha"}), {
        "starts_at_0": day.day, "starts_at_1": day.month, "starts_at_2": day.year, "starts_at_3": "2:30pm",
        "location": "Secure room"})
    assert added.status_code == 302
    extra = Meeting.objects.get(group=panel, starts_at__date=day)
    assert (timezone.localtime(extra.starts_at).hour, timezone.localtime(extra.starts_at).minute) == (14, 30)
    # The chair plans the panel's meetings only, not another group's.
    other = Group.objects.create(partnership=world.a, name="Strategy Group", kind="strategy_group", cadence="quarterly")
    assert client.get(reverse("governance:group_plan_meetings", kwargs={"partnership": "alpha",
                                                                        "pk": other.pk})).status_code == 403


@pytest.mark.parametrize("bad, message", [
    ({"starts_at_0": "31", "starts_at_1": "2", "starts_at_2": "2027", "starts_at_3": "10am"}, "must be a real date"),
    ({"starts_at_0": "3", "starts_at_1": "2", "starts_at_2": "2027", "starts_at_3": "25 o'clock"}, "like 2pm or 14:30"),
    ({"starts_at_0": "", "starts_at_1": "", "starts_at_2": "", "starts_at_3": ""}, "Enter the meeting&#x27;s date"),
])
def test_a_panel_meeting_with_a_bad_date_or_time_is_refused_with_the_reason(client, channel_world, bad, message):
    client.force_login(channel_world.users[Role.CHANNEL_CHAIR])
    before = row_counts()
    response = client.post(reverse("channel:panel_meetings", kwargs={"partnership": "alpha"}), bad)
    assert response.status_code == 400 and message in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_the_panel_meetings_and_who_plans_them(client, listed, role):
    world, case, sooner, later = listed
    services.panel_list(actor=None, case=case, meeting=sooner)
    client.force_login(world.users[role])
    url = reverse("channel:panel_meetings", kwargs={"partnership": "alpha"})
    viewers = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.CHANNEL_CHAIR, Role.POLICE_PREVENT, Role.PANEL_MEMBER}
    planners = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.CHANNEL_CHAIR}
    page = client.get(url)
    assert page.status_code == (200 if role in viewers else 403)
    if role in viewers:
        html = page.content.decode()
        assert ("Cases listed" in html) == (role in {Role.CHANNEL_CHAIR, Role.POLICE_PREVENT})
        assert case.reference not in html
    before = row_counts()
    day = timezone.localdate() + dt.timedelta(days=90)
    response = client.post(url, {"starts_at_0": day.day, "starts_at_1": day.month, "starts_at_2": day.year,
                                 "starts_at_3": "10am"})
    assert response.status_code == (302 if role in planners else 403)
    if role not in planners:
        assert row_counts() == before


def test_the_meeting_choice_reads_as_a_date(listed):
    _world, _case, sooner, _later = listed
    label = forms.panel_meeting_label(sooner)
    assert "at" in label and "Secure room" in label and str(sooner.starts_at.year) in label


def test_the_demo_lists_two_cases_at_the_panels_next_meeting(db):
    """bin/run's demo: the chair opening Panel meetings sees the next one with cases to discuss."""
    from prevent_hub.channel.demo import load_channel_demo
    from prevent_hub.directory.demo import load_warwickshire
    from prevent_hub.governance.demo import load_current_year_governance, load_warwickshire_governance

    partnership, _ = load_warwickshire()
    load_warwickshire_governance(partnership)
    load_current_year_governance(partnership)
    load_channel_demo(partnership)
    next_meeting = services.upcoming_panel_meetings(partnership).first()
    assert next_meeting is not None and next_meeting.starts_at >= timezone.now() - dt.timedelta(days=1)
    listed = PanelListing.objects.filter(meeting=next_meeting)
    assert listed.count() == 2 and {listing.case.stage for listing in listed} == {"panel"}  # listed for panel
