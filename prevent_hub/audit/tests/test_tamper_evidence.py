"""SEC-16: the database refuses changes, the ORM refuses changes, and the hash chain exposes any that get through.

Each tamper is one of ``tampering``'s operations; the test's rollback undoes it. The
signed head and the anchor file, which catch what the chain alone cannot (a cut tail,
a recomputed chain), are tested in test_anchoring.
"""
import datetime
import io
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from prevent_hub.audit.management.commands.verify_audit import Command as VerifyCommand
from prevent_hub.audit.models import AccessLog, AppendOnlyError, ChangeLog
from prevent_hub.audit.services import chain_head, log_access, log_change, verify_chain
from prevent_hub.audit.testing import tamper

from .tampering import ON_POSTGRESQL, TABLES, delete_row, flip_column, insert_forged_row, put_back_head, swap_rows

pytestmark = pytest.mark.django_db


# Detection ----------------------------------------------------------------


@pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
@pytest.mark.parametrize(
    "column", ["user_repr", "request_id", "timestamp", "user_id", "partnership_id", "prev_hash", "hash", "json"]
)
def test_verify_detects_a_byte_flip_in_any_column(chain, model, column):
    """A single changed character in a stored row is found at that row."""
    seq = chain[model][3]
    if column == "json":
        column = "after" if model is ChangeLog else "sections"
    problem = flip_column(model, seq, column)
    result = verify_chain(model)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq, problem)


@pytest.mark.parametrize("column", ["object_repr", "object_id", "action", "content_type_id", "before"])
def test_verify_detects_a_byte_flip_in_change_log_columns(chain, column):
    seq = chain[ChangeLog][5]
    flip_column(ChangeLog, seq, column)
    result = verify_chain(ChangeLog)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq, "hash mismatch")


@pytest.mark.parametrize(
    "column", ["roles", "event", "target_type", "target_id", "target_repr", "target_version", "purpose", "recipient"]
)
def test_verify_detects_a_byte_flip_in_access_log_columns(chain, column):
    seq = chain[AccessLog][2]
    flip_column(AccessLog, seq, column)
    result = verify_chain(AccessLog)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq, "hash mismatch")


@pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
def test_verify_detects_a_deleted_row(chain, model):
    seq = chain[model][2]
    delete_row(model, seq)
    result = verify_chain(model)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq + 1, "gap in sequence")


def test_verify_detects_a_deleted_first_row(chain):
    first = ChangeLog.objects.order_by("seq").values_list("seq", flat=True).first()
    delete_row(ChangeLog, first)
    result = verify_chain(ChangeLog)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, first + 1, "gap in sequence")


@pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
def test_verify_detects_two_rows_swapped(chain, model):
    a, b = chain[model][1], chain[model][2]
    swap_rows(model, a, b)
    result = verify_chain(model)
    assert (result.ok, result.first_bad_seq) == (False, a)
    assert result.problem in ("broken link", "hash mismatch")


@pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
def test_verify_detects_a_forged_row_with_a_made_up_hash(chain, model):
    seq = chain[model][-1]
    insert_forged_row(model, seq, valid_hash=False)
    result = verify_chain(model)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq + 1, "hash mismatch")


@pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
def test_verify_detects_a_forged_row_inserted_mid_chain_even_with_a_correct_hash(chain, model):
    seq = chain[model][2]
    insert_forged_row(model, seq, valid_hash=True)
    assert model.objects.filter(seq=seq + 1, prev_hash=model.objects.get(seq=seq).hash).exists()
    result = verify_chain(model)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq + 2, "broken link")


def test_verify_detects_a_duplicate_sequence_number(chain):
    """Only possible once the unique constraint is gone too; still reported, not skipped."""
    seq = chain[ChangeLog][4]
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "audit_changelog")
        name = next(n for n, c in constraints.items() if c["unique"] and c["columns"] == ["seq"])
        tamper(f'ALTER TABLE audit_changelog DROP CONSTRAINT "{name}"')
    else:
        pytest.skip("SQLite cannot drop a column's unique constraint without rebuilding the table.")
    names = [f.attname for f in ChangeLog.hashed_fields()]
    columns = ", ".join(names + ["hash"])
    tamper(f"INSERT INTO audit_changelog ({columns}) SELECT {columns} FROM audit_changelog WHERE seq = %s", [seq])
    result = verify_chain(ChangeLog)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq, "duplicate sequence")


def test_verify_detects_every_one_of_many_random_tampers(chain):
    """Mutation test: each random byte flip, delete, swap or forged insert is caught (then rolled back)."""
    rng = random.Random(20250401)
    operations = ["flip", "delete", "swap", "insert"]
    columns = {
        model: [field.attname for field in model.hashed_fields()] + ["hash"] for model in (ChangeLog, AccessLog)
    }
    detected = 0
    tampers = 1000
    for _ in range(tampers):
        model = rng.choice([ChangeLog, AccessLog])
        seqs = chain[model]
        operation = rng.choice(operations)
        with transaction.atomic():
            if operation == "flip":
                column = rng.choice(columns[model])
                if column == "seq":
                    # Renumber a row to a free number beyond the head.
                    tamper(f"UPDATE {TABLES[model]} SET seq = seq + 1000 WHERE seq = %s", [rng.choice(seqs)])
                else:
                    flip_column(model, rng.choice(seqs), column, rng)
            elif operation == "delete":
                delete_row(model, rng.choice(seqs))  # the last row too: the signed head shows it
            elif operation == "swap":
                i = rng.randrange(len(seqs) - 1)
                j = rng.randrange(i + 1, len(seqs))
                swap_rows(model, seqs[i], seqs[j])
            else:
                insert_forged_row(model, rng.choice(seqs), valid_hash=rng.random() < 0.5)
            detected += not verify_chain(model).ok
            transaction.set_rollback(True)
    assert detected == tampers
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok  # every tamper was rolled back


# Refusal --------------------------------------------------------------------


@pytest.mark.parametrize("table", ["audit_changelog", "audit_accesslog"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET user_repr = 'someone else'", "UPDATE {table} SET seq = seq + 1", "DELETE FROM {table}"],
)
def test_the_database_refuses_update_and_delete(chain, table, statement):
    before = (ChangeLog.objects.count(), AccessLog.objects.count())
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))
    assert (ChangeLog.objects.count(), AccessLog.objects.count()) == before
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", ["audit_changelog", "audit_accesslog"])
def test_the_database_refuses_truncate(chain, table):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    assert ChangeLog.objects.exists() and AccessLog.objects.exists()


def test_the_orm_refuses_to_change_or_delete_entries(organisation):
    entry = log_change(actor=None, instance=organisation, action="create", before=None, after={"name": "A"})
    access = log_access(actor=None, event="download", target=organisation)
    stored = ChangeLog.objects.get(pk=entry.pk)
    stored.object_repr = "rewritten"
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["object_repr"])
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        access.delete()
    for model in (ChangeLog, AccessLog):
        with pytest.raises(AppendOnlyError):
            model.objects.all().update(user_repr="x")
        with pytest.raises(AppendOnlyError):
            model.objects.filter(seq__gte=1).delete()
        with pytest.raises(AppendOnlyError):
            model._base_manager.all().delete()
        with pytest.raises(AppendOnlyError):
            model.objects.bulk_create([model()])
    with pytest.raises(AppendOnlyError):
        ChangeLog.objects.bulk_update([stored], ["object_repr"])
    assert ChangeLog.objects.get(pk=entry.pk).object_repr == "Alpha Council"
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok


def test_objects_create_still_appends_to_the_chain(organisation):
    """Even a direct create is numbered, timestamped and hashed under the chain lock."""
    head = chain_head(AccessLog)
    backdated = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    entry = AccessLog.objects.create(event="export", target_repr="direct", timestamp=backdated)
    assert entry.seq == (head["seq"] or 0) + 1
    assert entry.timestamp.year > 2000  # the log sets its own time
    assert verify_chain(AccessLog).ok


# The management commands ------------------------------------------------------


def test_verify_audit_reports_ok_on_a_clean_chain(chain):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    text = out.getvalue()
    assert f"change log: {ChangeLog.objects.count()} rows checked, OK" in text
    assert f"access log: {AccessLog.objects.count()} rows checked, OK" in text


def test_verify_audit_fails_with_the_first_bad_seq_on_a_tampered_chain(chain):
    seq = chain[ChangeLog][6]
    flip_column(ChangeLog, seq, "object_repr")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert f"change log: FAILED at seq {seq}: hash mismatch" in err.getvalue()
    assert "access log: " in out.getvalue() and "OK" in out.getvalue()
    # Checking only the access log passes.
    call_command("verify_audit", "--log", "access", stdout=io.StringIO())


def test_verify_audit_exits_with_status_1_from_the_command_line(chain, monkeypatch, capsys):
    seq = chain[AccessLog][1]
    delete_row(AccessLog, seq)
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction open
    with pytest.raises(SystemExit) as raised:
        VerifyCommand().run_from_argv(["manage.py", "verify_audit", "--log", "access"])
    assert raised.value.code == 1
    assert f"access log: FAILED at seq {seq + 1}: gap in sequence" in capsys.readouterr().err


def test_expect_head_detects_a_truncated_tail(chain):
    """A cut tail put together with the signed head it once had passes without anchors; an exported head shows it."""
    out = io.StringIO()
    call_command("audit_head", stdout=out)
    heads = json.loads(out.getvalue())
    head = heads["change"]
    assert head == chain_head(ChangeLog) and head["seq"] == chain[ChangeLog][-1]
    call_command("verify_audit", "--log", "change", "--expect-head", head["hash"], stdout=io.StringIO())

    delete_row(ChangeLog, head["seq"])
    assert not verify_chain(ChangeLog).ok  # the signed head is still at the deleted row
    put_back_head(ChangeLog, head["seq"] - 1)
    assert verify_chain(ChangeLog).ok  # no anchor file in this test
    for expected in (head["hash"], f"{head['seq']}:{head['hash']}"):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("verify_audit", "--log", "change", "--expect-head", expected, stdout=io.StringIO(), stderr=err)
        assert "change log: FAILED" in err.getvalue()


def test_expect_head_with_seq_accepts_a_chain_that_has_grown_since(chain, organisation):
    head = chain_head(ChangeLog)
    log_change(actor=None, instance=organisation, action="update", before={}, after={})
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("verify_audit", "--log", "change", "--expect-head", f"{head['seq']}:{head['hash']}", **quiet)
    with pytest.raises(CommandError):
        call_command("verify_audit", "--log", "change", "--expect-head", head["hash"], **quiet)
