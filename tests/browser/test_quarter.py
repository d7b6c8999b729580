"""The quarter end to end, through the interface only (menus, links and buttons; no typed URLs).

The coordinator records the quarter's Strategy Group meeting and a WRAP session, invites an owner,
who sets a password, sets up a second factor and reports on two actions from My actions; the
quarter page shows who is missing and the coordinator (re-)sends a request; an owner without an
account updates through the emailed link (a real SMTP server on loopback); the coordinator makes the
quarterly report and the test reads the Word and PDF.

Run twice: with the clock in the quarter itself, and nine years later, as if everything were typed in
long after the events. The report must say the same things either way: it reports what happened in
its period, by the date of each event.
"""
import datetime as dt
import io
import re

import docx
import pytest
import time_machine
from playwright.sync_api import expect
from pypdf import PdfReader

from prevent_hub.accounts.demo import current_code
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import Person
from prevent_hub.governance.demo import load_warwickshire_governance
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.reports import services as report_services
from prevent_hub.reports.models import ReportRun
from prevent_hub.training.demo import load_warwickshire_training

from .conftest import fill_date, run_axe
from .test_journeys import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NEW_PASSWORD = "a long new passphrase for 2018"
LINK = re.compile(r"https?://[^\s/]+(/\S+)")


def mail_to(smtp_server, address) -> list[str]:
    return [m.get_payload(decode=True).decode() for m in smtp_server.messages if m["X-Envelope-To"] == address]


def link_in(body: str, part: str) -> str:
    return next(path for path in LINK.findall(body) if part in path)


