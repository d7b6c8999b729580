"""Encryption at rest, retention and erasure, two-person approvals, subject access, exports, feedback and the
statistics feed (issue 7; acceptance 4)."""
import datetime as dt
import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.channel import crypto, selectors, services
from prevent_hub.channel.models import Approval, Case, ChannelFeedback, RetentionRule, Subject
from prevent_hub.core.roles import Role

from .conftest import advance_to_support, canaries, case_url, with_purpose
from .test_lifecycle import raw_database_text, rows_referring_to

pytestmark = pytest.mark.django_db


def raw_column(model, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def test_identity_special_category_and_narrative_are_unreadable_in_the_raw_tables(channel_world):
    world = channel_world
    raw = raw_database_text()
    for mark in canaries("A").values():
        assert mark not in raw
    stored = raw_column(Subject, "full_name", world.case_a.subject.pk)
    assert stored.startswith("enc1:") and "CANARY" not in stored
    assert Subject.objects.get(pk=world.case_a.subject.pk).full_name == canaries("A")["full_name"]
    # The change log holds the shape of case records, never their content.
    entry = ChangeLog.objects.filter(object_id=f"{world.case_a.log_ref}/subject/{world.case_a.subject.pk}").get()
    assert entry.after["full_name"] == "[withheld]" and entry.after["date_of_birth"] == "[withheld]"
    assert entry.after["case_id"] == "[withheld]"  # not even which case: the logs outlive it


def test_keys_rotate_and_a_wrong_key_reads_nothing(channel_world, settings):
    world = channel_world
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_case_keys", stdout=io.StringIO(), stderr=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: everything must still read
    assert Subject.objects.get(pk=world.case_a.subject.pk).full_name == canaries("A")["full_name"]
    assert Case.objects.get(pk=world.case_b.pk).concern_indicators == canaries("B")["concern_indicators"]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Subject.objects.get(pk=world.case_a.subject.pk)


def test_a_tampered_ciphertext_is_detected():
    token = crypto.encrypt("Invented value")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises((ImproperlyConfigured, ValueError)):
        crypto.decrypt(tampered)


def test_retention_is_configurable_per_outcome_and_the_job_is_idempotent(channel_world):
    world = channel_world
    RetentionRule.objects.create(partnership=world.a, outcome="no_further_action", years=2)
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="no_further_action", screened_on=case.received_on, rationale="r")
    case.refresh_from_db()
    assert case.erase_after == case.received_on.replace(year=case.received_on.year + 2)
    signposted = world.case_b
    services.case_screen(actor=None, case=signposted, outcome="signposted", screened_on=signposted.received_on,
                         rationale="r")
    signposted.refresh_from_db()
    assert signposted.erase_after == signposted.received_on.replace(year=signposted.received_on.year + 3)  # the default
    day = case.erase_after + dt.timedelta(days=1)
    assert services.erase_expired_cases(day) == 1
    assert services.erase_expired_cases(day) == 0
    assert not Case.objects.filter(pk=case.pk).exists() and Case.objects.filter(pk=signposted.pk).exists()
    assert AccessLog.objects.filter(event="erasure", target_id=case.log_ref).count() == 1


def test_an_open_case_is_never_erased_by_the_job(channel_world):
    far = timezone.localdate() + dt.timedelta(days=365 * 20)
    assert services.erase_expired_cases(far) == 0
    assert Case.objects.filter(pk=channel_world.case_a.pk).exists()


def test_erasure_leaves_no_row_and_no_content_anywhere(channel_world):
    world = channel_world
    case = advance_to_support(world.case_b, organisation=world.organisation, meeting=world.meeting, tag="B")
    services.feedback_link_issue(actor=None, case=case, audience="person")
    pk, reference, log_ref = case.pk, case.reference, case.log_ref
    counts = services.case_erase(case=case, reason="Test")
    assert counts["channel.assessmentrating"] == 22 and counts["channel.informationrequest"] == 1
    assert rows_referring_to(pk, reference, log_ref) == {}
    raw = raw_database_text()
    assert "CANARY-B-" not in raw and "Referrer B" not in raw
    row = AccessLog.objects.get(event="erasure", target_id=log_ref)
    assert row.purpose == "Test" and "CANARY" not in str(row.sections) + row.target_repr + row.recipient
    assert services.case_erase(case=Case(pk=pk), reason="again") == {}  # a second run is a no-op
    assert AccessLog.objects.filter(event="erasure", target_id=log_ref).count() == 1


