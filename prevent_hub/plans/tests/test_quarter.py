"""The quarter end to end: people linked to accounts, My actions, the coordinator's quarter page and the
owners' one-sitting links, with the bad inputs each must refuse without changing anything.

The clock is fixed on 8 December 2026 (Q3 2026/27) and the demo rolls the seed plan into that year,
with updates for Q1 and Q2 (locked) and some for Q3.
"""
import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from prevent_hub.accounts.models import Membership, User
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory, PreventLeadFactory, UserFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, change_log_rows, row_counts, user_with
from prevent_hub.core.testing.queries import queries
from prevent_hub.directory.models import Organisation, Person
from prevent_hub.plans import reminders, selectors
from prevent_hub.plans.choices import Cadence, TimescaleKind
from prevent_hub.plans.demo import SEED, load_current_version
from prevent_hub.plans.models import Action, ActionOwner, EmailLog, OwnerLink, PeriodLock, ProgressUpdate, Timescale
from prevent_hub.plans.parsing import parse_plan
from prevent_hub.plans.services import TrackingError, plan_import

coverage.register("plans:my_actions", "plans:quarter", "plans:quarter_request", "directory:person_invite")

TODAY = dt.datetime(2026, 12, 8, 10, tzinfo=dt.UTC)
Q3 = dt.date(2026, 10, 1)
LINK = re.compile(r"https?://[^/\s]+(/update/[^/\s]+/)")


@pytest.fixture(autouse=True)
def december_2026():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def quarter(db, settings):
    settings.SITE_URL = "http://testserver"
    partnership = PartnershipFactory(slug="alpha", name="Alpha Partnership", email_from_name="Alpha Prevent",
                                     email_from_address="prevent@alpha.example.test")
    plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                source_name=SEED.name)
    version = load_current_version(partnership)
    people = {p.name: p for p in Person.objects.filter(partnership=partnership)}
    for name, person in people.items():
        person.email = ".".join(name.lower().split()) + "@example.test"
        person.save()
    return version, people


def url(name, **kwargs):
    return reverse(f"plans:{name}", kwargs={"partnership": "alpha", **kwargs})


def ask(client, version, what, person=None, period=Q3):
    data = {"version": version.pk, "period": period.isoformat(), "what": what}
    if person is not None:
        data["person"] = person.pk
    return client.post(url("quarter_request"), data)


def form_of(action, **fields):
    return {f"action-{action.pk}-{name}": value for name, value in fields.items()}


# People and accounts -------------------------------------------------------------------------------

def test_a_coordinator_invites_a_person_who_then_signs_in_as_an_action_owner(client, quarter, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    version, people = quarter
    karen = people["Karen Thomas"]
    coordinator = user_with(Role.COORDINATOR, version.partnership)
    client.force_login(coordinator)
    page = client.get(karen.get_absolute_url()).content.decode()
    assert "Invite Karen Thomas to sign in" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:person_invite", kwargs={"partnership": "alpha", "pk": karen.pk}))
    assert response.status_code == 302
    karen.refresh_from_db()
    account = karen.user
    assert account.email == karen.email and not account.has_usable_password()
    assert set(Membership.objects.filter(user=account).values_list("role", flat=True)) == {"action_owner"}
    [invitation] = [m for m in mailoutbox if m.to == [karen.email]]
    assert invitation.from_email == "Alpha Prevent <prevent@alpha.example.test>"
    assert "/accounts/password/reset/key/" in invitation.body and "second factor" in invitation.body
    assert change_log_rows(karen, "update").count() == 1
    # Inviting again, or someone with no address, is refused with a reason and changes nothing.
    nobody = Person.objects.create(partnership=version.partnership, name="No Address")
    before = row_counts()
    again = client.post(reverse("directory:person_invite", kwargs={"partnership": "alpha", "pk": karen.pk}), follow=True)
    assert "Karen Thomas can already sign in." in again.content.decode()
    response = client.post(reverse("directory:person_invite", kwargs={"partnership": "alpha", "pk": nobody.pk}),
                           follow=True)
    assert "No Address has no email address. Add one to their entry first" in response.content.decode()
    assert row_counts() == before


def test_inviting_a_prevent_lead_makes_them_one_and_an_existing_account_is_linked_not_duplicated(
        client, quarter, django_capture_on_commit_callbacks):
    version, people = quarter
    partnership = version.partnership
    lead = PreventLeadFactory(partnership=partnership, start_date=dt.date(2025, 4, 1)).person
    existing = UserFactory(email=people["Dan Green"].email, roles=[(PartnershipFactory(slug="bravo"), Role.COORDINATOR)])
    client.force_login(user_with(Role.COORDINATOR, partnership))
    for person in (lead, people["Dan Green"]):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("directory:person_invite", kwargs={"partnership": "alpha", "pk": person.pk}))
    lead.refresh_from_db()
    assert set(Membership.objects.filter(user=lead.user, partnership=partnership).values_list("role", flat=True)) == {
        "action_owner", "prevent_lead"}
    assert Person.objects.get(pk=people["Dan Green"].pk).user == existing
    assert User.objects.filter(email=existing.email).count() == 1