def nav(page, area, item=None):
    """Follow the top bar to ``area`` and, in its own menu, to ``item``."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=area, exact=True).click()
    if item:
        page.get_by_role("navigation", name=f"{area} pages").get_by_role("link", name=item, exact=True).click()


def docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    return "\n".join([p.text for p in document.paragraphs]
                     + [" | ".join(c.text for c in row.cells) for t in document.tables for row in t.rows])


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@pytest.fixture
def settings_for_mail(settings, smtp_server, live_server):
    settings.SITE_URL = live_server.url
    return smtp_server


@pytest.mark.parametrize("clock", [dt.datetime(2018, 2, 20, 9, tzinfo=dt.UTC), dt.datetime(2027, 2, 22, 9, tzinfo=dt.UTC)],
                         ids=["in-the-quarter", "nine-years-later"])
def test_the_quarter_end_to_end_and_its_report_tells_what_happened(chromium, live_server, settings_for_mail, clock):
    smtp_server = settings_for_mail
    with time_machine.travel(clock, tick=True):
        partnership, _ = load_warwickshire()
        load_warwickshire_plan(partnership)
        load_warwickshire_governance(partnership)
        load_warwickshire_training(partnership)
        coordinator = UserFactory(email="coordinator@example.test", full_name="Casey Coordinator",
                                  roles=[(partnership, Role.COORDINATOR)])
        Person.objects.filter(partnership=partnership, name="Karen Thomas").update(email="karen.thomas@example.test")
        Person.objects.filter(partnership=partnership, name="Dan Green").update(email="dan.green@example.test")
        failures = {}
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        base = live_server.url
        sign_in(page, base, coordinator)

        # The quarter's Strategy Group meeting, with attendance.
        nav(page, "Governance", "Meetings")
        page.get_by_role("link", name="Add meeting").click()
        page.get_by_label("Group").select_option(label="Warwickshire Prevent Strategy Group")
        fill_date(page, "Starts", 16, 1, 2018, time="2pm")
        page.get_by_label("Where").fill("Shire Hall, Warwick")
        page.get_by_label("Status").select_option(label="Held")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Warwickshire Prevent Strategy Group")
        page.get_by_text("Record attendance").click()
        page.get_by_label("Warwickshire County Council", exact=True).select_option(label="Present")
        page.get_by_label("Rugby Borough Council").select_option(label="Present")
        page.get_by_label("George Eliot Hospital NHS Trust").select_option(label="Apologies")
        page.get_by_role("button", name="Save attendance").click()
        expect(page.locator(".govuk-notification-banner")).to_be_visible()
        # An action arising sent with only who is to do it: the page again, the form open, "who" kept.
        page.get_by_text("Record a decision or an action arising").click()
        page.get_by_label("Who will do it").fill("Prevent Officer")
        page.get_by_role("button", name="Record it").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary.get_by_role("link", name="Choose whether it is a decision or an action arising")).to_be_visible()
        expect(summary.get_by_role("link", name="Enter the decision or the action arising")).to_be_visible()
        expect(page.get_by_label("Who will do it")).to_have_value("Prevent Officer")
        assert page.title().startswith("Error: ")
        failures["meeting (errors)"] = run_axe(page)
        page.get_by_label("Action arising").check()
        page.get_by_label("What was decided or agreed").fill("Write to absent authorities about attendance")
        page.get_by_role("button", name="Record it").click()
        expect(page.locator("main")).to_contain_text(
            "Action arising: Write to absent authorities about attendance – Prevent Officer")

        # A WRAP session for 27 people.
        nav(page, "Training", "Sessions")
        page.get_by_role("link", name=re.compile("^Add")).click()
        page.get_by_label("Course").select_option(label="WRAP (Workshop to Raise Awareness of Prevent)")
        fill_date(page, "Date", 20, 1, 2018)
        page.get_by_label("Venue").fill("Shire Hall")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Add attendance (a head-count or a named attendee)").click()
        page.get_by_label("Sector").select_option(label="Education and childcare")
        page.get_by_label("People").fill("27")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator("main")).to_contain_text("27")

        # Invite Dan Green, who owns 5.1 and 5.3, to sign in.
        nav(page, "Partnership", "People")
        page.get_by_role("link", name="Dan Green").click()
        page.get_by_role("button", name="Invite Dan Green to sign in").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("emailed an invitation")

        # Dan sets his password, sets up his second factor and reports on his two actions from My actions.
        dan = context.browser.new_context().new_page()
        dan.set_default_timeout(20_000)
        invitation = mail_to(smtp_server, "dan.green@example.test")[-1]
        assert "second factor" in invitation
        dan.goto(base + link_in(invitation, "/password/reset/key/"))
        dan.get_by_label(re.compile(r"^New password$", re.I)).fill(NEW_PASSWORD)
        dan.get_by_label(re.compile(r"^New password \(again\)$", re.I)).fill(NEW_PASSWORD)
        dan.get_by_role("button", name="Change password").click()
        dan.goto(base + "/")
        dan.get_by_label("Email").fill("dan.green@example.test")
        dan.get_by_label("Password").fill(NEW_PASSWORD)
        dan.keyboard.press("Enter")
        dan.wait_for_url(re.compile("/2fa/totp/activate/"))
        secret = dan.locator("#authenticator_secret").input_value()
        dan.get_by_label(re.compile("code", re.I)).fill(current_code(secret))
        dan.get_by_role("button", name="Continue").click()
        dan.get_by_role("link", name="Prevent Partnership Hub").click()
        nav(dan, "Plan", "My actions")
        expect(dan.get_by_role("heading", level=1)).to_have_text("My actions")
        failures["my actions"] = run_axe(dan)
        for ref, words in (("5.1", "Terms of reference reviewed with the panel"),
                           ("5.3", "Feedback form piloted with two families")):
            dan.get_by_role("link", name=re.compile(f"Report progress on {ref}")).click()
            dan.get_by_label("Status").select_option(label="On track")
            dan.get_by_label("Green").check()
            dan.get_by_label("Progress this period").fill(words)
            dan.get_by_role("button", name="Save the update").click()
            expect(dan.get_by_role("heading", level=1)).to_have_text("My actions")
        expect(dan.locator("main")).to_contain_text("2 of 2 updated for Q4 2017/18")

        # The coordinator's quarter: who is missing; a request to Karen Thomas (5.2), then a re-send.
        nav(page, "Plan", "This quarter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Q4 2017/18")
        failures["quarter"] = run_axe(page)
        chase = page.locator("main").inner_text()
        assert "Karen Thomas" in chase.split("Chase everyone at once")[1].split("Actions and owners")[0]
        assert "Dan Green" not in chase.split("Chase everyone at once")[1].split("Actions and owners")[0]
        page.get_by_role("button", name="Send request to Karen Thomas").first.click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Update request emailed to Karen Thomas")
        page.get_by_role("button", name="Re-send request to Karen Thomas").first.click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Update request emailed to Karen Thomas")

        # Karen, who has no account, updates through the newest emailed link; the first one no longer works.
        first, newest = mail_to(smtp_server, "karen.thomas@example.test")[-2:]
        karen = context.browser.new_context().new_page()
        karen.set_default_timeout(20_000)
        karen.goto(base + link_in(first, "/update/"))
        expect(karen.get_by_role("heading", level=1)).to_have_text("This link no longer works")
        karen.goto(base + link_in(newest, "/update/"))
        expect(karen.get_by_role("heading", level=1)).to_have_text("Update your actions for Q4 2017/18")
        failures["owner link"] = run_axe(karen)
        card = karen.locator(".app-card", has_text="5.2")
        card.get_by_label("Status").select_option(label="On track")
        card.get_by_label("Amber").check()
        card.get_by_label("Progress this period").fill("Case management system in testing with the panel")
        karen.get_by_role("button", name="Save my updates").click()
        expect(karen.get_by_role("heading", level=1)).to_have_text("Updates saved")

        # The quarterly report, with the coordinator's commentary written into its draft.
        nav(page, "Reports", "Reports")
        page.get_by_role("link", name=re.compile("^Make a report|^Add")).click()
        page.get_by_label("Quarterly Prevent Officer update").check()
        page.get_by_label("Quarter (for the quarterly update)").select_option(
            label=next(o for o in page.locator("#id_quarter option").all_inner_texts() if o.startswith("Q4 2017/18")))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("The Prevent Officer's commentary").fill("A quarter of steady progress across the plan.")
        page.get_by_role("button", name="Make the report").click()
        run = ReportRun.objects.get(partnership=partnership, kind="quarterly")
        report_services.report_generate(run.pk)  # the background worker's job
        page.reload()
        with page.expect_download() as word:
            page.get_by_role("link", name=re.compile(r"^Word\s+version")).click()
        with page.expect_download() as pdf:
            page.get_by_role("link", name=re.compile(r"^PDF\s+version")).click()
        word_text = docx_text(open(word.value.path(), "rb").read())
        pdf_plain = " ".join(pdf_text(open(pdf.value.path(), "rb").read()).split())

        # Reported, so the quarter is locked: after a question that says what locking does.
        nav(page, "Plan", "This quarter")
        page.get_by_role("link", name=re.compile(r"^Lock Q4 2017\/18")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Lock Q4 2017/18?")
        expect(page.locator("main")).to_contain_text("Actions updated")
        failures["lock"] = run_axe(page)
        page.get_by_role("button", name="Lock Q4 2017/18").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Q4 2017/18 locked")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Q4 2017/18")  # back on the quarter page
        expect(page.get_by_role("link", name="Unlock Q4 2017/18")).to_be_visible()
        context.close()

    assert {k: v for k, v in failures.items() if v} == {}
    for text in (word_text, pdf_plain):
        flat = " ".join(text.split())
        assert "Prevent Officer update: Q4 2017/18" in flat
        assert "A quarter of steady progress across the plan." in flat
        assert "Terms of reference reviewed with the panel" in flat  # both of Dan's narratives
        assert "Feedback form piloted with two families" in flat
        assert "Case management system in testing with the panel" in flat  # Karen's, by her link
        assert "16 January 2018" in flat and "Warwickshire Prevent Strategy Group" in flat  # the meeting
        assert "Write to absent authorities about attendance" in flat  # and what it agreed
        assert "27 people trained from 1 January 2018 to 31 March 2018, at 1 session" in flat
        assert "Annual Prevent event and plan refresh" in flat  # coming up: due 31 May 2018
    assert "1 meeting from 1 January 2018" in word_text
    assert "Dan Green" in word_text and "Karen Thomas (emailed link)" in word_text
