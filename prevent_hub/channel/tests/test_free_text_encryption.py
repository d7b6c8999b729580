"""Free text that can name people is encrypted at rest: an approval's reason and Channel feedback comments.

The finding: both were plain text columns, and the approval's reason was copied into the access log (which can
never be purged) as the purpose of a bulk export. Now both are EncryptedTextFields, rotated with the rest of the
case data, and the logs name the approval instead of quoting it.
"""
import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.channel import services
from prevent_hub.channel.models import Approval, ChannelFeedback, FeedbackLink
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.matrix import CANARY

from .conftest import advance_to_support, with_purpose
from .test_lifecycle import raw_database_text
from .test_records import raw_column

EXPORT_REASON = f"Audit asked by Jo Example, {CANARY}-EXPORT"
ERASURE_REASON = f"The family asked, {CANARY}-ERASURE"
COMMENTS = f"Thank you to Sam at the school, {CANARY}-COMMENTS"


def every_log_row() -> str:
    fields = [f.attname for f in AccessLog._meta.concrete_fields]
    changes = [f.attname for f in ChangeLog._meta.concrete_fields]
    return str(list(AccessLog.objects.values_list(*fields))) + str(list(ChangeLog.objects.values_list(*changes)))


def give_feedback(client, world, comments=COMMENTS):
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    token = services.feedback_link_issue(actor=None, case=case, audience="person")
    response = client.post(reverse("channel_public:feedback", kwargs={"token": token}),
                           {"rating": "4", "comments": comments})
    assert response.status_code == 200
    return ChannelFeedback.objects.get()


def test_reasons_and_comments_are_ciphertext_in_the_database_and_plain_on_the_pages(client, channel_world):
    world = channel_world
    chair = world.users[Role.CHANNEL_CHAIR]
    client.force_login(chair)
    client.post(reverse("channel:bulk_export_request", kwargs={"partnership": "alpha"}), {"reason": EXPORT_REASON})
    approval = Approval.objects.get()
    client.logout()
    feedback = give_feedback(client, world)
    raw = raw_database_text()
    assert CANARY not in raw
    for model, column, pk in ((Approval, "reason", approval.pk), (ChannelFeedback, "comments", feedback.pk)):
        assert raw_column(model, column, pk).startswith("enc1:")
    assert approval.reason == EXPORT_REASON and ChannelFeedback.objects.get().comments == COMMENTS
    client.force_login(chair)
    approvals = client.get(reverse("channel:approval_list", kwargs={"partnership": "alpha"}))
    assert EXPORT_REASON in approvals.content.decode()
    summary = client.get(reverse("channel:feedback_summary", kwargs={"partnership": "alpha"})).content.decode()
    assert COMMENTS in summary
    # Feedback without comments stays out of the comments list (an empty value is stored empty, not encrypted).
    assert ChannelFeedback.objects.exclude(comments="").count() == 1


def test_the_access_log_names_the_approval_and_never_quotes_its_reason(client, channel_world):
    world = channel_world
    chair, police = world.users[Role.CHANNEL_CHAIR], world.users[Role.POLICE_PREVENT]
    # A bulk export: asked for, approved by a second person, downloaded.
    client.force_login(chair)
    client.post(reverse("channel:bulk_export_request", kwargs={"partnership": "alpha"}), {"reason": EXPORT_REASON})
    export = Approval.objects.get(kind="bulk_export")
    client.force_login(police)
    client.post(reverse("channel:approval_decide", kwargs={"partnership": "alpha", "pk": export.pk}),
                {"decision": "approve"})
    client.force_login(chair)
    download = client.post(reverse("channel:bulk_export_download", kwargs={"partnership": "alpha", "pk": export.pk}))
    assert download.status_code == 200
    row = AccessLog.objects.filter(event="export", target_type="channel.case").latest("seq")
    assert row.purpose == f"Approved bulk export, approval #{export.pk}"
    # An early erasure: asked for on the case, approved, carried out.
    case = world.case_b
    with_purpose(client, case)
    client.post(reverse("channel:case_erase", kwargs={"partnership": "alpha", "pk": case.pk}),
                {"reason": ERASURE_REASON})
    erasure = Approval.objects.get(kind="early_erasure")
    client.force_login(police)
    client.post(reverse("channel:approval_decide", kwargs={"partnership": "alpha", "pk": erasure.pk}),
                {"decision": "approve"})
    row = AccessLog.objects.get(event="erasure", target_id=case.log_ref)
    assert row.purpose == f"Early erasure, approval #{erasure.pk}"
    assert CANARY not in every_log_row()
    assert CANARY not in raw_database_text()


def test_rotating_the_keys_re_encrypts_reasons_and_comments(client, channel_world, settings):
    world = channel_world
    approval = services.approval_request(actor=world.users[Role.CHANNEL_CHAIR], partnership=world.a,
                                         kind="bulk_export", reason=EXPORT_REASON)
    feedback = give_feedback(client, world)
    before = {"reason": raw_column(Approval, "reason", approval.pk),
              "comments": raw_column(ChannelFeedback, "comments", feedback.pk)}
    old, new = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_case_keys", stdout=out, stderr=io.StringIO())
    after = {"reason": raw_column(Approval, "reason", approval.pk),
             "comments": raw_column(ChannelFeedback, "comments", feedback.pk)}
    assert all(after[key].startswith("enc1:") and after[key] != before[key] for key in before)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: both still read
    assert Approval.objects.get(pk=approval.pk).reason == EXPORT_REASON
    assert ChannelFeedback.objects.get(pk=feedback.pk).comments == COMMENTS


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_and_give_existing_links_an_expiry(client, channel_world, settings):
    """Back to before the changes (reason and comments decrypted, links without an expiry), then forward again."""
    import datetime as dt

    from django.utils import timezone

    from prevent_hub.core.changes import install_triggers

    world = channel_world
    approval = services.approval_request(actor=world.users[Role.CHANNEL_CHAIR], partnership=world.a,
                                         kind="bulk_export", reason=EXPORT_REASON)
    feedback = give_feedback(client, world)
    unused = FeedbackLink.objects.create(partnership=world.a, case=world.case_a, audience="family", token_hash="x" * 64)
    made = timezone.now() - dt.timedelta(days=100)
    FeedbackLink.objects.filter(pk=unused.pk).update(created_at=made)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("channel")
    try:
        MigrationExecutor(connection).migrate([("channel", "0001_initial")])
        assert raw_column(Approval, "reason", approval.pk) == EXPORT_REASON  # reversed: plain text again
        assert raw_column(ChannelFeedback, "comments", feedback.pk) == COMMENTS
        MigrationExecutor(connection).migrate(latest)
    finally:
        install_triggers()  # SQLite rebuilds an altered table without the write-count triggers (core.changes)
    assert raw_column(Approval, "reason", approval.pk).startswith("enc1:")
    assert raw_column(ChannelFeedback, "comments", feedback.pk).startswith("enc1:")
    assert Approval.objects.get(pk=approval.pk).reason == EXPORT_REASON
    assert ChannelFeedback.objects.get(pk=feedback.pk).comments == COMMENTS
    expected = timezone.localdate(made) + dt.timedelta(days=settings.CHANNEL_FEEDBACK_LINK_DAYS)
    assert FeedbackLink.objects.get(pk=unused.pk).expires_on == expected
    assert FeedbackLink.objects.get(pk=unused.pk).has_expired()