def test_people_and_users_are_linked_from_both_sides(client, quarter):
    version, people = quarter
    partnership = version.partnership
    owner = user_with(Role.ACTION_OWNER, partnership, full_name="Paul T")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    paul = people["Paul Tolley"]
    data = {"name": paul.name, "job_title": paul.job_title, "email": paul.email, "user": owner.pk,
            "expected_version": paul.version}
    assert client.post(reverse("directory:person_edit", kwargs={"partnership": "alpha", "pk": paul.pk}), data).status_code == 302
    assert Person.objects.get(pk=paul.pk).user == owner
    # The same account cannot be linked to a second entry.
    karen = people["Karen Thomas"]
    response = client.post(reverse("directory:person_edit", kwargs={"partnership": "alpha", "pk": karen.pk}),
                           {"name": karen.name, "email": karen.email, "user": owner.pk, "expected_version": karen.version})
    assert response.status_code == 400 and "already linked to Paul Tolley" in response.content.decode()
    # An administrator links from the user's side: choosing Karen moves the link.
    client.force_login(user_with(Role.SYSTEM_ADMIN, partnership))
    owner.refresh_from_db()
    response = client.post(reverse("accounts:user_edit", kwargs={"partnership": "alpha", "pk": owner.pk}), {
        "full_name": owner.full_name, "email": owner.email, "roles": ["action_owner"], "person": karen.pk,
        "expected_version": owner.version})
    assert response.status_code == 302
    assert Person.objects.get(pk=karen.pk).user == owner and Person.objects.get(pk=paul.pk).user is None


# My actions -------------------------------------------------------------------------------------------

