"""Behaviour with real commits: the logs survive the test runner's flush, and concurrent appends never fork the chain.

These tests commit, so their rows stay in the (unmanaged, never flushed) log tables
for the rest of the session. They must never tamper with the logs.
"""
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.audit.services import chain_head, log_access, log_change, verify_chain
from prevent_hub.core.context import current_request_id

pytestmark = pytest.mark.django_db(transaction=True)

_written_by_first_test: list[int] = []


def _write_three(organisation, label):
    seqs = []
    for i in range(3):
        with transaction.atomic():
            entry = log_change(actor=None, instance=organisation, action="update", before={"i": i}, after={"l": label})
            seqs.append(entry.seq)
            log_access(actor=None, event="consultation", target=organisation, purpose=label)
    return seqs


def test_committed_entries_verify_and_survive_the_flush_1(organisation):
    """The flush after this test must not touch the logs (the triggers would make it fail)."""
    _written_by_first_test.extend(_write_three(organisation, "first"))
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok


def test_committed_entries_verify_and_survive_the_flush_2(organisation):
    """After a flush the chain is still whole and simply continues."""
    if _written_by_first_test:
        assert ChangeLog.objects.filter(seq__in=_written_by_first_test).count() == 3
    seqs = _write_three(organisation, "second")
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap(organisation):
    head = chain_head(ChangeLog)
    with pytest.raises(RuntimeError), transaction.atomic():
        log_change(actor=None, instance=organisation, action="update", before={}, after={})
        raise RuntimeError("the change failed")
    assert chain_head(ChangeLog) == head
    entry = log_change(actor=None, instance=organisation, action="update", before={}, after={})
    assert entry.seq == (head["seq"] or 0) + 1
    assert verify_chain(ChangeLog).ok


THREADS, PER_THREAD = 4, 25


def _append_waiting_for_the_lock(organisation, n, i):
    """Append in its own transaction, waiting while another connection holds SQLite's write lock.

    The test runner's SQLite database is a shared-cache in-memory database, which
    reports a held lock at once ("database table is locked") instead of waiting for
    the connection's ``timeout`` as a database file does; so wait here instead.
    """
    while True:
        try:
            with transaction.atomic():
                log_change(actor=None, instance=organisation, action="update", before={"t": n}, after={"i": i})
            return
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.001)


def test_concurrent_appends_give_an_unbroken_chain(organisation):
    """4 threads × 25 appends, each on its own connection: no gaps, no duplicates, chain verifies."""
    start = chain_head(ChangeLog)["seq"] or 0
    barrier = threading.Barrier(THREADS)
    errors = []

    def work(n):
        current_request_id.set(f"concurrency-{n}")
        try:
            barrier.wait()
            for i in range(PER_THREAD):
                _append_waiting_for_the_lock(organisation, n, i)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * PER_THREAD
    seqs = list(ChangeLog.objects.filter(seq__gt=start).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(start + 1, start + total + 1))
    assert ChangeLog.objects.filter(request_id__startswith="concurrency-", seq__gt=start).count() == total
    for n in range(THREADS):
        assert ChangeLog.objects.filter(request_id=f"concurrency-{n}", seq__gt=start).count() == PER_THREAD
    result = verify_chain(ChangeLog)
    assert result.ok, result
    assert result.last_seq == start + total


def _verify_waiting_for_the_lock(model):
    """``verify_chain``, waiting like ``_append_waiting_for_the_lock`` while an append holds SQLite's lock."""
    while True:
        try:
            return verify_chain(model)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.001)


def test_appends_committed_during_a_check_neither_fail_it_nor_go_unchecked(organisation, settings, tmp_path):
    """The rows, the signed head and the anchors are read in one snapshot, so appends meanwhile are no alarm."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    call_command("anchor_audit", stdout=io.StringIO())
    stop, errors, appended = threading.Event(), [], []

    def append_until_stopped():
        try:
            while not stop.is_set():
                _append_waiting_for_the_lock(organisation, "during the check", len(appended))
                appended.append(1)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    def appends_go_on(count):
        while len(appended) < count and thread.is_alive():
            time.sleep(0.001)

    thread = threading.Thread(target=append_until_stopped)
    thread.start()
    results = []
    try:
        for _ in range(25):
            appends_go_on(len(appended) + 1)  # on SQLite a check holds the lock: let an append in between
            results.append(_verify_waiting_for_the_lock(ChangeLog))
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert [result for result in results if not result.ok] == []
    assert len({result.last_seq for result in results}) > 1  # the log did grow while it was checked
    call_command("anchor_audit", stdout=io.StringIO())
    final = verify_chain(ChangeLog)
    assert final.ok and final.anchors_checked == 2
