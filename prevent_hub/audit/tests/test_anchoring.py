"""The signed head and the anchor file: a log cut short, emptied or rewritten fails ``verify_audit`` by itself.

The tamper suite plays someone with write access to the database (triggers bypassed, raw
SQL: see ``tampering``) but neither AUDIT_ANCHOR_KEYS nor the anchor file. Every kind
runs on both logs, and on SQLite and PostgreSQL alike (``DATABASE_URL``), after the
logs were anchored as the daily task would; each must make ``verify_audit``, without
``--expect-head``, fail. The kinds only the anchor file can catch are checked to pass
without it, so the list says honestly what each safeguard is for.
"""
import hashlib
import hmac
import io
import json
import logging
import random
import stat
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_hub.audit import anchors
from prevent_hub.audit.chain import GENESIS_HASH, row_hash
from prevent_hub.audit.models import AccessLog, ChainHead, ChangeLog
from prevent_hub.audit.services import chain_head, log_access, log_change, verify_chain
from prevent_hub.audit.testing import append_only_bypassed, tamper
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.core.testing.smtp import body_of

from .tampering import (
    HEAD_TABLE,
    TABLES,
    delete_row,
    flip_column,
    insert_forged_row,
    put_back_head,
    rechain,
    set_head,
    swap_rows,
)

pytestmark = pytest.mark.django_db

MODELS = pytest.mark.parametrize("model", [ChangeLog, AccessLog], ids=["change", "access"])
NAMES = {ChangeLog: "change", AccessLog: "access"}


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def anchored(chain, anchor_file):
    """The ``chain`` fixture's logs, anchored as the daily task would."""
    call_command("anchor_audit", stdout=io.StringIO())
    return chain


def verify_audit(*args):
    """Run ``verify_audit``; return (passed, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        assert error.returncode == 1
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def text_column(model):
    return "object_repr" if model is ChangeLog else "target_repr"


def json_column(model):
    return "after" if model is ChangeLog else "sections"


def seqs_of(model):
    return list(model.objects.order_by("seq").values_list("seq", flat=True))


def insert_copy(model, source_seq, *, seq, prev_hash=None, text=None):
    """Insert a copy of row ``source_seq`` as ``seq``; with ``prev_hash`` (and ``text``) given, link and hash it anew.

    Without ``prev_hash`` the copy keeps the source's link and hash: a replayed row.
    """
    table = TABLES[model]
    names = [field.attname for field in model.hashed_fields()]
    values = model.objects.values(*names, "hash").get(seq=source_seq)
    values["seq"] = seq
    given = {"seq"}
    if prev_hash is not None:
        values["prev_hash"] = prev_hash
        given.add("prev_hash")
    if text is not None:
        values[text_column(model)] = text
        given.add(text_column(model))
    new_hash = values["hash"] if prev_hash is None else row_hash(prev_hash, {name: values[name] for name in names})
    selects = ", ".join("%s" if name in given else name for name in names)
    params = [values[name] for name in names if name in given]
    tamper(f"INSERT INTO {table} ({', '.join(names)}, hash) SELECT {selects}, %s FROM {table} WHERE seq = %s",
           [*params, new_hash, source_seq])
    return new_hash


def append_forged(model, count):
    """Append ``count`` rows copied from the last one with new text, each correctly linked and hashed."""
    last = model.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = last
    for i in range(count):
        prev_hash = insert_copy(model, last[0], seq=seq + 1, prev_hash=prev_hash, text=f"forged {i}")
        seq += 1


def delete_from(model, seq):
    tamper(f"DELETE FROM {TABLES[model]} WHERE seq >= %s", [seq])


def renumber_down_from(model, seq):
    """Close the gap at ``seq``: every later row moves down by one (in two steps, past the unique constraint)."""
    table = TABLES[model]
    with append_only_bypassed() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = seq + 1000000 WHERE seq > %s", [seq])
        cursor.execute(f"UPDATE {table} SET seq = seq - 1000001 WHERE seq > %s", [1000000])


def swap_ids(model, seq_a, seq_b):
    table = TABLES[model]
    a, b = (model.objects.values_list("pk", flat=True).get(seq=seq) for seq in (seq_a, seq_b))
    with append_only_bypassed() as cursor:
        cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [-1, a])
        cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [a, b])
        cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [b, -1])


def head_of(model):
    return ChainHead.objects.values_list("seq", "hash", "mac").get(log=model._meta.label_lower)


# The kinds of tampering ----------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    do: object  # do(model, seqs): the log's seqs before the tamper
    expect: str  # in verify_audit's report
    anchor_only: bool = False  # caught by the anchor file alone


def _flip(column, where):
    def do(model, seqs):
        flip_column(model, where(seqs), column(model) if callable(column) else column, random.Random(7))
    return do


def _first(seqs):
    return seqs[0]


def _middle(seqs):
    return seqs[len(seqs) // 2]


def _last(seqs):
    return seqs[-1]


def _edit_and_rechain(where):
    def do(model, seqs):
        flip_column(model, where(seqs), text_column(model), random.Random(7))
        rechain(model, where(seqs))
    return do


def _cut_tail_and_rechain(model, seqs):
    delete_from(model, seqs[-3])
    flip_column(model, seqs[-5], text_column(model), random.Random(7))
    rechain(model, seqs[-5])


def _delete_first_renumber_and_rechain(model, seqs):
    delete_row(model, seqs[0])
    renumber_down_from(model, seqs[0])
    rechain(model, seqs[0])


def _cut_tail_and_refill(model, seqs):
    delete_from(model, seqs[-2])
    append_forged(model, 2)


def _edit_head_seq(model, seqs):
    delete_row(model, seqs[-1])
    _, _, mac = head_of(model)
    set_head(model, seqs[-2], model.objects.get(seq=seqs[-2]).hash, mac)


def _sign_head_with_own_key(model, seqs):
    delete_row(model, seqs[-1])
    hash_ = model.objects.get(seq=seqs[-2]).hash
    message = f"{model._meta.label_lower}:{seqs[-2]}:{hash_}".encode()
    set_head(model, seqs[-2], hash_, hmac.new(b"a key of the forger's own", message, hashlib.sha256).hexdigest())


def _delete_head(model, seqs):
    tamper(f"DELETE FROM {HEAD_TABLE} WHERE log = %s", [model._meta.label_lower])


KINDS = [
    Kind("edit text in the first row", _flip(text_column, _first), "hash mismatch"),
    Kind("edit text in a middle row", _flip(text_column, _middle), "hash mismatch"),
    Kind("edit text in the last row", _flip(text_column, _last), "hash mismatch"),
    Kind("edit a JSON field", _flip(json_column, _middle), "hash mismatch"),
    Kind("edit a timestamp", _flip("timestamp", _middle), "hash mismatch"),
    Kind("edit a user id", _flip("user_id", _middle), "hash mismatch"),
    Kind("edit a stored hash", _flip("hash", _middle), "hash mismatch"),
    Kind("edit the last row's hash", _flip("hash", _last), "hash mismatch"),
    Kind("edit a prev_hash", _flip("prev_hash", _middle), "broken link"),
    Kind("delete the first row", lambda model, seqs: delete_row(model, seqs[0]), "gap in sequence"),
    Kind("delete a middle row", lambda model, seqs: delete_row(model, _middle(seqs)), "gap in sequence"),
    Kind("delete the last row", lambda model, seqs: delete_row(model, seqs[-1]), "entries were removed from the end"),
    Kind("delete the last two rows", lambda model, seqs: delete_from(model, seqs[-2]),
         "entries were removed from the end"),
    Kind("delete every row", lambda model, seqs: delete_from(model, seqs[0]), "every entry was removed"),
    Kind("swap two rows' seqs", lambda model, seqs: swap_rows(model, seqs[-4], seqs[-3]), "broken link"),
    Kind("duplicate a row at the end", lambda model, seqs: insert_copy(model, _middle(seqs), seq=seqs[-1] + 1),
         "broken link"),
    Kind("insert a forged row mid-chain with a valid hash",
         lambda model, seqs: insert_forged_row(model, _middle(seqs), valid_hash=True), "broken link"),
    Kind("append a forged row with a valid chain hash", lambda model, seqs: append_forged(model, 1),
         "added outside the application"),
    Kind("edit a row and recompute the chain after it", _edit_and_rechain(_middle),
         "rewritten and its hashes recomputed"),
    Kind("edit the first row and recompute the whole chain", _edit_and_rechain(_first),
         "rewritten and its hashes recomputed"),
    Kind("edit the last row and recompute its hash", _edit_and_rechain(_last), "rewritten and its hashes recomputed"),
    Kind("cut the tail and recompute the chain", _cut_tail_and_rechain, "entries were removed from the end"),
    Kind("delete the first row, renumber and recompute", _delete_first_renumber_and_rechain,
         "entries were removed from the end"),
    Kind("delete a middle row and renumber the rest",
         lambda model, seqs: (delete_row(model, _middle(seqs)), renumber_down_from(model, _middle(seqs))),
         "broken link"),
    Kind("cut the tail and append forged rows to the same length", _cut_tail_and_refill,
         "rewritten and its hashes recomputed"),
    Kind("swap two rows' ids", lambda model, seqs: swap_ids(model, seqs[-5], seqs[-4]), "row id out of order"),
    Kind("move a row's id past the others",
         lambda model, seqs: tamper(f"UPDATE {TABLES[model]} SET id = (SELECT MAX(id) FROM {TABLES[model]}) + 1000 "
                                    "WHERE seq = %s", [_middle(seqs)]), "row id out of order"),
    Kind("delete the signed head", _delete_head, "the signed head is missing"),
    Kind("delete every row and the signed head",
         lambda model, seqs: (delete_from(model, seqs[0]), _delete_head(model, seqs)), "the signed head is missing"),
    Kind("cut the tail and change the signed head's seq", _edit_head_seq, "invalid signature"),
    Kind("cut the tail and sign the head with another key", _sign_head_with_own_key, "invalid signature"),
    Kind("cut the tail and put back an older signed head",
         lambda model, seqs: (delete_from(model, seqs[-2]), put_back_head(model, seqs[-3])),
         "shorter than its anchored head", anchor_only=True),
    Kind("empty the log and put back the empty log's signed head",
         lambda model, seqs: (delete_from(model, seqs[0]), put_back_head(model, 0)),
         "the log is empty, but it was anchored", anchor_only=True),
]


def test_the_suite_has_at_least_25_kinds():
    assert len(KINDS) >= 25 and len({kind.name for kind in KINDS}) == len(KINDS)


@MODELS
@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_verify_audit_alone_detects_the_tamper(anchored, settings, model, kind):
    name, other = NAMES[model], NAMES[AccessLog if model is ChangeLog else ChangeLog]
    seqs = seqs_of(model)
    assert len(seqs) >= 6
    kind.do(model, seqs)

    passed, out, err = verify_audit()
    assert not passed, out
    assert f"{name} log: FAILED" in err and kind.expect in err, err
    assert f"{other} log: " in out and "OK" in out  # the other log is untouched

    settings.AUDIT_ANCHOR_FILE = None  # the signed head alone
    passed, out, err = verify_audit("--log", name)
    assert passed is kind.anchor_only, out + err


# Untampered logs ------------------------------------------------------------------------


def test_an_untampered_log_verifies_with_its_head_and_anchors(anchored):
    passed, out, err = verify_audit()
    assert passed, err
    for model in (ChangeLog, AccessLog):
        result = verify_chain(model)
        assert result.ok and result.anchors_checked == 1
        assert head_of(model)[:2] == (result.last_seq, result.last_hash)
        assert f"{NAMES[model]} log: {model.objects.count()} rows checked, OK" in out
    assert "1 anchor(s) checked" in out


@MODELS
def test_an_empty_fresh_log_verifies_and_continues_from_seq_1(model, anchor_file):
    """As after the first migrate: no rows, the head at seq 0 with the genesis hash."""
    delete_from(model, 1)
    put_back_head(model, 0)
    assert head_of(model)[:2] == (0, GENESIS_HASH)
    passed, out, err = verify_audit("--log", NAMES[model])
    assert passed and f"{NAMES[model]} log: 0 rows checked, OK" in out, err
    call_command("anchor_audit", "--log", NAMES[model], stdout=io.StringIO())
    assert json.loads(anchor_file.read_text())["seq"] == 0
    entry = model.objects.create(**({"action": "create"} if model is ChangeLog else {"event": "export"}))
    assert entry.seq == 1 and entry.prev_hash == GENESIS_HASH
    assert head_of(model)[:2] == (1, entry.hash)
    assert verify_audit("--log", NAMES[model])[0]


def test_appends_after_an_anchor_still_verify(anchored, organisation):
    anchored_heads = {model: chain_head(model) for model in (ChangeLog, AccessLog)}
    for i in range(5):
        log_change(actor=None, instance=organisation, action="update", before={"i": i}, after={"i": i + 1})
        log_access(actor=None, event="consultation", target=organisation, purpose=f"After the anchor {i}")
    history = [{"timestamp": AccessLog.objects.get(seq=anchored_heads[AccessLog]["seq"]).timestamp,
                "user_id": None, "user_repr": "", "roles": "", "request_id": "", "partnership_id": None,
                "event": "export", "target_type": "", "target_id": str(n), "target_repr": "", "target_version": None,
                "sections": [], "purpose": "", "recipient": ""} for n in range(30)]
    AccessLog.append_history(history)
    assert verify_audit()[0]
    call_command("anchor_audit", stdout=io.StringIO())
    for model in (ChangeLog, AccessLog):
        result = verify_chain(model)
        assert result.ok and result.anchors_checked == 2 and result.last_seq > anchored_heads[model]["seq"]


# The signed head ------------------------------------------------------------------------


@MODELS
def test_every_append_moves_the_signed_head_in_one_update(chain, organisation, settings, model):
    log = model._meta.label_lower
    with CaptureQueriesContext(connection) as queries:
        if model is ChangeLog:
            entry = log_change(actor=None, instance=organisation, action="update", before={}, after={})
        else:
            entry = log_access(actor=None, event="download", target=organisation)
    seq, hash_, mac = head_of(model)
    assert (seq, hash_) == (entry.seq, entry.hash)
    expected = hmac.new(settings.AUDIT_ANCHOR_KEYS[0].encode(), f"{log}:{seq}:{hash_}".encode(), hashlib.sha256)
    assert mac == expected.hexdigest()
    head_queries = [q["sql"] for q in queries.captured_queries if HEAD_TABLE in q["sql"]]
    assert len(head_queries) == 1 and head_queries[0].startswith("UPDATE")


def test_a_bulk_history_load_moves_the_head_once(chain):
    start = chain_head(AccessLog)
    history = [{"timestamp": AccessLog.objects.get(seq=start["seq"]).timestamp, "user_id": None, "user_repr": "",
                "roles": "", "request_id": "", "partnership_id": None, "event": "consultation",
                "target_type": "", "target_id": str(n), "target_repr": "", "target_version": None,
                "sections": ["s"], "purpose": "", "recipient": ""} for n in range(1200)]
    with CaptureQueriesContext(connection) as queries:
        assert AccessLog.append_history(history) == 1200
    assert sum(HEAD_TABLE in q["sql"] for q in queries.captured_queries) == 1
    assert head_of(AccessLog)[:2] == (start["seq"] + 1200, chain_head(AccessLog)["hash"])
    assert verify_chain(AccessLog).ok


@MODELS
def test_an_append_after_a_cut_leaves_the_head_where_it_was_and_says_so(chain, organisation, caplog, model):
    """The next append must not cover the cut up: the head stays, and the security log says why."""
    seqs = seqs_of(model)
    delete_from(model, seqs[-2])
    security = logging.getLogger("prevent_hub.security")
    security.addHandler(caplog.handler)
    try:
        for _ in range(2):  # back to the length it had
            if model is ChangeLog:
                log_change(actor=None, instance=organisation, action="update", before={}, after={})
            else:
                log_access(actor=None, event="download", target=organisation)
    finally:
        security.removeHandler(caplog.handler)
    assert head_of(model)[0] == seqs[-1]
    label = model._meta.label_lower
    assert f"The signed head of {label} was not moved to seq {seqs[-2]}: it is at seq {seqs[-1]}, not on the last " \
           f"entry (seq {seqs[-3]})" in caplog.text
    # The log has grown back to its length, yet still fails.
    result = verify_chain(model)
    assert not result.ok and result.last_seq == seqs[-1] and "signed head's hash" in result.problem


def test_an_append_under_other_keys_leaves_the_head_and_says_why(chain, organisation, caplog, settings):
    """A server configured with other AUDIT_ANCHOR_KEYS cannot move the head: both the log and the check say so."""
    keys = settings.AUDIT_ANCHOR_KEYS
    settings.AUDIT_ANCHOR_KEYS = ["another-audit-anchor-key-of-more-than-32-characters"]
    security = logging.getLogger("prevent_hub.security")
    security.addHandler(caplog.handler)
    try:
        entry = log_change(actor=None, instance=organisation, action="update", before={}, after={})
    finally:
        security.removeHandler(caplog.handler)
    assert "its signature does not verify under AUDIT_ANCHOR_KEYS" in caplog.text
    settings.AUDIT_ANCHOR_KEYS = keys
    result = verify_chain(ChangeLog)
    assert not result.ok and result.first_bad_seq == entry.seq
    assert "or by a server with other AUDIT_ANCHOR_KEYS" in result.problem


def test_the_database_refuses_to_delete_a_signed_head(chain):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {HEAD_TABLE}")
    assert ChainHead.objects.count() == 2


def test_keys_can_be_rotated_and_a_retired_key_is_named(anchored, settings, organisation):
    old = settings.AUDIT_ANCHOR_KEYS[0]
    settings.AUDIT_ANCHOR_KEYS = ["a-new-audit-anchor-key-of-more-than-32-characters", old]
    assert verify_audit()[0]  # the head and anchor signed with the old key still verify
    log_change(actor=None, instance=organisation, action="update", before={}, after={})
    assert anchors.signature_ok("audit.changelog", *head_of(ChangeLog))  # moved and re-signed with the new key
    settings.AUDIT_ANCHOR_KEYS = settings.AUDIT_ANCHOR_KEYS[:1]
    passed, _, err = verify_audit()
    assert not passed
    # The change log's head is under the new key; the anchors (and the access log's head) are under the old one.
    assert "access log: FAILED: the anchor on line 1 of the anchor file has an invalid signature" in err
    assert "change log: FAILED: the anchor on line 2 of the anchor file has an invalid signature" in err
    assert "no longer in AUDIT_ANCHOR_KEYS" in err


def test_resign_head_after_an_investigated_cut(anchored, anchor_file):
    seqs = seqs_of(ChangeLog)
    delete_from(ChangeLog, seqs[-2])
    err = io.StringIO()
    call_command("anchor_audit", "--resign-head", "--log", "change", stdout=io.StringIO(), stderr=err)
    assert head_of(ChangeLog)[:2] == (seqs[-3], ChangeLog.objects.get(seq=seqs[-3]).hash)
    # The anchor file still remembers the longer log, until the operator archives it.
    passed, _, err = verify_audit("--log", "change")
    assert not passed and f"shorter than its anchored head at seq {seqs[-1]}" in err
    anchor_file.rename(anchor_file.with_suffix(".archived"))
    assert verify_audit("--log", "change")[0]


def test_resign_head_refuses_rows_that_do_not_chain(chain):
    flip_column(ChangeLog, chain[ChangeLog][3], "object_repr")
    before = head_of(ChangeLog)
    with pytest.raises(CommandError):
        call_command("anchor_audit", "--resign-head", stdout=io.StringIO(), stderr=io.StringIO())
    assert head_of(ChangeLog) == before


# The anchor file ------------------------------------------------------------------------


def test_anchor_audit_appends_a_signed_head_per_log(chain, anchor_file, settings):
    out = io.StringIO()
    call_command("anchor_audit", stdout=out)
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert [line["log"] for line in lines] == ["audit.accesslog", "audit.changelog"]
    key = settings.AUDIT_ANCHOR_KEYS[0].encode()
    for line, model in zip(lines, (AccessLog, ChangeLog), strict=True):
        head = chain_head(model)
        assert (line["seq"], line["hash"]) == (head["seq"], head["hash"])
        message = f"{line['log']}:{line['seq']}:{line['hash']}".encode()
        assert line["mac"] == hmac.new(key, message, hashlib.sha256).hexdigest()
        assert set(line) == {"log", "seq", "hash", "mac", "anchored_at"}
        assert f"Anchored {line['log']} at seq {line['seq']} in {anchor_file}" in out.getvalue()
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    call_command("anchor_audit", "--log", "change", stdout=io.StringIO())
    assert len(anchor_file.read_text().splitlines()) == 3  # appended, never rewritten


@MODELS
def test_anchor_audit_refuses_a_log_that_does_not_verify(anchored, anchor_file, model):
    before = anchor_file.read_text()
    delete_row(model, seqs_of(model)[-1])
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("anchor_audit", stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"{NAMES[model]} log: FAILED" in err.getvalue()
    assert anchor_file.read_text() == before  # nothing anchored, not even the other log


def test_anchor_audit_needs_a_file(chain, settings):
    settings.AUDIT_ANCHOR_FILE = None
    with pytest.raises(CommandError, match="AUDIT_ANCHOR_FILE is not set"):
        call_command("anchor_audit", stdout=io.StringIO())


@MODELS
def test_verify_audit_fails_on_a_log_shorter_than_its_anchor(anchored, model):
    seqs = seqs_of(model)
    delete_from(model, seqs[-3])
    put_back_head(model, seqs[-4])  # even with the signed head of that time
    passed, _, err = verify_audit()
    assert not passed
    assert (f"{NAMES[model]} log: FAILED at seq {seqs[-3]}: the log ends at seq {seqs[-4]}, shorter than its "
            f"anchored head at seq {seqs[-1]} (on ") in err
    assert "entries were removed from the end" in err


@MODELS
def test_verify_audit_fails_on_an_anchored_log_emptied(anchored, model):
    seqs = seqs_of(model)
    delete_from(model, seqs[0])
    put_back_head(model, 0)
    passed, _, err = verify_audit()
    assert not passed
    assert f"{NAMES[model]} log: FAILED at seq 1: the log is empty, but it was anchored at seq {seqs[-1]} on " in err


def test_a_forged_or_garbled_anchor_fails(anchored, anchor_file):
    head = chain_head(ChangeLog)
    forged = {"log": "audit.changelog", "seq": head["seq"], "hash": head["hash"], "mac": "0" * 64, "anchored_at": ""}
    with anchor_file.open("a") as file:
        file.write(json.dumps(forged) + "\n")
    passed, _, err = verify_audit()
    assert not passed and "change log: FAILED: the anchor on line 3 of the anchor file has an invalid signature" in err
    with anchor_file.open("a") as file:
        file.write("{not json\n")
    passed, _, err = verify_audit()
    assert not passed and f"Line 4 of the anchor file {anchor_file} is not an anchor." in err


# The daily task -------------------------------------------------------------------------


@pytest.fixture
def alert_roles():
    """Who holds the alert roles (and who does not) across two partnerships; returns the expected recipients."""
    a, b = PartnershipFactory(slug="alpha-a"), PartnershipFactory(slug="bravo-b")
    auditor = user_with(Role.AUDITOR, a, email="auditor@example.test")
    admin = user_with(Role.SYSTEM_ADMIN, b, email="sysadmin@example.test")
    both = user_with(Role.AUDITOR, b, email="both@example.test")
    both.memberships.create(partnership=a, role=Role.SYSTEM_ADMIN)  # one email all the same
    user_with(Role.COORDINATOR, a, email="coordinator@example.test")
    user_with(Role.AUDITOR, a, email="left@example.test", is_active=False)
    return sorted([auditor.email, admin.email, both.email])


def test_audit_daily_anchors_both_logs_and_sends_nothing_when_they_verify(anchored, anchor_file, smtp_server,
                                                                         alert_roles):
    out = io.StringIO()
    call_command("audit_daily", stdout=out, stderr=io.StringIO())
    assert "change log: " in out.getvalue() and "access log: " in out.getvalue()
    assert len(anchor_file.read_text().splitlines()) == 4
    assert smtp_server.messages == []


def test_audit_daily_alerts_the_alert_roles_when_a_log_fails(anchored, anchor_file, smtp_server, alert_roles,
                                                             caplog, settings):
    seqs = seqs_of(ChangeLog)
    text = ChangeLog.objects.get(seq=seqs[-1]).object_repr
    delete_row(ChangeLog, seqs[-1])
    security = logging.getLogger("prevent_hub.security")
    security.addHandler(caplog.handler)
    err = io.StringIO()
    try:
        with pytest.raises(CommandError) as raised:
            call_command("audit_daily", stdout=io.StringIO(), stderr=err)
    finally:
        security.removeHandler(caplog.handler)
    assert raised.value.returncode == 1
    problem = (f"change log: FAILED at seq {seqs[-1]}: the log ends at seq {seqs[-2]}, but its signed head is at "
               f"seq {seqs[-1]}: entries were removed from the end")
    assert problem in err.getvalue() and "Alert emailed to 3 holder(s) of auditor, system_admin." in err.getvalue()
    assert f"Daily audit check: {problem}" in caplog.text

    messages = smtp_server.messages
    assert sorted(message["X-Envelope-To"] for message in messages) == alert_roles
    for message in messages:
        assert message["Subject"] == "Audit log check failed: change log"
        body = body_of(message)
        assert problem in body and settings.SITE_URL in body
        assert "access log" not in body and text not in body  # the failing log only, and no entry's content
        assert "manage.py verify_audit" in body

    # Only the log that verified was anchored.
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert [line["log"] for line in lines[2:]] == ["audit.accesslog"]
