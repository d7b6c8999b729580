"""Chasing owners by email: digests through a real SMTP server on loopback, sent by the django-tasks
database worker; single-use, expiring links for owners without an account."""
import datetime as dt
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory, UserFactory
from prevent_hub.core.testing.matrix import change_log_rows, row_counts
from prevent_hub.directory.models import Person
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.models import EmailLog, OwnerLink, ProgressUpdate
from prevent_hub.plans.parsing import parse_plan
from prevent_hub.plans.reminders import send_reminders
from prevent_hub.plans.services import plan_import
from prevent_hub.plans.tasks import send_reminders_task

MARCH_20 = dt.date(2018, 3, 20)  # 11 days before Q4 2017/18 ends


@pytest.fixture
def owners(db):
    partnership = PartnershipFactory(slug="alpha")
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                          source_name=SEED.name)
    karen = Person.objects.get(partnership=partnership, name="Karen Thomas")  # owns 5.2; no account
    karen.email = "karen.thomas@example.test"
    karen.save()
    dan = Person.objects.get(partnership=partnership, name="Dan Green")  # owns 5.1 and 5.3; has an account
    dan.email = "dan.green@example.test"
    dan.user = UserFactory(email=dan.email, roles=[(partnership, Role.ACTION_OWNER)])
    dan.save()
    return version, karen, dan


def messages_to(smtp_server, address):
    return [m for m in smtp_server.messages if m["X-Envelope-To"] == address]


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message) -> str:
    return re.search(r"http://testserver(/update/[^/\s]+/)", body(message)).group(1)


def update_of(action, **fields) -> dict:
    """The one-sitting page's fields for ``action`` (each action's form has its own prefix)."""
    return {f"action-{action.pk}-{name}": value for name, value in fields.items()}


@pytest.fixture
def sent(owners, smtp_server, settings):
    settings.SITE_URL = "http://testserver"
    assert send_reminders(MARCH_20) > 0
    return owners, smtp_server


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_one_digest_per_owner_listing_only_their_actions(owners, smtp_server, settings):
    settings.SITE_URL = "http://testserver"
    _, karen, dan = owners
    send_reminders_task.enqueue(as_of=MARCH_20.isoformat())
    assert smtp_server.messages == []  # queued, not sent, until the worker runs
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    (to_karen,) = messages_to(smtp_server, karen.email)
    assert "Q4 2017/18" in to_karen["Subject"] and "31 March 2018" in to_karen["Subject"]
    assert "5.2 Implement E-CINS" in body(to_karen)
    assert "5.1 " not in body(to_karen) and "6.3 " not in body(to_karen)
    assert "You do not need an account" in body(to_karen)
    (to_dan,) = messages_to(smtp_server, dan.email)
    refs = re.findall(r"^(\d\.\d) ", body(to_dan), flags=re.M)
    assert refs == ["5.1", "5.3"]
    assert "/update/" not in body(to_dan)  # he has an account: links go to the hub, where he signs in
    logs = EmailLog.objects.filter(sent=True)
    assert {(log.recipient, tuple(log.action_refs), log.kind) for log in logs} >= {
        (karen.email, ("5.2",), "digest"), (dan.email, ("5.1", "5.3"), "digest")}


def test_no_digest_before_the_lead_time_or_outside_the_plans_year(owners, smtp_server):
    assert send_reminders(dt.date(2018, 3, 1)) == 0  # more than 14 days before the deadline
    assert send_reminders(dt.date(2019, 3, 20)) == 0  # the 2017 – 2018 version is over
    assert smtp_server.messages == []


