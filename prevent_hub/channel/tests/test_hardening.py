"""Edges found in review: stale objects, locks, lapsed links, purposes for writes, third parties in subject
access, retention rules that change, failed emails, and dates that must follow each other."""
import datetime as dt
import io
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from prevent_hub.channel import services
from prevent_hub.channel.choices import Stage
from prevent_hub.channel.models import Case, ChannelFeedback, InformationRequest, RetentionRule
from prevent_hub.channel.workflow import WorkflowError
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.matrix import row_counts

from .conftest import advance_to_support, case_url, make_case, with_purpose

pytestmark = pytest.mark.django_db


def adopt(case, world, day=None):
    day = day or case.received_on
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=day, rationale="r")
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    services.panel_decide(actor=None, case=case, decision="adopt", method="chair", rationale="r",
                          decided_on=max(day, timezone.localtime(world.meeting.starts_at).date()))


def test_correcting_the_identity_with_a_stale_case_object_does_not_undo_a_screening(channel_world):
    stale = Case.objects.get(pk=channel_world.case_a.pk)
    services.case_screen(actor=None, case=channel_world.case_a, outcome="channel",
                         screened_on=stale.received_on, rationale="r")
    services.subject_update(actor=None, case=stale, expected_version=None, date_of_birth=dt.date(2000, 1, 1))
    case = Case.objects.get(pk=stale.pk)
    assert case.stage == Stage.GATHERING and case.age_band == "21_30"


@pytest.mark.django_db(transaction=True)
def test_two_screenings_at_the_same_moment_move_the_case_once():
    from prevent_hub.core.testing.factories import PartnershipFactory

    partnership = PartnershipFactory(slug="race")
    case = make_case(partnership, tag="RACE")
    barrier, results = threading.Barrier(2), []

    def screen(outcome):
        try:
            barrier.wait(timeout=10)
            stale = None
            while True:
                try:
                    stale = stale or Case.objects.get(pk=case.pk)  # both read the case at "referred"
                    services.case_screen(actor=None, case=stale, outcome=outcome, screened_on=case.received_on,
                                         rationale=outcome)
                    results.append("ok")
                    return
                except OperationalError as error:
                    # The test runner's shared-cache in-memory SQLite reports a held lock at once
                    # instead of waiting as a database file does (see audit/tests/test_transactional.py).
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.001)
        except WorkflowError:
            results.append("refused")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=screen, args=(o,)) for o in ("channel", "no_further_action")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["ok", "refused"]
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_a_request_link_stops_working_when_the_case_ends_or_the_link_lapses(client, channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    _, token = services.information_request_create(actor=None, case=case, organisation=world.organisation,
                                                   question="q", due_on=timezone.localdate(), with_link=True)
    url = reverse("channel_public:request", kwargs={"token": token})
    assert client.get(url).status_code == 200
    assert client.get(url)["Referrer-Policy"] == "strict-origin"
    InformationRequest.objects.filter(case=case).update(due_on=timezone.localdate() - dt.timedelta(days=15))
    assert client.get(url).status_code == 404  # lapsed
    InformationRequest.objects.filter(case=case).update(due_on=timezone.localdate())
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    services.panel_decide(actor=None, case=case, decision="not_adopt", method="chair", rationale="r",
                          decided_on=timezone.localdate())
    assert client.get(url).status_code == 404  # the case has ended
    assert client.post(url, {"response": "late", "returned_by": "x"}).status_code == 404
    assert InformationRequest.objects.get(case=case).response == ""


def test_writes_need_a_purpose_too(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.POLICE_PREVENT])
    before = row_counts()
    response = client.post(case_url("case_screen", world.case_a), {
        "outcome": "channel", "screened_on": world.case_a.received_on.isoformat(), "rationale": "r"})
    assert response.status_code == 302 and "/purpose/" in response["Location"]
    assert row_counts() == before
    with_purpose(client, world.case_a, "Screening the referral")
    client.post(case_url("case_screen", world.case_a), {
        "outcome": "channel", "screened_on": world.case_a.received_on.isoformat(), "rationale": "r"})
    from prevent_hub.audit.models import AccessLog

    row = AccessLog.objects.filter(event="alteration", target_id=world.case_a.log_ref).latest("seq")
    assert row.purpose == "Screening the referral"


def test_subject_access_withholds_other_peoples_details(client, channel_world):
    import docx

    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    body = client.get(case_url("case_subject_access", case)).content
    text = "\n".join(cell.text for table in docx.Document(io.BytesIO(body)).tables for row in table.rows
                     for cell in row.cells)
    assert "Referrer A" not in text and "Returning Officer Q" not in text and "CANARY-A-QUESTION" in text


def test_an_edited_retention_rule_applies_to_cases_already_closed(channel_world):
    world = channel_world
    case = world.case_a
    closed_on = case.received_on
    services.case_screen(actor=None, case=case, outcome="no_further_action", screened_on=closed_on, rationale="r")
    three_years_on = closed_on.replace(year=closed_on.year + 3) + dt.timedelta(days=1)
    RetentionRule.objects.create(partnership=world.a, outcome="no_further_action", years=5)
    assert services.erase_expired_cases(three_years_on) == 0  # the longer period now applies
    RetentionRule.objects.filter(partnership=world.a).update(years=1)
    assert services.erase_expired_cases(closed_on.replace(year=closed_on.year + 1) + dt.timedelta(days=1)) == 1


def test_feedback_keeps_only_the_month_and_the_link_only_a_used_flag(client, channel_world):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    token = services.feedback_link_issue(actor=None, case=case, audience="person")
    response = client.post(reverse("channel_public:feedback", kwargs={"token": token}), {"rating": "5"})
    assert response["Referrer-Policy"] == "strict-origin"
    assert ChannelFeedback.objects.get().given_on == timezone.localdate().replace(day=1)
    assert case.feedback_links.get().used
    # The case page says the link was used, not when (a date would match it to the feedback).
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "For the person supported: used</li>" in page


def test_a_failed_reminder_email_is_tried_again_next_time(channel_world, settings):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    services.case_exit(actor=None, case=case, exited_on=timezone.localdate(), reason="other")
    review = case.reviews.get(kind="post_exit_6")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    assert services.channel_reminders(review.due_on) == 0
    review.refresh_from_db()
    assert review.reminded_on is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.channel_reminders(review.due_on) == 1


def test_dates_must_follow_each_other(channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    meeting_day = timezone.localtime(world.meeting.starts_at).date()
    with pytest.raises(services.CaseError, match="before the panel meeting"):
        services.panel_decide(actor=None, case=case, decision="adopt", method="chair", rationale="r",
                              decided_on=meeting_day - dt.timedelta(days=1), meeting=world.meeting)


def test_a_child_consenting_for_themselves_needs_capacity_notes(channel_world):
    world = channel_world
    received = timezone.localdate() - dt.timedelta(days=60)
    case = make_case(world.a, tag="TEEN", birth=received.replace(year=received.year - 16), received_on=received)
    adopt(case, world)
    asked_on = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(services.CaseError, match="capacity notes"):
        services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                                asked_on=asked_on, outcome="given")
    services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                            asked_on=asked_on, outcome="given", capacity_notes="Understands the support offered")
    assert Case.objects.get(pk=case.pk).stage == Stage.SUPPORT


def test_a_case_cannot_close_before_its_last_review(channel_world):
    world = channel_world
    case = world.case_a
    adopt(case, world)
    exited_on = timezone.localtime(world.meeting.starts_at).date() + dt.timedelta(days=1)
    services.case_exit(actor=None, case=case, exited_on=exited_on, reason="other")
    for review in case.reviews.all():
        services.post_exit_review_record(actor=None, review=review, held_on=exited_on + dt.timedelta(days=10), notes="n")
    with pytest.raises(services.CaseError, match="before its last review"):
        services.case_close(actor=None, case=case, closed_on=exited_on + dt.timedelta(days=5))
