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


def test_the_import_and_upload_pages_pass_axe_with_their_errors(page, live_server, statistics_demo, tmp_path):
    """The referral import asking for a category for an unknown value, the Home Office tables upload refusing a
    file, the figures kept, and a year with no referrals."""
    import csv

    from prevent_hub.insights.tests import home_office as ho

    user = UserFactory(email="keeper@example.test", roles=[(statistics_demo, Role.COORDINATOR)])
    sign_in(page, live_server.url, user)
    base = f"{live_server.url}/p/warwickshire"
    failures = {}
    page.goto(base + "/statistics/?year=2019")
    expect(page.get_by_role("heading", name="No referrals were recorded in 2019/20")).to_be_visible()
    failures["a year with no referrals"] = run_axe(page)

    with open(tmp_path / "referrals.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Reference", "Referral date", "Sector", "Age", "Gender", "Type of concern", "Stage reached"])
        for n in range(30):
            writer.writerow([f"B{n}", "2024-06-01", "Police", 30, "Male", "Right Wing" if n < 20 else "Islamist",
                             "No further action"])
    page.goto(base + "/referral-records/import/")
    page.set_input_files("#file", str(tmp_path / "referrals.csv"))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("‘Right Wing’, in rows 2–21 (20 rows)")
    failures["import: a value to choose a category for"] = run_axe(page)
    page.get_by_label("Type of concern: ‘Right Wing’").select_option(label="Extreme right-wing")
    page.get_by_role("button", name="Check the file again with these categories").click()
    expect(page.get_by_role("button", name="Confirm import")).to_be_visible()
    failures["import: preview with the category chosen"] = run_axe(page)
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("30 referral records added")

    page.goto(base + "/statistics/england-and-wales/import/")
    failures["upload"] = run_axe(page)
    (tmp_path / "tables.ods").write_bytes(ho.ods(ho.workbook(without=("gender",))))
    page.select_option("#year", "2023")
    page.set_input_files("#file", str(tmp_path / "tables.ods"))
    page.get_by_role("button", name="Upload and read").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The file has no table of referrals by gender")
    failures["upload (errors)"] = run_axe(page)
    (tmp_path / "tables.ods").write_bytes(ho.ods(ho.workbook()))
    page.select_option("#year", "2023")
    page.set_input_files("#file", str(tmp_path / "tables.ods"))
    page.get_by_role("button", name="Upload and read").click()
    expect(page.get_by_role("heading", name="England and Wales figures 2023/24")).to_be_visible()
    failures["England and Wales figures"] = run_axe(page)
    page.goto(base + "/statistics/england-and-wales/")
    failures["England and Wales figures, every year"] = run_axe(page)
    page.goto(base + "/statistics/?year=2023")
    expect(page.locator("main")).to_contain_text("uploaded for this year")
    failures["statistics with England and Wales"] = run_axe(page)
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []
