"""Writing to the logs: one row per call, the right fields, a linked chain that round-trips."""
import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from prevent_hub.accounts.models import Membership, User
from prevent_hub.audit import selectors
from prevent_hub.audit.chain import GENESIS_HASH, row_hash
from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.audit.services import log_access, log_change, serialize_instance, verify_chain
from prevent_hub.core.context import current_request_id
from prevent_hub.core.roles import Role
from prevent_hub.directory.models import Organisation, Partnership

pytestmark = pytest.mark.django_db

MIXED_PAYLOADS = [
    {"name": "Café ☕ – ‘Ærøskøbing’ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 مرحبا", "notes": 'line\nbreak\ttab "quoted" \\ back'},
    {"nested": {"b": [1, {"z": None, "a": True}], "a": "x", "deep": {"list": [[], {}, [1, [2, [3]]]]}}},
    {"amount": Decimal("12.50"), "rate": 0.1, "huge": 1e16, "negative_zero": -0.0, "big_int": 2**62},
    {"on": datetime.date(2024, 2, 29), "at": datetime.datetime(2024, 3, 31, 1, 30, 0, 123456, tzinfo=datetime.UTC)},
    {"nul": "a\x00b", "empty": "", "zero": 0, "false": False, "none": None},
    {},
    None,
]


def head_hash(model):
    last = model.objects.order_by("-seq").values_list("hash", flat=True).first()
    return last or GENESIS_HASH


def test_log_change_writes_exactly_one_row_with_the_right_fields(organisation, user):
    """One call appends one row recording who, when, which request, what, and before/after."""
    count, prev = ChangeLog.objects.count(), head_hash(ChangeLog)
    token = current_request_id.set("req-0123456789")
    try:
        with transaction.atomic():
            entry = log_change(
                actor=user, instance=organisation, action="update", before={"name": "Old"}, after={"name": "New"}
            )
    finally:
        current_request_id.reset(token)

    assert ChangeLog.objects.count() == count + 1
    row = ChangeLog.objects.get(pk=entry.pk)
    assert row.user_id == user.pk
    assert row.user_repr == "Olive Officer <olive.officer@example.test>"
    assert row.request_id == "req-0123456789"
    assert row.partnership_id == organisation.partnership_id
    assert row.content_type == ContentType.objects.get_for_model(Organisation)
    assert (row.object_id, row.object_repr, row.action) == (str(organisation.pk), "Alpha Council", "update")
    assert (row.before, row.after) == ({"name": "Old"}, {"name": "New"})
    assert row.timestamp.utcoffset() == datetime.timedelta(0)
    assert abs((datetime.datetime.now(datetime.UTC) - row.timestamp).total_seconds()) < 60
    assert row.prev_hash == prev
    assert len(row.hash) == 64 and int(row.hash, 16) >= 0
    assert row.hash == row_hash(row.prev_hash, row.hashed_values())


def test_seq_increments_and_each_row_links_to_the_one_before(organisation):
    """Consecutive entries get consecutive numbers and each carries its predecessor's hash."""
    first = log_change(actor=None, instance=organisation, action="create", before=None, after={"a": 1})
    second = log_change(actor=None, instance=organisation, action="delete", before={"a": 1}, after=None)
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert (second.user_id, second.user_repr) == (None, "")
    assert len(second.request_id) == 32  # a fresh id outside a request


def test_a_partnership_is_logged_against_itself(partnership):
    entry = log_change(actor=None, instance=partnership, action="create", before=None, after={})
    assert entry.partnership_id == partnership.pk


def test_unknown_action_or_event_is_refused_and_writes_nothing(organisation):
    count = (ChangeLog.objects.count(), AccessLog.objects.count())
    with pytest.raises(ValueError):
        log_change(actor=None, instance=organisation, action="rename", before=None, after=None)
    with pytest.raises(ValueError):
        log_access(actor=None, event="peek", target=organisation)
    assert (ChangeLog.objects.count(), AccessLog.objects.count()) == count


def test_log_access_fills_the_target_and_the_roles_held_there(organisation, partnership, user):
    """The entry names the record and version, the sections shown, the purpose, and the actor's roles there."""
    other = Partnership.objects.create(name="Bravo Partnership", slug="bravo")
    Membership.objects.create(user=user, partnership=partnership, role=Role.COORDINATOR)
    Membership.objects.create(user=user, partnership=partnership, role=Role.AUDITOR)
    Membership.objects.create(user=user, partnership=other, role=Role.PARTNERSHIP_ADMIN)
    count, prev = AccessLog.objects.count(), head_hash(AccessLog)

    entry = log_access(
        actor=user,
        event="disclosure",
        target=organisation,
        sections=["name", "notes"],
        purpose="Panel meeting",
        recipient="Police Prevent team",
    )

    assert AccessLog.objects.count() == count + 1
    row = AccessLog.objects.get(pk=entry.pk)
    assert (row.user_id, row.roles, row.event) == (user.pk, "auditor,coordinator", "disclosure")
    assert (row.target_type, row.target_id) == ("directory.organisation", str(organisation.pk))
    assert row.target_repr == "Alpha Council"
    assert (row.target_version, row.partnership_id) == (1, partnership.pk)
    assert (row.sections, row.purpose, row.recipient) == (["name", "notes"], "Panel meeting", "Police Prevent team")
    assert row.prev_hash == prev
    assert row.hash == row_hash(row.prev_hash, row.hashed_values())


def test_log_access_without_a_target_uses_the_arguments(partnership):
    entry = log_access(
        actor=None,
        event="export",
        target_type="directory.organisation",
        target_repr="12 organisations",
        sections=("name", "sector"),
        partnership_id=partnership.pk,
    )
    entry = AccessLog.objects.get(pk=entry.pk)
    assert (entry.target_id, entry.target_version, entry.roles) == ("", None, "")
    assert entry.sections == ["name", "sector"]
    assert entry.partnership_id == partnership.pk


def test_verify_passes_on_a_clean_chain_of_mixed_content(organisation, user):
    """Unicode, nested JSON, Decimals, floats, dates and NULs all survive the database and re-hash the same."""
    written = []
    for i in range(50):
        payload = MIXED_PAYLOADS[i % len(MIXED_PAYLOADS)]
        written.append(
            log_change(
                actor=user if i % 2 else None,
                instance=organisation,
                action=["create", "update", "delete"][i % 3],
                before=payload,
                after={"i": i, "payload": payload},
            )
        )
        if i % 2:
            written.append(
                log_access(
                    actor=user,
                    event=AccessLog.Event.values[i % len(AccessLog.Event.values)],
                    target=organisation,
                    sections=["naïve", f"section {i}"],
                    purpose=f"Purpose ✓ {i}\x00",
                )
            )

    for model in (ChangeLog, AccessLog):
        result = verify_chain(model)
        assert result.ok, result
        assert result.rows_checked == model.objects.count() and result.last_hash == head_hash(model)
    # The values read back are exactly the values hashed.
    for entry in written:
        stored = type(entry).objects.values(*entry.hashed_values()).get(pk=entry.pk)
        assert stored == entry.hashed_values()
        assert row_hash(stored["prev_hash"], stored) == entry.hash


def test_json_values_are_normalised_before_hashing(organisation):
    entry = log_change(
        actor=None, instance=organisation, action="update", before=MIXED_PAYLOADS[2], after=MIXED_PAYLOADS[3]
    )
    stored = ChangeLog.objects.get(pk=entry.pk)
    assert stored.before == {
        "amount": "12.50",
        "rate": "0.1",
        "huge": "1e+16",
        "negative_zero": "-0.0",
        "big_int": 2**62,
    }
    assert stored.after == {"on": "2024-02-29", "at": "2024-03-31T01:30:00.123456+00:00"}
    nul = log_change(actor=None, instance=organisation, action="update", before=MIXED_PAYLOADS[4], after=None)
    assert ChangeLog.objects.get(pk=nul.pk).before["nul"] == "a\ufffdb"


def test_serialize_instance_gives_json_safe_values_for_every_field(organisation):
    data = serialize_instance(organisation)
    assert data["id"] == organisation.pk
    assert data["partnership_id"] == organisation.partnership_id
    assert data["parent_id"] is None
    assert data["name"] == "Alpha Council" and data["sector"] == "local_authority"
    assert isinstance(data["created_at"], str) and data["created_at"].endswith("+00:00")
    assert set(data) == {field.attname for field in Organisation._meta.concrete_fields}


def test_serialize_instance_redacts_secrets_but_shows_that_they_changed(user):
    before = serialize_instance(user)
    assert user.password not in str(before) and user.session_token not in str(before)
    assert before["password"].startswith("[redacted ")
    user.rotate_session_token()
    after = serialize_instance(user)
    assert after["session_token"] != before["session_token"]
    assert after["password"] == before["password"]


def test_deleting_a_user_keeps_their_entries(organisation):
    """The log neither blocks nor follows a user's deletion."""
    leaver = User.objects.create_user("leaver@example.test", "a-long-test-password-2", full_name="Lee Leaver")
    entry = log_change(actor=leaver, instance=organisation, action="update", before={}, after={})
    leaver_id = leaver.pk
    leaver.delete()
    row = selectors.changes_for_object(organisation).get(pk=entry.pk)
    assert (row.user_id, row.user, row.user_repr) == (leaver_id, None, "Lee Leaver <leaver@example.test>")
    assert verify_chain(ChangeLog).ok


def test_selectors_return_newest_first_and_stay_in_their_partnership(organisation, partnership):
    other = Organisation.objects.create(
        partnership=Partnership.objects.create(name="Bravo", slug="bravo"), name="Bravo Council", sector="police"
    )
    first = log_change(actor=None, instance=organisation, action="create", before=None, after={})
    second = log_change(actor=None, instance=organisation, action="update", before={}, after={})
    log_change(actor=None, instance=other, action="create", before=None, after={})
    seen = log_access(actor=None, event="consultation", target=organisation)
    log_access(actor=None, event="consultation", target=other)

    assert list(selectors.changes_for_object(organisation)) == [second, first]
    assert list(selectors.changes_for_partnership(partnership)) == [second, first]
    assert list(selectors.changes_for_partnership(partnership.pk)) == [second, first]
    assert list(selectors.access_for_partnership(partnership)) == [seen]


def test_a_delete_logs_every_record_it_cascades_to(db):
    from prevent_hub.core.services import object_delete
    from prevent_hub.core.testing.factories import PreventLeadFactory

    lead = PreventLeadFactory()
    organisation = lead.organisation
    lead.person.organisation = None
    lead.person.save()
    object_delete(actor=None, instance=organisation)
    assert ChangeLog.objects.filter(action="delete", object_id=str(organisation.pk),
                                    object_repr=str(organisation)).count() == 1
    assert ChangeLog.objects.filter(action="delete", object_id=str(lead.pk), content_type__model="preventlead").count() == 1
