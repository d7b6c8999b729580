"""Channel feedback links expire (the finding: they had only ``used`` and worked for ever).

The expiry is a date fixed when the link is made (CHANNEL_FEEDBACK_LINK_DAYS later), never touched when
it is used, so the link still holds no time that could match the feedback to the case.
"""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from prevent_hub.channel import services
from prevent_hub.channel.models import ChannelFeedback, FeedbackLink
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.matrix import row_counts

from .conftest import advance_to_support, with_purpose

ISSUED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def link(channel_world):
    """A feedback link made on 2 March 2026 for a case in support: (token, link, world)."""
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    with time_machine.travel(ISSUED, tick=False):
        token = services.feedback_link_issue(actor=None, case=case, audience="person")
    return token, FeedbackLink.objects.get(case=case), world


def feedback_url(token):
    return reverse("channel_public:feedback", kwargs={"token": token})


def test_a_link_works_until_the_last_day_set_when_it_was_made(client, link, settings):
    token, made, _ = link
    assert settings.CHANNEL_FEEDBACK_LINK_DAYS == 60
    assert made.expires_on == dt.date(2026, 5, 1)  # 60 days after 2 March
    with time_machine.travel(dt.datetime(2026, 5, 1, 22, 0, tzinfo=dt.UTC), tick=False):  # 23:00 in London
        page = client.get(feedback_url(token))
        assert page.status_code == 200 and "<form" in page.content.decode()
        assert client.post(feedback_url(token), {"rating": "4", "comments": "Helpful"}).status_code == 200
    made.refresh_from_db()
    assert made.used and made.expires_on == dt.date(2026, 5, 1)  # using it changed no date on it
    assert ChannelFeedback.objects.get().given_on == dt.date(2026, 5, 1)


def test_an_expired_link_says_so_shows_no_form_and_takes_no_feedback(client, link):
    token, made, _ = link
    before = row_counts()
    with time_machine.travel(dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(feedback_url(token))
        posted = client.post(feedback_url(token), {"rating": "5", "comments": "Too late"})
    for response in (page, posted):
        html = response.content.decode()
        assert response.status_code == 404
        assert "This link has expired" in html and "ask the person who sent you the link for a new one" in html
        assert "<form" not in html and "Too late" not in html
    assert row_counts() == before
    made.refresh_from_db()
    assert not made.used and not ChannelFeedback.objects.exists()


def test_the_service_refuses_an_expired_link_too(link):
    token, _, _ = link
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(services.LinkExpired, match="has expired"):
            services.feedback_submit(token=token, rating=3)
    assert not ChannelFeedback.objects.exists()


def test_a_used_or_unknown_link_is_refused_as_before(client, link):
    token, _, _ = link
    with time_machine.travel(dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        client.post(feedback_url(token), {"rating": "4"})
        for url in (feedback_url(token), feedback_url("never-issued")):
            html = client.get(url).content.decode()
            assert "This link cannot be used" in html and "has expired" not in html and "<form" not in html


def test_the_days_come_from_the_setting_and_the_case_page_shows_the_last_day(client, channel_world, settings):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    settings.CHANNEL_FEEDBACK_LINK_DAYS = 7
    services.feedback_link_issue(actor=None, case=case, audience="family")
    link = FeedbackLink.objects.get(case=case)
    assert link.expires_on == timezone.localdate() + dt.timedelta(days=7)
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    page = client.get(case.get_absolute_url()).content.decode()
    assert f"For family or carer: not used yet, works until {link.expires_on:%-d %B %Y}</li>" in page
    FeedbackLink.objects.filter(pk=link.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    page = client.get(case.get_absolute_url()).content.decode()
    assert f"expired on {timezone.localdate() - dt.timedelta(days=1):%-d %B %Y}, not used</li>" in page


def test_the_setting_must_be_a_positive_number_of_days(monkeypatch):
    import importlib.util

    from django.core.exceptions import ImproperlyConfigured

    import config.settings.base

    monkeypatch.setattr("config.env.CHANNEL_FEEDBACK_LINK_DAYS", 0)
    spec = importlib.util.spec_from_file_location("base_settings_probe", config.settings.base.__file__)
    with pytest.raises(ImproperlyConfigured, match="CHANNEL_FEEDBACK_LINK_DAYS must be at least 1"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
