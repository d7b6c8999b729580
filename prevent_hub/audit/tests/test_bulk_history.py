"""Bulk history loads: appended history continues the chain and verifies."""
import datetime as dt

import pytest

from prevent_hub.audit.models import AccessLog, AppendOnlyError
from prevent_hub.audit.services import log_access, verify_chain


def _history(count, start):
    return [
        {"timestamp": start + dt.timedelta(minutes=n), "user_id": None, "user_repr": "Synthetic reader", "roles": "",
         "request_id": "", "partnership_id": None, "event": "consultation", "target_type": "channel.case",
         "target_id": f"L-{n:016x}", "target_repr": f"L-{n:016x}", "target_version": 1,
         "sections": ["summary", "naïve \"quoted\" text"], "purpose": "Preparing for panel", "recipient": ""}
        for n in range(count)
    ]


@pytest.mark.django_db
def test_history_is_chained_after_the_head_and_live_entries_follow_it():
    log_access(actor=None, event="export", target_type="test", target_id="before")
    head = AccessLog.objects.order_by("-seq").first()
    assert AccessLog.append_history(_history(1200, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))) == 1200
    log_access(actor=None, event="export", target_type="test", target_id="after")
    rows = list(AccessLog.objects.filter(seq__gt=head.seq).order_by("seq"))
    assert [row.seq for row in rows] == list(range(head.seq + 1, head.seq + 1202))
    assert rows[0].prev_hash == head.hash and rows[-1].prev_hash == rows[-2].hash
    assert rows[0].timestamp == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert rows[0].sections == ["summary", "naïve \"quoted\" text"]
    result = verify_chain(AccessLog)
    assert result.ok and result.rows_checked == AccessLog.objects.count()


@pytest.mark.django_db
def test_the_ordinary_bulk_write_is_still_refused():
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.bulk_create([AccessLog(event="export")])
