"""Writes for training: head-counts, no-login links for trainers' returns and participants' feedback."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from prevent_hub.core.ratelimit import within
from prevent_hub.core.services import object_create, object_update
from prevent_hub.core.tokens import new_secret, secret_hash

from .models import Feedback, HeadCount, SessionLink

LINK_DAYS = {SessionLink.Purpose.RETURN: 14, SessionLink.Purpose.FEEDBACK: 30}
FEEDBACK_PER_HOUR = 60  # per link and connection: a room on one wifi fits
FEEDBACK_PER_LINK_PER_HOUR = 300  # per link in all: more than any session, far fewer than a flood


class TrainingError(ValueError):
    """Refused by the rules; the message says why."""


@transaction.atomic
def session_link_issue(*, actor, session, purpose: str) -> str:
    token, token_hash = new_secret()
    object_create(actor=actor, instance=SessionLink(
        partnership=session.partnership, session=session, purpose=purpose, token_hash=token_hash,
        expires_at=timezone.now() + dt.timedelta(days=LINK_DAYS[purpose]),
    ))
    return token


def session_link_find(token: str, purpose: str) -> SessionLink | None:
    link = (SessionLink.objects.select_related("session__course", "session__partnership")
            .filter(token_hash=secret_hash(token), purpose=purpose).first())
    if link is None or link.expires_at <= timezone.now() or link.used_at is not None:
        return None
    return link


MAX_HEAD_COUNT = 10_000  # more than any one session; stops a typing slip from swamping the figures


def head_count_line(*, partnership, organisation=None, sector: str = "") -> str:
    """The sector a line of attendance counts under: its organisation's, or the one chosen where the
    organisation is not known. Refuses a line with neither, or with a sector other than its organisation's."""
    if organisation is not None:
        if organisation.partnership_id != partnership.pk:
            raise TrainingError("Choose an organisation from this partnership's directory.")
        if sector and sector != organisation.sector:
            raise TrainingError(f"Leave the sector blank: people from {organisation} count under its sector, "
                                f"{organisation.get_sector_display()}.")
        return organisation.sector
    if not sector:
        raise TrainingError("Choose the organisation or the sector.")
    return sector


@transaction.atomic
def head_count_add(*, actor, session, count: int, organisation=None, sector: str = "", role: str = "",
                   attendee: str = "", returned_by: str = "") -> HeadCount:
    """People who attended ``session``, counted under the organisation they come from (not the host's)."""
    if not 1 <= count <= MAX_HEAD_COUNT:
        raise TrainingError("Enter how many people attended, from 1 to 10,000.")
    if attendee and count != 1:
        raise TrainingError("A named attendee is one person: leave the name blank for a head-count.")
    sector = head_count_line(partnership=session.partnership, organisation=organisation, sector=sector)
    return object_create(actor=actor, instance=HeadCount(
        partnership=session.partnership, session=session, organisation=organisation, sector=sector, role=role,
        attendee=attendee, count=count, returned_by=returned_by,
    ))


@transaction.atomic
def head_count_delete(*, actor, head_count) -> None:
    from prevent_hub.core.services import object_delete

    object_delete(actor=actor, instance=head_count)


@transaction.atomic
def trainer_return_submit(*, token: str, rows: list[dict], returned_by: str) -> list[HeadCount]:
    """A trainer's figures for a session, all rows at once; the link then stops working."""
    link = session_link_find(token, SessionLink.Purpose.RETURN)
    if link is None:
        raise TrainingError("This link has expired or has been used.")
    link = SessionLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise TrainingError("This link has expired or has been used.")
    # Each line counts under the organisation its people come from (or its sector), not the host's.
    saved = [head_count_add(actor=None, session=link.session, returned_by=returned_by, **row) for row in rows]
    link.used_at = timezone.now()
    object_update(actor=None, instance=link, expected_version=link.version)
    return saved


def feedback_allowed(token: str, address: str) -> bool:
    """Count one valid response against two limits: per connection, and for the link as a whole.

    A room on one wifi shares an address, so the per-address limit is generous; the per-link
    limit stops a flood from many addresses.
    """
    link_key = f"training-feedback:{secret_hash(token)[:16]}"
    return within(f"{link_key}:{address}", FEEDBACK_PER_HOUR) and within(link_key, FEEDBACK_PER_LINK_PER_HOUR)


@transaction.atomic
def feedback_submit(*, link, rating: int, confidence_before: int, confidence_after: int, comments: str = "") -> Feedback:
    return object_create(actor=None, instance=Feedback(
        partnership=link.partnership, session=link.session, rating=rating, confidence_before=confidence_before,
        confidence_after=confidence_after, comments=comments,
    ))