def test_early_erasure_needs_a_second_person(client, channel_world):
    world = channel_world
    chair, police = world.users[Role.CHANNEL_CHAIR], world.users[Role.POLICE_PREVENT]
    case = world.case_a
    client.force_login(chair)
    with_purpose(client, case, "A subject access, retention or data protection task")
    assert client.post(case_url("case_erase", case), {"reason": ""}).status_code == 400
    client.post(case_url("case_erase", case), {"reason": "Referral made in error"})
    approval = Approval.objects.get(case=case)
    decide = reverse("channel:approval_decide", kwargs={"partnership": "alpha", "pk": approval.pk})
    client.post(decide, {"decision": "approve"})  # the requester cannot approve their own request
    assert Case.objects.filter(pk=case.pk).exists()
    approval.refresh_from_db()
    assert approval.status == "pending"
    client.force_login(police)
    client.post(decide, {"decision": "approve"})
    assert not Case.objects.filter(pk=case.pk).exists() and not Approval.objects.filter(pk=approval.pk).exists()
    row = AccessLog.objects.get(event="erasure", target_id=case.log_ref)
    assert str(chair) in row.recipient and str(police) in row.recipient and row.user_id == police.pk


def test_bulk_export_needs_approval_and_downloads_once_with_one_log_row(client, channel_world):
    import openpyxl

    world = channel_world
    chair, police = world.users[Role.CHANNEL_CHAIR], world.users[Role.POLICE_PREVENT]
    client.force_login(chair)
    client.post(reverse("channel:bulk_export_request", kwargs={"partnership": "alpha"}), {"reason": "Annual audit"})
    approval = Approval.objects.get(kind="bulk_export")
    download = reverse("channel:bulk_export_download", kwargs={"partnership": "alpha", "pk": approval.pk})
    assert client.post(download).status_code == 302  # not approved yet
    client.force_login(police)
    client.post(reverse("channel:approval_decide", kwargs={"partnership": "alpha", "pk": approval.pk}),
                {"decision": "approve"})
    assert client.post(download).status_code == 403  # only the requester (a chair) downloads
    client.force_login(chair)
    before = AccessLog.objects.filter(event="export").count()
    response = client.post(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    references = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert references == {world.case_a.reference, world.case_b.reference}  # not partnership B's case
    assert "CANARY" not in str(list(sheet.iter_rows(values_only=True)))
    assert AccessLog.objects.filter(event="export").count() == before + 1
    assert client.post(download).status_code == 302  # once


def test_subject_access_exports_everything_about_the_person_and_nothing_about_anyone_else(client, channel_world):
    import docx

    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    advance_to_support(world.case_b, organisation=world.organisation, meeting=world.meeting, tag="B")
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case, "A subject access, retention or data protection task")
    response = client.get(case_url("case_subject_access", case))
    assert response.status_code == 200
    text = "\n".join(cell.text for table in docx.Document(io.BytesIO(response.content)).tables
                     for row in table.rows for cell in row.cells)
    expected = [*canaries("A").values(), *(f"CANARY-A-{part}" for part in (
        "GATEWAY", "NATREF", "QUESTION", "RESPONSE", "DECISION", "CAPACITY", "SUMMARY", "NARRATIVE", "SUPPORT",
        "REVIEW", "PROGRESS"))]
    assert [mark for mark in expected if mark not in text] == []
    assert "CANARY-B-" not in text
    assert str(world.organisation) in text  # the disclosure to the partner asked, with its recipient
    row = AccessLog.objects.filter(event="export", target_id=case.log_ref).latest("seq")
    assert "disclosures" in row.sections and row.purpose.startswith("A subject access")
    # The police can read the case but not take a subject access pack (the Channel chair handles requests).
    client.force_login(world.users[Role.POLICE_PREVENT])
    with_purpose(client, case)
    assert client.get(case_url("case_subject_access", case)).status_code == 403


def test_feedback_is_anonymous_single_use_and_survives_erasure(client, channel_world):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    token = services.feedback_link_issue(actor=None, case=case, audience="family")
    url = reverse("channel_public:feedback", kwargs={"token": token})
    assert client.post(url, {"rating": "9"}).status_code == 400
    assert client.post(url, {"rating": "4", "comments": "Helpful"}).status_code == 200
    assert client.post(url, {"rating": "5"}).status_code == 404
    feedback = ChannelFeedback.objects.get()
    assert feedback.audience == "family" and not hasattr(feedback, "case_id")
    services.case_erase(case=case, reason="Test")
    assert ChannelFeedback.objects.count() == 1
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    page = client.get(reverse("channel:feedback_summary", kwargs={"partnership": "alpha"})).content.decode()
    assert "Helpful" in page and "4.0" in page


def test_a_partner_answers_a_request_signed_in_and_sees_only_that_request(client, channel_world):
    from .conftest import organisation_person

    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    partner, colleague = world.users[Role.PREVENT_LEAD], world.users[Role.ACTION_OWNER]
    with pytest.raises(services.CaseError, match="Choose who answers"):
        services.information_request_create(actor=None, case=case, organisation=world.organisation, question="q",
                                            due_on=timezone.localdate())
    request, _ = services.information_request_create(actor=None, case=case, organisation=world.organisation,
                                                     question="CANARY-A-ASK", due_on=timezone.localdate(),
                                                     responder=partner)
    listing = reverse("channel:request_list", kwargs={"partnership": "alpha"})
    respond = reverse("channel:request_respond", kwargs={"partnership": "alpha", "pk": request.pk})
    # Someone else in the same organisation (even if a directory editor moved them there) sees nothing.
    organisation_person(world.organisation, colleague)
    client.force_login(colleague)
    assert case.reference not in client.get(listing).content.decode()
    assert client.get(respond).status_code == 404
    client.force_login(partner)
    assert case.reference in client.get(listing).content.decode()
    page = client.get(respond)
    assert page.status_code == 200 and "CANARY-A-ASK" in page.content.decode()
    assert canaries("A")["concern_indicators"] not in page.content.decode()
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.post(respond, {"response": "", "returned_by": "x"}).status_code == 400
    client.post(respond, {"response": "We know them", "returned_by": "Lead"})
    request.refresh_from_db()
    assert request.response == "We know them" and request.returned_at
    assert client.get(respond).status_code == 404


def test_the_statistics_feed_holds_no_identity(channel_world):
    world = channel_world
    advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    services.case_screen(actor=None, case=world.case_b, outcome="signposted", screened_on=world.case_b.received_on,
                         rationale="r")
    rows = list(selectors.deidentified_referrals(world.a))
    assert len(rows) == 2
    assert set(rows[0]) == {"financial_year", "month", "sector", "age_band", "gender", "concern", "district",
                            "stage_reached"}
    assert "CANARY" not in str(rows)
    assert sorted(row["stage_reached"] for row in rows) == ["adopted", "signposted"]
    received = world.case_a.received_on
    assert rows[0]["month"] == received.month and rows[0]["age_band"] == "21_30"
    assert rows[0]["financial_year"] == (received.year if received.month >= 4 else received.year - 1)


@pytest.mark.parametrize("born, on, band", [
    (dt.date(2016, 5, 1), dt.date(2027, 4, 30), "10_or_under"), (dt.date(2016, 5, 1), dt.date(2027, 5, 1), "11_15"),
    (dt.date(2010, 1, 2), dt.date(2026, 1, 1), "11_15"), (dt.date(2010, 1, 1), dt.date(2026, 1, 1), "16_17"),
    (dt.date(2008, 1, 1), dt.date(2026, 1, 1), "18_20"), (dt.date(1966, 6, 2), dt.date(2026, 6, 1), "51_60"),
    (dt.date(1966, 6, 1), dt.date(2026, 6, 1), "51_60"), (dt.date(1965, 6, 1), dt.date(2026, 6, 1), "over_60"),
    (None, dt.date(2026, 1, 1), "unknown"),
])
def test_age_bands_follow_the_home_office_bands(born, on, band):
    assert selectors.age_band(born, on) == band


def test_post_exit_review_reminders_go_through_a_real_smtp_server_and_name_no_one(channel_world, smtp_server):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    services.case_exit(actor=None, case=case, exited_on=timezone.localdate(), reason="other")
    due = case.reviews.get(kind="post_exit_6").due_on
    assert services.channel_reminders(due - dt.timedelta(days=20)) == 0  # not yet
    assert services.channel_reminders(due - dt.timedelta(days=10)) == 1
    assert services.channel_reminders(due - dt.timedelta(days=9)) == 0  # reminded already
    assert services.channel_reminders(due) == 1  # and once more on the day it falls due
    from prevent_hub.core.testing.smtp import body_of

    messages = smtp_server.messages
    assert len(messages) == 2
    body = body_of(messages[0])
    assert case.reference in body and "CANARY" not in body
    assert world.users[Role.CHANNEL_CHAIR].email in messages[0]["To"]