def test_an_owner_updates_through_the_link_once_and_it_opens_nothing_else(sent, client):
    (version, karen, _), smtp_server = sent
    url = link_in(messages_to(smtp_server, karen.email)[0])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Update your actions for Q4 2017/18" in html and "You are updating as Karen Thomas" in html
    assert "5.2 Implement E-CINS" in html
    assert "/p/alpha/" not in html  # no navigation into the hub
    action = version.actions.get(ref="5.2")
    response = client.post(url, update_of(action, status="on_track", rag="green",
                                          narrative="E-CINS live for the panel", percent_complete="90"))
    assert response.status_code == 200 and "Updates saved" in response.content.decode()
    update = ProgressUpdate.objects.get()
    assert (update.action.ref, update.author_name, update.author, update.person) == (
        "5.2", "Karen Thomas (emailed link)", None, karen)
    assert update.period_start == dt.date(2018, 1, 1)
    assert change_log_rows(update, "create").count() == 1
    link = OwnerLink.objects.get(person=karen)
    assert link.used_at is not None and link.token_hash not in url  # only a hash is stored
    # Every action on it is updated, so it is spent; it never signed anyone in.
    before = row_counts()
    again = client.post(url, update_of(action, status="at_risk", rag="amber", narrative="Again"))
    assert again.status_code == 404 and "This link no longer works" in again.content.decode()
    assert client.get(url).status_code == 404
    assert row_counts() == before
    assert client.get(version.get_absolute_url()).status_code == 302  # to the sign-in page


def test_a_link_expires(sent, client):
    (version, karen, _), smtp_server = sent
    url = link_in(messages_to(smtp_server, karen.email)[0])
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        response = client.get(url)
        assert response.status_code == 404 and "This link no longer works" in response.content.decode()
        post = client.post(url, update_of(version.actions.get(ref="5.2"), status="on_track", rag="green",
                                          narrative="x"))
        assert post.status_code == 404
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("tamper", [lambda url: url[:-3] + "xx/", lambda url: "/update/not-a-token/"])
def test_a_tampered_link_opens_nothing(sent, client, tamper):
    (_, karen, _), smtp_server = sent
    url = tamper(link_in(messages_to(smtp_server, karen.email)[0]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"status": "on_track", "rag": "green", "narrative": "x"}).status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_chasers_repeat_weekly_until_the_owner_updates(sent, client):
    (version, karen, dan), smtp_server = sent
    url = link_in(messages_to(smtp_server, karen.email)[0])
    client.post(url, update_of(version.actions.get(ref="5.2"), status="complete", rag="green", narrative="Done"))
    assert send_reminders(MARCH_20 + dt.timedelta(days=1)) == 0  # a week between emails
    send_reminders(MARCH_20 + dt.timedelta(days=7))
    chasers = EmailLog.objects.filter(kind="chaser")
    assert {log.recipient for log in chasers} >= {dan.email}
    assert karen.email not in {log.recipient for log in chasers}  # she has updated her only action
    assert messages_to(smtp_server, dan.email)[-1]["Subject"].startswith("Reminder:")


def test_a_failed_send_is_logged_and_issues_no_links(owners, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    assert send_reminders(MARCH_20) == 0
    failures = EmailLog.objects.filter(sent=False)
    assert failures.exists() and all(log.error for log in failures)
    assert not OwnerLink.objects.exists()


def test_the_command_queues_or_sends_and_refuses_a_bad_date(owners, smtp_server, capsys):
    call_command("send_reminders", "--as-of", MARCH_20.isoformat(), "--now")
    assert "Sent" in capsys.readouterr().out and smtp_server.messages
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of takes a date like 2018-01-15"):
        call_command("send_reminders", "--as-of", "20/03/2018")


def test_the_owner_update_page_is_public_but_only_with_a_valid_token(client, db):
    response = client.get(reverse("owner_links:owner_update", kwargs={"token": "nothing"}))
    assert response.status_code == 404


def test_a_newer_link_retires_the_older_one_so_an_action_is_updated_once_per_email_chain(sent, client):
    (version, karen, _), smtp_server = sent
    first = link_in(messages_to(smtp_server, karen.email)[0])
    send_reminders(MARCH_20 + dt.timedelta(days=7))  # a chaser with a new link
    second = link_in(messages_to(smtp_server, karen.email)[-1])
    assert first != second
    assert client.get(first).status_code == 404  # superseded
    data = update_of(version.actions.get(ref="5.2"), status="on_track", rag="green", narrative="Live")
    assert client.post(second, data).status_code == 200
    assert client.post(first, data).status_code == 404
    assert ProgressUpdate.objects.count() == 1


def test_completed_actions_are_not_chased(owners, smtp_server):
    version, karen, _ = owners
    action = version.actions.get(ref="5.2")
    action.status = "complete"
    action.save()
    send_reminders(MARCH_20)
    assert messages_to(smtp_server, karen.email) == []