def test_my_actions_shows_what_an_owner_leads_supports_and_what_is_due_and_they_report_from_there(client, quarter):
    version, people = quarter
    owner = user_with(Role.ACTION_OWNER, version.partnership)
    people["Paul Tolley"].user = owner
    people["Paul Tolley"].save()
    client.force_login(owner)
    page = client.get(url("my_actions"))
    rows = {row["action"].ref: row for row in page.context["rows"]}
    assert set(rows) == {"1.3", "6.4"}
    assert (rows["1.3"]["part"], rows["6.4"]["part"]) == ("Lead", "Supporting")
    assert rows["1.3"]["update"].narrative.startswith("Forward plan of community events")
    assert rows["6.4"]["update"] is None
    html = page.content.decode()
    assert "1 of 2 updated for Q3 2026/27" in html and "Updates are due by 31 December 2026" in html
    six_four = rows["6.4"]["action"].pk
    report = re.search(rf'href="([^"]+/{six_four}/report-progress/\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    form = client.get(report)
    assert form.context["form"].initial["period_start"] == Q3.isoformat()
    assert [c[0] for c in form.context["form"].fields["period_start"].choices] == ["2026-10-01"]  # Q1, Q2 locked
    response = client.post(report, {"period_start": "2026-10-01", "status": "on_track", "rag": "amber",
                                    "narrative": "Venue checklist drafted with partners", "next": "/p/alpha/my-actions/"})
    assert response.status_code == 302, response.context["form"].errors and response["Location"] == "/p/alpha/my-actions/"
    update = ProgressUpdate.objects.get(action__ref="6.4", action__plan_version=version, period_start=Q3)
    assert update.person == people["Paul Tolley"] and update.author == owner
    # An outside ?next= is never followed.
    response = client.post(report, {"period_start": "2026-10-01", "status": "on_track", "rag": "green",
                                    "narrative": "More", "next": "https://elsewhere.example/"})
    assert response["Location"].startswith("/p/alpha/actions/")


def test_a_prevent_lead_reports_for_their_organisations_actions(client, quarter):
    version, _people = quarter
    partnership = version.partnership
    nbbc = Organisation.objects.get(partnership=partnership, name="Nuneaton and Bedworth Borough Council")
    lead = PreventLeadFactory(partnership=partnership, organisation=nbbc, start_date=dt.date(2025, 4, 1))
    user = user_with(Role.PREVENT_LEAD, partnership)
    lead.person.user = user
    lead.person.save()
    client.force_login(user)
    rows = client.get(url("my_actions")).context["rows"]
    assert {row["action"].ref for row in rows} == {"1.1", "6.6"}  # "NBBC – Abu Malek" owns them with others
    assert {row["part"] for row in rows} == {"Your organisation's"}
    action = rows[0]["action"]
    assert client.get(url("progressupdate_add", pk=action.pk)).status_code == 200
    other = version.actions.get(ref="3.1")
    assert client.get(url("progressupdate_add", pk=other.pk)).status_code == 403


def test_my_actions_explains_an_account_not_linked_to_the_directory(client, quarter):
    version, _ = quarter
    client.force_login(user_with(Role.ACTION_OWNER, version.partnership))
    html = client.get(url("my_actions")).content.decode()
    assert "Your account is not linked to an entry in the partnership's directory yet" in html


# The coordinator's quarter page ------------------------------------------------------------------------

def test_the_quarter_page_shows_who_has_reported_and_when_they_were_asked(client, quarter):
    version, people = quarter
    client.force_login(user_with(Role.COORDINATOR, version.partnership))
    page = client.get(url("quarter"))
    assert page.context["period"].start == Q3
    assert page.context["updated_count"] == 12 and page.context["action_count"] == 32
    rows = {row["action"].ref: row for row in page.context["rows"]}
    karen = next(s for s in rows["5.2"]["owners"] if s.person == people["Karen Thomas"])
    assert karen.reported is not None and karen.last_asked is None
    coleman = next(s for s in rows["1.2"]["owners"] if s.person == people["John Coleman"])
    assert coleman.reported is None and coleman.covered_by is None
    assert people["John Coleman"] in page.context["to_chase"]
    assert people["Karen Thomas"] not in page.context["to_chase"]


def test_a_request_to_one_owner_is_one_email_with_one_link_for_all_their_actions(client, quarter, smtp_server):
    version, people = quarter
    helene = people["Helene Heath"]
    client.force_login(user_with(Role.COORDINATOR, version.partnership))
    response = ask(client, version, "send", helene)
    assert response.status_code == 302
    [message] = [m for m in smtp_server.messages if m["X-Envelope-To"] == helene.email]
    body = message.get_payload(decode=True).decode()
    assert message["From"] == "Alpha Prevent <prevent@alpha.example.test>"
    assert len(LINK.findall(body)) == 1 and "in one sitting" in body
    assert body.count("\n3.") >= 3  # every open action of hers is listed, one link for them all
    log = EmailLog.objects.get(person=helene, kind=EmailLog.Kind.REQUEST)
    assert log.sent and log.period_start == Q3
    assert change_log_rows(OwnerLink.objects.get(person=helene), "create").count() == 1
    # A re-send retires the first link: only the newest works.
    first = LINK.search(body).group(1)
    ask(client, version, "send", helene)
    second = LINK.search([m for m in smtp_server.messages if m["X-Envelope-To"] == helene.email][-1]
                         .get_payload(decode=True).decode()).group(1)
    client.logout()
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_send_to_all_who_have_not_updated_skips_those_without_an_address_and_says_so(client, quarter, mailoutbox):
    version, people = quarter
    gloster = people["Alex Gloster"]
    gloster.email = ""
    gloster.save()
    client.force_login(user_with(Role.COORDINATOR, version.partnership))
    response = ask(client, version, "send-all")
    chased = selectors.people_to_chase(version, selectors.version_periods(version)[2])
    sent_to = {m.to[0] for m in mailoutbox}
    assert sent_to == {p.email for p in chased if p.email}
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("Alex Gloster has no email address" in m for m in messages)


def test_a_link_made_for_a_phone_call_is_shown_once_and_opens_all_their_actions(client, quarter):
    version, people = quarter
    helene = people["Helene Heath"]
    client.force_login(user_with(Role.COORDINATOR, version.partnership))
    page = client.get(ask(client, version, "link", helene)["Location"])
    shown = page.context["new_link"]
    assert shown["person"] == "Helene Heath" and "/update/" in shown["url"]
    assert client.get(url("quarter")).context["new_link"] is None  # shown once
    client.logout()
    link_page = client.get(LINK.search(shown["url"]).group(1))
    refs = [action.ref for action, _update, _form in link_page.context["entries"]]
    assert refs == [a.ref for a in selectors.actions_for_owner(version, helene)] and len(refs) > 5


def test_an_update_recorded_for_an_owner_is_theirs_entered_by_the_coordinator(client, quarter):
    version, people = quarter
    coordinator = user_with(Role.COORDINATOR, version.partnership, full_name="Casey Coordinator")
    client.force_login(coordinator)
    action = version.actions.get(ref="1.2")
    coleman = people["John Coleman"]
    form_url = url("progressupdate_add", pk=action.pk) + f"?for={coleman.pk}"
    assert client.get(form_url).context["form"].initial["reporting_for"] == coleman.pk
    client.post(form_url, {"period_start": Q3.isoformat(), "status": "on_track", "rag": "green",
                           "narrative": "Told me by phone: platform options shortlisted", "reporting_for": coleman.pk})
    update = ProgressUpdate.objects.get(action=action, period_start=Q3)
    assert (update.person, update.on_behalf_of, update.author) == (coleman, "John Coleman", coordinator)
    row = next(r for r in client.get(url("quarter")).context["rows"] if r["action"] == action)
    assert next(s for s in row["owners"] if s.person == coleman).reported == update


@pytest.mark.parametrize("case", ["no email", "removed owner", "locked period", "another partnership's person"])
def test_bad_requests_get_a_clear_message_and_change_nothing(client, quarter, case, mailoutbox):
    version, people = quarter
    person, period = people["John Coleman"], Q3
    if case == "no email":
        person.email = ""
        person.save()
    elif case == "removed owner":
        ActionOwner.objects.filter(person=person).delete()
    elif case == "locked period":
        period = dt.date(2026, 4, 1)
    else:
        person = Person.objects.create(partnership=PartnershipFactory(slug="bravo"), name="Bravo Person",
                                       email="b@example.test")
    client.force_login(user_with(Role.COORDINATOR, version.partnership))
    before = row_counts()
    for what in ("send", "link"):
        response = ask(client, version, what, person, period)
        if case == "another partnership's person":
            assert response.status_code == 404
            continue
        shown = " ".join(str(m) for m in client.get(response["Location"]).context["messages"])
        expected = {"no email": "John Coleman has no email address",
                    "removed owner": "John Coleman is not an owner of any open action",
                    "locked period": "Q1 2026/27 has been reported to the Strategy Group and is locked"}[case]
        if not (case == "no email" and what == "link"):  # a link needs no address: that is what it is for
            assert expected in shown, shown
    if case != "no email":
        assert row_counts() == before
    assert mailoutbox == []


# The owner's link ------------------------------------------------------------------------------------

@pytest.fixture
def helene_link(quarter):
    version, people = quarter
    token = reminders.owner_link_issue(actor=None, version=version, person=people["Helene Heath"], period_start=Q3)
    return version, people["Helene Heath"], reverse("owner_links:owner_update", kwargs={"token": token})


def test_each_action_is_saved_on_its_own_and_a_failure_loses_nothing(client, helene_link):
    version, helene, link = helene_link
    page = client.get(link)
    actions = [action for action, _update, _form in page.context["entries"]]
    first, second, untouched = actions[0], actions[1], actions[2]
    data = {**form_of(first, status="on_track", rag="green", narrative="First one done"),
            **form_of(second, status="", rag="amber", narrative="Typed but no status")}
    response = client.post(link, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Saved: " + first.ref in html
    assert f"{second.ref}: Choose the action&#x27;s status" in html
    assert "Typed but no status" in html  # kept for them to finish
    assert ProgressUpdate.objects.filter(action=first, period_start=Q3, person=helene).exists()
    assert not ProgressUpdate.objects.filter(action__in=[second, untouched], period_start=Q3, person=helene).exists()
    # Blank actions are skipped; the link still works for the rest.
    assert client.get(link).status_code == 200


def test_the_link_is_spent_once_every_action_on_it_is_updated(client, quarter):
    version, people = quarter
    paul = people["Paul Tolley"]
    token = reminders.owner_link_issue(actor=None, version=version, person=paul, period_start=Q3)
    link = reverse("owner_links:owner_update", kwargs={"token": token})
    data = {}
    for action in selectors.actions_for_owner(version, paul):
        data.update(form_of(action, status="on_track", rag="green", narrative=f"Update on {action.ref}"))
    response = client.post(link, data)
    assert response.status_code == 200 and "Updates saved" in response.content.decode()
    assert OwnerLink.objects.get(person=paul).used_at is not None
    before = row_counts()
    replay = client.post(link, data)
    assert replay.status_code == 404 and "This link no longer works" in replay.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("problem", ["forged", "replaced", "expired", "locked"])
def test_a_link_that_no_longer_works_offers_a_new_one_sent_to_the_address_on_record(client, helene_link, problem,
                                                                                  mailoutbox):
    version, helene, link = helene_link
    if problem == "forged":
        link = link[:-4] + "abc/"
    elif problem == "replaced":
        reminders.owner_link_issue(actor=None, version=version, person=helene, period_start=Q3)
    elif problem == "expired":
        OwnerLink.objects.filter(person=helene).update(expires_at=TODAY - dt.timedelta(seconds=1))
    else:
        PeriodLock.objects.create(partnership=version.partnership, plan_version=version, period_start=Q3)
    page = client.get(link)
    assert page.status_code == 404 and "Email me a new link" in page.content.decode()
    before = row_counts()
    action = selectors.actions_for_owner(version, helene)[0]
    assert client.post(link, form_of(action, status="on_track", rag="green", narrative="x")).status_code == 404
    assert row_counts() == before
    renewed = client.post(link + "new-link/", {"email": "attacker@example.test"})
    assert renewed.status_code == 200 and "If we have an email address for the person" in renewed.content.decode()
    if problem == "forged":
        assert mailoutbox == []
    elif problem == "locked":
        assert mailoutbox == []  # every later period of the year is still to come: nothing to send yet
    else:
        [message] = mailoutbox
        assert message.to == [helene.email]  # the address on record, never one typed on the page
        assert EmailLog.objects.get(kind=EmailLog.Kind.LINK).recipient == helene.email
        # Asking again at once sends nothing more.
        client.post(link + "new-link/")
        assert len(mailoutbox) == 1


def test_asking_for_new_links_is_rate_limited(client, helene_link):
    _version, _helene, link = helene_link
    statuses = [client.post(link[:-4] + f"{n:03d}/new-link/").status_code for n in range(22)]
    assert statuses.count(200) == 20 and statuses[-1] == 429


# Permissions and query counts ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_open_my_actions_the_quarter_and_chase(client, quarter, role):
    version, people = quarter
    client.force_login(user_with(role, version.partnership))
    reporters = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.ACTION_OWNER, Role.PREVENT_LEAD}
    editors = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}
    assert client.get(url("my_actions")).status_code == (200 if role in reporters else 403)
    assert client.get(url("quarter")).status_code == (200 if role in editors else 403)
    before = row_counts()
    response = ask(client, version, "link", people["Helene Heath"])
    assert response.status_code == (302 if role in editors else 403)
    if role not in editors:
        assert row_counts() == before
    invite = client.post(reverse("directory:person_invite", kwargs={"partnership": "alpha",
                                                                    "pk": people["Karen Thomas"].pk}))
    sees_people = role not in {Role.AUDITOR, Role.SYSTEM_ADMIN}
    assert invite.status_code == (302 if role in editors else 403 if sees_people else 404)
    # Another partnership's quarter is not found.
    assert client.get(reverse("plans:quarter", kwargs={"partnership": "bravo"})).status_code == 404


def _many_actions(version, count, person=None):
    theme = version.themes.first()
    first = version.actions.count()
    actions = Action.objects.bulk_create(
        Action(partnership=version.partnership, plan_version=version, theme=theme, ref=f"9.{n}",
               sort_key=f"0009.{n:04d}", text=f"Bulk action {n}") for n in range(first, first + count))
    Timescale.objects.bulk_create(
        Timescale(partnership=version.partnership, action=a, kind=TimescaleKind.CADENCE, cadence=Cadence.MONTHLY,
                  text="Monthly") for a in actions)
    if person is not None:
        ActionOwner.objects.bulk_create(ActionOwner(partnership=version.partnership, action=a, kind="person",
                                                    person=person, is_lead=True) for a in actions)


def test_my_actions_and_the_quarter_page_make_as_many_queries_for_30_actions_as_for_3000(client, quarter):
    version, people = quarter
    helene = people["Helene Heath"]
    owner = user_with(Role.COORDINATOR, version.partnership)
    helene.user = owner
    helene.save()
    client.force_login(owner)
    _many_actions(version, 30 - version.actions.filter(owners__person=helene).distinct().count(), helene)
    pages = (url("my_actions"), url("quarter"), url("quarter") + "?page=2")
    for page in pages:  # once to warm what every page sets up on first use
        client.get(page)
    small = tuple(queries(client, page) for page in pages)
    _many_actions(version, 3000 - version.actions.count(), helene)
    assert version.actions.count() >= 3000
    assert len(client.get(url("my_actions")).context["rows"]) > 2900
    assert tuple(queries(client, page) for page in pages) == small


def test_the_daily_run_sends_one_digest_per_owner_with_one_link(quarter, smtp_server):
    version, people = quarter
    assert reminders.send_reminders(dt.date(2026, 12, 17)) > 0  # within 14 days of the quarter's end
    coleman = [m for m in smtp_server.messages if m["X-Envelope-To"] == people["John Coleman"].email]
    assert len(coleman) == 1 and len(LINK.findall(coleman[0].get_payload(decode=True).decode())) == 1
    with pytest.raises(TrackingError):  # nothing to ask a person who owns nothing
        reminders.owner_link_issue(actor=None, version=version,
                                   person=Person.objects.create(partnership=version.partnership, name="Nobody"),
                                   period_start=Q3)
    assert mail.outbox == []  # everything went through the loopback server
