"""Channel in a real browser: a partner refers using the keyboard, the Channel chair works a case, and axe
checks every Channel page, its error states and the pages behind single-use links."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from prevent_hub.channel import services
from prevent_hub.channel.demo import load_channel_demo
from prevent_hub.channel.models import Case, Review
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import OrganisationFactory, UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.governance.demo import load_warwickshire_governance
from prevent_hub.governance.models import Group, Meeting

from .conftest import fill_date, run_axe
from .test_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel_demo():
    partnership, _ = load_warwickshire()
    load_warwickshire_governance(partnership)
    load_channel_demo(partnership)
    chair = UserFactory(email="chair@example.test", roles=[(partnership, Role.CHANNEL_CHAIR)])
    partner = UserFactory(email="partner@example.test", roles=[(partnership, Role.PREVENT_LEAD)])
    return partnership, chair, partner


def test_a_partner_makes_a_referral_with_the_keyboard(page, live_server, channel_demo):
    partnership, _, partner = channel_demo
    sign_in(page, live_server.url, partner)
    page.goto(f"{live_server.url}/p/warwickshire/channel/refer/")
    failures = {}
    page.get_by_role("button", name="Send referral").click()  # empty: every required field says so
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["referral (errors)"] = run_axe(page)
    page.get_by_label("Full name").fill("Invented Person")
    fill_date(page, "Date of birth", 5, 4, 2009)
    page.get_by_label("Gender").select_option("other")
    page.get_by_label("District").fill("Rugby")
    page.get_by_label("How the concerns arose").fill("Noticed in class over several weeks")
    page.get_by_label("What was seen or heard (indicators)").fill("Repeated statements from videos")
    page.get_by_label("Referrer's name").fill("Invented Referrer")
    page.get_by_label("Referrer's sector").select_option("education")
    page.get_by_role("button", name="Send referral").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/channel/refer/received/$"))
    reference = Case.objects.get(referrer_name="Invented Referrer").reference
    assert reference in page.locator("main").inner_text()
    failures["referral received"] = run_axe(page)
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []


def test_every_channel_page_passes_axe_for_the_chair(page, live_server, channel_demo):
    partnership, chair, _ = channel_demo
    case = Case.objects.filter(partnership=partnership, stage="gathering").first()
    organisation = OrganisationFactory(partnership=partnership, name="Invented Trust")
    panel = Group.objects.get(partnership=partnership, kind="channel_panel")
    meeting = Meeting.objects.create(partnership=partnership, group=panel, status="held",
                                     starts_at=timezone.now() - dt.timedelta(days=5))
    _, token = services.information_request_create(actor=None, case=case, organisation=organisation, question="Known?",
                                                   due_on=timezone.localdate() + dt.timedelta(days=3), with_link=True)
    services.panel_list(actor=None, case=case, meeting=meeting)
    services.panel_decide(actor=None, case=case, decision="adopt", method="consensus", rationale="Agreed",
                          decided_on=timezone.localdate() - dt.timedelta(days=4), meeting=meeting)
    services.consent_record(actor=None, case=case, asked_from="person", asked_by="Coordinator", method="in_person",
                            asked_on=timezone.localdate() - dt.timedelta(days=3), outcome="given")
    feedback_token = services.feedback_link_issue(actor=None, case=case, audience="person")
    exited = Case.objects.filter(partnership=partnership, stage="gathering").exclude(pk=case.pk).first()
    services.panel_list(actor=None, case=exited, meeting=meeting)
    services.panel_decide(actor=None, case=exited, decision="adopt", method="chair", rationale="r",
                          decided_on=timezone.localdate() - dt.timedelta(days=4))
    services.case_exit(actor=None, case=exited, exited_on=timezone.localdate(), reason="consent_refused")
    review = Review.objects.filter(case=exited, kind="post_exit_6").get()

    sign_in(page, live_server.url, chair)
    base = f"{live_server.url}/p/warwickshire/channel"
    failures = {}

    def check(path, name=None, status=200):
        response = page.goto(live_server.url + path if path.startswith("/") else path)
        assert response.status == status, (path, response.status)
        failures[name or path] = run_axe(page)

    check("/p/warwickshire/channel/")
    page.goto(f"{base}/{case.pk}/")
    assert "/purpose/" in page.url
    failures["purpose"] = run_axe(page)
    page.get_by_role("button", name="Continue").click()  # no reason chosen: an error
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["purpose (errors)"] = run_axe(page)
    page.get_by_label("Preparing for or attending the panel").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf"/channel/{case.pk}/$"))
    assert case.reference in page.locator("h1").inner_text()
    failures["case"] = run_axe(page)
    for piece in ("request-information", "consent", "assessment", "support", "review", "exit", "feedback-link",
                  "erase"):
        check(f"{base}/{case.pk}/{piece}/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["erase (errors)"] = run_axe(page)
    check(f"{base}/{case.pk}/assessment/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures["assessment (errors)"] = run_axe(page)
    page.goto(f"{base}/{exited.pk}/purpose/")
    page.get_by_label("Arranging or reviewing support").check()
    page.get_by_role("button", name="Continue").click()
    failures["exited case"] = run_axe(page)
    check(f"{base}/{exited.pk}/reviews/{review.pk}/")
    for path in ("approvals/", "feedback/", "factors/", "retention/", "requests/", "refer/"):
        check(f"{base}/{path}")
    page.goto(f"{base}/factors/")
    expect(page.get_by_role("button", name=re.compile("standard factors"))).to_be_visible()
    check(f"/channel/request/{token}/")
    check(f"/channel/feedback/{feedback_token}/")
    check("/channel/feedback/not-a-real-link/", status=404)
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []
