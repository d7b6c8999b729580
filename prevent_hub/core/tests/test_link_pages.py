"""Pages opened by a secret in their URL send only our origin as Referer (core.middleware.LinkReferrerPolicyMiddleware).

The finding: owner-update links, training return and feedback links and the calendar feed sent their token in
the Referer to the page's own scripts and styles (the default policy is same-origin); only the Channel link
pages set a policy, by hand. The policy is strict-origin, not no-referrer: under no-referrer browsers post
forms with `Origin: null`, which Django's CSRF check refuses (tests/browser/test_quarter.py posts from such
pages). Every URL pattern that captures a token is walked here, so a new one is tested without being listed.
"""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.middleware import SECRET_URL_KWARGS
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.coverage import all_url_patterns
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory
from prevent_hub.core.testing.matrix import user_with

TOKEN_PAGES = sorted(name for name, kwargs in all_url_patterns() if "token" in kwargs)
# allauth's pages that take an emailed key (password reset, email confirmation): checked with a wrong key.
KEY_PAGES = sorted(name for name, kwargs in all_url_patterns() if "key" in kwargs and "token" not in kwargs)
WRONG = "not-a-real-token-0123456789abcdefghijklmnopqrstuv"
POST_ONLY = {"owner_links:owner_renew"}  # a button on a page that no longer works


def owner_update_token(partnership):
    from prevent_hub.directory.models import Person
    from prevent_hub.plans.demo import SEED
    from prevent_hub.plans.parsing import parse_plan
    from prevent_hub.plans.reminders import owner_link_issue
    from prevent_hub.plans.services import plan_import

    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                          source_name=SEED.name)
    person = Person.objects.get(partnership=partnership, name="Karen Thomas")
    return owner_link_issue(actor=None, version=version, person=person, period_start=dt.date(2018, 1, 1))


def training_token(partnership, purpose):
    from prevent_hub.training import services
    from prevent_hub.training.models import Course, TrainingSession

    course = Course.objects.get_or_create(partnership=partnership, name="WRAP", level="wrap")[0]
    session = TrainingSession.objects.create(partnership=partnership, course=course, date=timezone.localdate())
    return services.session_link_issue(actor=None, session=session, purpose=purpose)


def calendar_token(partnership):
    from prevent_hub.governance.services import calendar_feed_create

    return calendar_feed_create(user=user_with(Role.COORDINATOR, partnership))


def channel_tokens(partnership):
    """(request link, feedback link) on invented cases, made through the Channel services."""
    from prevent_hub.channel import services
    from prevent_hub.channel.demo import standard_factors_add
    from prevent_hub.channel.tests.conftest import advance_to_support, channel_meeting, make_case

    standard_factors_add(partnership)
    organisation = OrganisationFactory(partnership=partnership)
    asked = make_case(partnership, tag="REQ")
    services.case_screen(actor=None, case=asked, outcome="channel", screened_on=asked.received_on, rationale="r")
    _, request_token = services.information_request_create(
        actor=None, case=asked, organisation=organisation, question="q",
        due_on=timezone.localdate() + dt.timedelta(days=5), with_link=True)
    supported = advance_to_support(make_case(partnership, tag="FB"), organisation=organisation,
                                   meeting=channel_meeting(partnership))
    return request_token, services.feedback_link_issue(actor=None, case=supported, audience="person")


@pytest.fixture
def valid_tokens(db, django_capture_on_commit_callbacks):
    """A working token for every link page: a new link page must add one here."""
    alpha = PartnershipFactory(slug="alpha")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_token_holder = {"token": None}
        user = user_with(Role.ACTION_OWNER, alpha)
        from prevent_hub.accounts.services import email_change_request

        email_change_request(actor=None, user=user, new_email="new.address@example.test")
    import re

    from django.core import mail

    confirm_token_holder["token"] = next(match.group(1) for message in mail.outbox
                                         for match in [re.search(r"/account/email/confirm/([^/]+)/", message.body)]
                                         if match)
    request_token, feedback_token = channel_tokens(alpha)
    owner_token = owner_update_token(alpha)
    return {
        "owner_links:owner_update": owner_token,
        "owner_links:owner_renew": owner_token,
        "training_public:return": training_token(alpha, "return"),
        "training_public:feedback": training_token(alpha, "feedback"),
        "calendar:feed": calendar_token(alpha),
        "channel_public:request": request_token,
        "channel_public:feedback": feedback_token,
        "accounts:email_change_confirm": confirm_token_holder["token"],
    }


def test_every_link_page_is_found_and_every_secret_kwarg_is_covered():
    assert set(TOKEN_PAGES) == {"owner_links:owner_update", "owner_links:owner_renew", "training_public:return",
                                "training_public:feedback", "calendar:feed", "channel_public:request",
                                "channel_public:feedback", "accounts:email_change_confirm"}
    assert "token" in SECRET_URL_KWARGS and "key" in SECRET_URL_KWARGS


@pytest.mark.parametrize("name", TOKEN_PAGES)
def test_a_link_page_sends_no_referrer_with_a_working_token(valid_tokens, name):
    assert name in valid_tokens, f"Add a working token for {name} to valid_tokens."
    url = reverse(name, kwargs={"token": valid_tokens[name]})
    response = Client().post(url) if name in POST_ONLY else Client().get(url)
    assert response.status_code == 200, name
    assert response["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize("name", TOKEN_PAGES)
def test_a_link_page_sends_no_referrer_when_it_refuses_a_token(db, name):
    client = Client(raise_request_exception=False)
    url = reverse(name, kwargs={"token": WRONG})
    for response in (client.get(url), client.post(url, {}), Client(enforce_csrf_checks=True).post(url, {})):
        # Asking for a new link answers the same whatever the token, so it cannot tell whose a link is.
        assert response.status_code in ((200, 403, 405) if name in POST_ONLY else (404, 403, 405)), (name, response)
        assert response["Referrer-Policy"] == "strict-origin", (name, response.status_code)


@pytest.mark.parametrize("name", KEY_PAGES)
def test_pages_opened_by_an_emailed_key_send_no_referrer(db, name):
    kwargs = {"key": WRONG, **({"uidb36": "1"} if name == "account_reset_password_from_key" else {})}
    response = Client().get(reverse(name, kwargs=kwargs))
    assert response["Referrer-Policy"] == "strict-origin"


def test_other_pages_keep_the_same_origin_policy(db):
    response = Client().get(reverse("account_login"))
    assert response["Referrer-Policy"] == "same-origin"
