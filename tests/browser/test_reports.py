"""The reports pages in a real browser: axe on the list, the request form (and its errors), a report's
page while it is being made and once ready, and the template upload."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.reports import services

from .conftest import run_axe
from .test_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_reports_pages_pass_axe(page, live_server):
    partnership, _ = load_warwickshire()
    version = load_warwickshire_plan(partnership)
    coordinator = UserFactory(email="coordinator@example.test", roles=[(partnership, Role.COORDINATOR)])
    draft = services.report_request(actor=None, partnership=partnership, kind="quarterly", period=dt.date(2018, 1, 15),
                                    plan_version=version)
    waiting = services.report_request(actor=None, partnership=partnership, kind="annual", period=dt.date(2018, 1, 15),
                                      plan_version=version)
    waiting = services.report_draft_save(actor=None, run=waiting, commentary="c", highlights="h", case_study="",
                                         expected_version=waiting.version, make=True)
    ready = services.report_request(actor=None, partnership=partnership, kind="action_plan", plan_version=version)
    services.report_generate(ready.pk)
    sign_in(page, live_server.url, coordinator)
    base = f"{live_server.url}/p/warwickshire"
    failures = {}
    for path in ("/reports/", "/reports/new/", f"/reports/{draft.pk}/", f"/reports/{waiting.pk}/", f"/reports/{ready.pk}/",
                 "/report-templates/", "/report-templates/add/"):
        response = page.goto(base + path)
        assert response.status == 200, path
        failures[path] = run_axe(page)
    page.goto(base + "/reports/new/")
    page.get_by_label("Quarterly Prevent Officer update").check()
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year", exact=True).fill("2018")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["new report (errors)"] = run_axe(page)
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []
