"""Real-browser journeys: sign in with MFA, see the demo directory, and axe on every page a coordinator reaches."""
import datetime
import re
from collections import Counter
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from prevent_hub.accounts.demo import current_code
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory, totp_secret
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import Organisation
from prevent_hub.governance.demo import load_warwickshire_governance
from prevent_hub.governance.models import Group
from prevent_hub.governance.services import meetings_generate
from prevent_hub.plans.demo import SEED, load_warwickshire_plan
from prevent_hub.plans.models import PlanVersion
from prevent_hub.plans.reminders import owner_link_issue
from prevent_hub.training.demo import load_warwickshire_training
from prevent_hub.training.models import Course, HeadCount, SessionLink, TrainingSession
from prevent_hub.training.services import session_link_issue

from .conftest import run_axe

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    partnership, _ = load_warwickshire()
    load_warwickshire_plan(partnership)
    load_warwickshire_governance(partnership)
    load_warwickshire_training(partnership)
    coordinator = UserFactory(email="coordinator@example.test", roles=[(partnership, Role.COORDINATOR)])
    return partnership, coordinator


def sign_in(page, base_url, user):
    page.goto(base_url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label(re.compile("code", re.I)).fill(current_code(totp_secret(user)))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/p/warwickshire/"))


def test_coordinator_signs_in_with_mfa_and_sees_every_specified_authority(page, live_server, demo):
    partnership, coordinator = demo
    sign_in(page, live_server.url, coordinator)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Partnership").click()
    assert page.get_by_role("heading", level=1).inner_text() == partnership.name
    page.goto(f"{live_server.url}/p/warwickshire/organisations/?is_specified_authority=true")
    expected = Organisation.objects.filter(partnership=partnership, is_specified_authority=True)
    body = page.locator("main").inner_text()
    for org in expected:
        assert org.name in body, org.name
        assert org.get_sector_display() in body
    assert page.foreign_requests == []


def _links(page, base_url):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        url = urljoin(page.url, href)
        parsed = urlparse(url)
        if url.startswith(base_url) and "logout" not in parsed.path and not parsed.path.startswith("/static/"):
            yield url.split("#")[0]


def test_every_page_a_coordinator_can_reach_passes_axe(page, live_server, demo):
    partnership, coordinator = demo
    sign_in(page, live_server.url, coordinator)
    queue, seen, per_view, checked = [page.url], set(), Counter(), []
    failures = {}
    while queue and len(checked) < 250:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            match = resolve(urlparse(url).path)
        except Resolver404:
            continue
        if "format=" in url or match.url_name.endswith(("_export", "download_recovery_codes", "_chart", "_subject_access")):
            continue  # downloads, not pages
        view = match.view_name
        if per_view[view] >= 1:
            continue
        per_view[view] += 1
        response = page.goto(url)
        assert response.status < 400, (url, response.status)
        violations = run_axe(page)
        if violations:
            failures[url] = violations
        checked.append(url)
        queue.extend(link for link in _links(page, live_server.url) if link not in seen)
    # The error state of a form: submit an empty "add" form.
    page.goto(f"{live_server.url}/p/warwickshire/organisations/add/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    if run_axe(page):
        failures["organisation add (errors)"] = run_axe(page)
    # Tracking pages with data in them: the dashboard as of a day in the plan's year, and the
    # progress form with its errors.
    version = PlanVersion.objects.get()
    action = version.actions.get(ref="5.2")
    owner_token = owner_link_issue(actor=None, version=version, person=action.owners.first().person,
                                   period_start=version.issued_date)
    training_session = TrainingSession.objects.create(partnership=partnership, course=Course.objects.first(),
                                                      date=datetime.date(2018, 2, 2), venue="Shire Hall")
    HeadCount.objects.create(partnership=partnership, session=training_session, sector="education", role="Teachers",
                             count=12)
    feedback_token = session_link_issue(actor=None, session=training_session, purpose=SessionLink.Purpose.FEEDBACK)
    return_token = session_link_issue(actor=None, session=training_session, purpose=SessionLink.Purpose.RETURN)
    strategy_group = Group.objects.get(short_name="PSG")
    meeting = meetings_generate(actor=None, group=strategy_group, first=datetime.date(2018, 1, 16), at=datetime.time(14),
                                until=datetime.date(2018, 3, 31))[0]
    for url in ("/p/warwickshire/governance/diagram/", "/p/warwickshire/governance/attendance/?as_of=2018-03-20",
                f"/p/warwickshire/groups/{strategy_group.pk}/", f"/p/warwickshire/meetings/{meeting.pk}/",
                "/p/warwickshire/training/coverage/", f"/p/warwickshire/training-sessions/{training_session.pk}/",
                f"/training/feedback/{feedback_token}/", f"/training/return/{return_token}/",
                "/p/warwickshire/elearning-completions/import/",
                "/calendar/", "/p/warwickshire/groups/", "/p/warwickshire/meetings/", "/p/warwickshire/seats/",
                "/p/warwickshire/terms-of-reference/", "/p/warwickshire/reporting-lines/", "/p/warwickshire/obligations/",
                "/p/warwickshire/meetings/add/", "/p/warwickshire/reminder-emails/",
                f"/p/warwickshire/plan-versions/{version.pk}/dashboard/?as_of=2018-01-15",
                f"/p/warwickshire/plan-versions/{version.pk}/refresh/",
                f"/p/warwickshire/actions/{version.actions.get(ref='1.2').pk}/",
                f"/update/{owner_token}/", "/update/not-a-real-link/",
                "/p/warwickshire/actions/?tag=OFOF", f"/p/warwickshire/actions/{action.pk}/report-progress/"):
        page.goto(live_server.url + url)
        if run_axe(page):
            failures[url] = run_axe(page)
    page.get_by_role("button", name="Save the update").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    if run_axe(page):
        failures["report progress (errors)"] = run_axe(page)
    # The plan import preview (every action with its owners and timescale) and its error state.
    page.goto(f"{live_server.url}/p/warwickshire/plans/import/")
    page.set_input_files("#file", str(SEED))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Import this plan")).to_be_visible()
    if run_axe(page):
        failures["plan import preview"] = run_axe(page)
    page.goto(f"{live_server.url}/p/warwickshire/plans/import/")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    if run_axe(page):
        failures["plan import (errors)"] = run_axe(page)
    assert failures == {}, failures
    assert 60 <= len(checked) < 250, len(checked)  # under the cap: the crawl reached every kind of page
    for part in ("/plan-versions/", "/actions/", "/reminder-emails/", "/plans/"):
        assert any(part in url for url in checked), (part, checked)
    assert page.foreign_requests == []


def test_pages_reflow_at_320_pixels_without_horizontal_scrolling(page, live_server, demo):
    partnership, coordinator = demo
    sign_in(page, live_server.url, coordinator)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/p/warwickshire/", "/p/warwickshire/organisations/", "/p/warwickshire/people/", "/accessibility/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)


def test_public_pages_pass_axe_signed_out(page, live_server, db):
    failures = {}
    for path in ("/accounts/login/", "/accounts/password/reset/", "/accessibility/"):
        page.goto(live_server.url + path)
        violations = run_axe(page)
        if violations:
            failures[path] = violations
    assert failures == {}


def test_session_timeout_warning_offers_to_stay_signed_in(page, live_server, demo, settings):
    partnership, coordinator = demo
    sign_in(page, live_server.url, coordinator)
    page.clock.install()
    page.reload()
    # Jump to one minute before the warning would be too late.
    page.clock.fast_forward((settings.IDLE_TIMEOUT_SECONDS - settings.IDLE_WARNING_SECONDS + 5) * 1000)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible")
    assert not run_axe(page)
    dialog.get_by_role("button", name=re.compile("Stay signed in", re.I)).click()
    dialog.wait_for(state="hidden")
