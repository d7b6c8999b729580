"""The statistics pages in a real browser: axe on each (with small numbers hidden, and in full for the case
team), a form's error state, no horizontal scrolling at 320 pixels, and nothing fetched from elsewhere."""
import pytest
from playwright.sync_api import expect

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.insights.demo import load_demo_referrals
from prevent_hub.insights.models import Referral

from .conftest import run_axe
from .test_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def statistics_demo():
    partnership, _ = load_warwickshire()
    load_demo_referrals(partnership)
    return partnership


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CHANNEL_CHAIR])
def test_statistics_pages_pass_axe(page, live_server, statistics_demo, role):
    user = UserFactory(email=f"{role}@example.test", roles=[(statistics_demo, role)])
    sign_in(page, live_server.url, user)
    base = f"{live_server.url}/p/warwickshire"
    failures = {}
    referral = Referral.objects.first()
    paths = ["/statistics/?year=2024", "/statistics/?year=2023", "/referral-records/import/", "/monthly-counts/",
             "/monthly-counts/add/"]
    if role == Role.CHANNEL_CHAIR:  # record-level referral data is for the case team
        paths += ["/referral-records/", f"/referral-records/{referral.pk}/"]
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, path
        failures[path] = run_axe(page)
    page.goto(base + "/monthly-counts/add/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["monthly count (errors)"] = run_axe(page)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base + "/statistics/?year=2024")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []
