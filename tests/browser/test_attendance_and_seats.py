"""Training attendance by the attendees' organisation and seats for any organisation, in a real browser: the
trainer's return (its lines, and its errors), a session's attendance form with a refused line, and the pages
that list seats and members with their specified-authority tags, each through axe."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import Organisation
from prevent_hub.governance.demo import load_warwickshire_governance
from prevent_hub.governance.models import Group, Meeting
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.training.models import Course, SessionLink, TrainingSession
from prevent_hub.training.services import session_link_issue

from .conftest import run_axe
from .test_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    partnership, _ = load_warwickshire()
    load_warwickshire_plan(partnership)
    load_warwickshire_governance(partnership)
    council = Organisation.objects.get(partnership=partnership, short_name="WCC")
    session = TrainingSession.objects.create(partnership=partnership, course=Course.objects.create(
        partnership=partnership, name="WRAP", level="wrap"), date=dt.date(2018, 2, 2), venue="Shire Hall", host=council)
    return partnership, session


def test_a_trainer_returns_nurses_under_their_trust_and_the_form_and_its_errors_pass_axe(page, live_server, demo):
    partnership, session = demo
    trust = Organisation.objects.get(partnership=partnership, short_name="GEH")
    token = session_link_issue(actor=None, session=session, purpose=SessionLink.Purpose.RETURN)
    failures = {}
    page.goto(f"{live_server.url}/training/return/{token}/")
    failures["return"] = run_axe(page)
    page.get_by_label("Your name").fill("Sam Trainer")
    line_2 = page.get_by_role("group", name="Line 2 (optional)")
    line_2.get_by_label("People", exact=True).fill("3")  # no organisation and no sector
    page.get_by_role("button", name="Send the figures").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    for message in ("Enter how many people attended on line 1", "Choose the organisation or the sector on line 1",
                    "Choose the organisation or the sector on line 2"):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    failures["return (errors)"] = run_axe(page)
    line_1 = page.get_by_role("group", name="Line 1")
    line_1.get_by_label("Organisation the people work for").select_option(label=trust.name)
    line_1.get_by_label("Role (optional)").fill("Nurses")
    line_1.get_by_label("People", exact=True).fill("4")
    line_2.get_by_label("Sector, if their organisation is not in the list").select_option(label="Faith")
    page.get_by_role("button", name="Send the figures").click()
    expect(page.get_by_role("heading", name="Figures received")).to_be_visible()
    assert sorted(session.head_counts.values_list("organisation__short_name", "sector", "count"),
                  key=str) == sorted([("GEH", "health", 4), (None, "faith", 3)], key=str)
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []


def test_pages_with_seats_members_and_a_refused_attendance_line_pass_axe(page, live_server, demo):
    partnership, session = demo
    coordinator = UserFactory(email="coordinator@example.test", roles=[(partnership, Role.COORDINATOR)])
    group = Group.objects.get(partnership=partnership, short_name="PSG")
    meeting = Meeting.objects.create(partnership=partnership, group=group, status="held",
                                     starts_at=dt.datetime(2018, 2, 15, 10, tzinfo=dt.UTC))
    seat = group.seats.get(organisation__short_name="CAVA")
    sign_in(page, live_server.url, coordinator)
    base = f"{live_server.url}/p/warwickshire"
    failures = {}
    for path in (f"/groups/{group.pk}/", "/seats/", f"/seats/{seat.pk}/", "/seats/add/", f"/meetings/{meeting.pk}/",
                 "/governance/attendance/?as_of=2018-03-20", "/training/coverage/?as_of=2018-03-20"):
        response = page.goto(base + path)
        assert response.status == 200, path
        failures[path] = run_axe(page)
    page.goto(f"{base}/groups/{group.pk}/")
    cava = page.get_by_role("row").filter(has_text="Warwickshire Community and Voluntary Action")
    expect(cava.get_by_text("Not a specified authority")).to_be_visible()
    page.goto(f"{base}/governance/attendance/?as_of=2018-03-20")
    expect(page.get_by_role("heading", name="Other members")).to_be_visible()
    # A refused line of attendance: the session page again, with the error summary and the form open.
    page.goto(f"{base}/training-sessions/{session.pk}/")
    page.get_by_text("Add attendance (a head-count or a named attendee)").click()
    page.get_by_label("People", exact=True).fill("4")
    page.get_by_role("button", name="Add", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Choose the organisation or the sector")).to_be_visible()
    assert page.title().startswith("Error: ")
    failures["session (errors)"] = run_axe(page)
    summary.get_by_role("link", name="Choose the organisation or the sector").click()
    expect(page.get_by_label("Attendees' organisation")).to_be_focused()
    assert {k: v for k, v in failures.items() if v} == {}
    assert not session.head_counts.exists()
