"""Chasing owners: one digest per owner before a period's deadline, chasers until they update.

Owners without an account get a single-use, expiring link per action that lets them
update that action and nothing else. Every email sent (or failed) is in the email log.
"""
import datetime as dt
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.services import object_create, object_update
from prevent_hub.core.tokens import new_secret, secret_hash

from . import schedule
from .choices import ActionStatus
from .models import Action, EmailLog, OwnerLink, PlanVersion, ProgressUpdate
from .services import TrackingError, progress_update_create


@transaction.atomic
def owner_link_issue(*, actor, action, person, period_start) -> str:
    """Create a link for ``person`` to update ``action`` once; return the token (only the hash is kept)."""
    token, token_hash = new_secret()
    _retire_links(action=action, person=person, period_start=period_start)  # only the newest link works
    object_create(actor=actor, instance=OwnerLink(
        partnership=action.partnership, action=action, person=person, token_hash=token_hash,
        period_start=period_start, expires_at=timezone.now() + dt.timedelta(days=settings.OWNER_LINK_DAYS),
    ))
    return token


class LinkRefused(Exception):
    """The link is unknown, used or expired: the page says so and opens nothing."""


def owner_link_find(token: str) -> OwnerLink:
    link = (
        OwnerLink.objects.select_related("action__plan_version__plan", "action__partnership", "person")
        .filter(token_hash=secret_hash(token)).first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused
    return link


@transaction.atomic
def owner_link_redeem(*, token: str, **update_fields) -> ProgressUpdate:
    """Save the owner's update and spend the link, together: a link works exactly once."""
    link = owner_link_find(token)
    link = OwnerLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:  # another request spent it first
        raise LinkRefused
    update = progress_update_create(
        actor=None, action=link.action, period_start=link.period_start,
        author_name=f"{link.person.name} (emailed link)", **update_fields,
    )
    link.used_at = timezone.now()
    object_update(actor=None, instance=link, expected_version=link.version)
    _retire_links(action=link.action, person=link.person, period_start=link.period_start)
    return update


def _retire_links(*, action, person, period_start) -> None:
    """Spend every other unused link for this action, person and period: one update per email chain."""
    now = timezone.now()
    for other in OwnerLink.objects.select_for_update().filter(
        action=action, person=person, period_start=period_start, used_at__isnull=True, expires_at__gt=now,
    ):
        other.expires_at = now
        object_update(actor=None, instance=other, expected_version=other.version)


@dataclass
class Digest:
    person: object
    actions: list = field(default_factory=list)


def due_digests(as_of: dt.date) -> list[tuple[PlanVersion, schedule.Period, Digest, str]]:
    """(version, period, digest, kind) for every owner to email on ``as_of``; nothing for those all up to date."""
    found = []
    for version in PlanVersion.objects.select_related("partnership", "plan"):
        year_start_month = version.partnership.year_start_month
        window = schedule.version_window(version.year_start, year_start_month)
        if window is None or not window[0] <= as_of <= window[1]:
            continue
        period = schedule.period_containing(as_of, year_start_month)
        if as_of < period.end - dt.timedelta(days=settings.REMINDER_LEAD_DAYS):
            continue
        updated = set(ProgressUpdate.objects.filter(action__plan_version=version, period_start__gte=period.start)
                      .values_list("action_id", flat=True))
        digests: dict[int, Digest] = {}
        actions = (Action.objects.filter(plan_version=version).exclude(pk__in=updated)
                   .exclude(status=ActionStatus.COMPLETE)  # nothing left to report on
                   .prefetch_related("owners__person").order_by("sort_key"))
        for action in actions:
            for owner in action.owners.all():
                if owner.person and owner.person.email:
                    digests.setdefault(owner.person.pk, Digest(owner.person)).actions.append(action)
        sent = defaultdict(list)
        for log in EmailLog.objects.filter(partnership=version.partnership, period_start=period.start, sent=True):
            sent[log.recipient.lower()].append(log.run_date)
        for digest in digests.values():
            earlier = sent.get(digest.person.email.lower(), [])
            if not earlier:
                found.append((version, period, digest, EmailLog.Kind.DIGEST))
            elif (as_of - max(earlier)).days >= settings.CHASER_INTERVAL_DAYS:
                found.append((version, period, digest, EmailLog.Kind.CHASER))
    return found


def send_reminders(as_of: dt.date | None = None) -> int:
    """Send the day's digests and chasers; return how many emails went. Each email is its own transaction."""
    as_of = as_of or timezone.localdate()
    count = 0
    for version, period, digest, kind in due_digests(as_of):
        count += _send(version, period, digest, kind, as_of)
    return count


def _send(version, period, digest, kind, as_of) -> int:
    """Issue the links, send the email and log it in one transaction; a failed send keeps only its log entry."""
    person = digest.person
    deadline = period.end
    subject = (f"Reminder: update your Prevent actions by {deadline:%-d %B %Y}" if kind == EmailLog.Kind.CHASER
               else f"Please update your Prevent actions for {period.label} by {deadline:%-d %B %Y}")
    log = EmailLog(partnership=version.partnership, person=person, recipient=person.email, kind=kind,
                   period_start=period.start, run_date=as_of, subject=subject,
                   action_refs=[a.ref for a in digest.actions])
    try:
        with transaction.atomic():
            items = []
            for action in digest.actions:
                if person.user_id:
                    url = action.get_absolute_url()
                else:
                    token = owner_link_issue(actor=None, action=action, person=person, period_start=period.start)
                    url = reverse("owner_links:owner_update", kwargs={"token": token})
                items.append({"action": action, "url": settings.SITE_URL.rstrip("/") + url})
            body = render_to_string("plans/email/digest.txt", {
                "person": person, "items": items, "period": period, "deadline": deadline, "version": version,
                "kind": kind, "link_days": settings.OWNER_LINK_DAYS,
            })
            send_mail(subject, body, None, [person.email])
            log.sent = True
            object_create(actor=None, instance=log)
        return 1
    except (OSError, smtplib.SMTPException) as error:  # the links were never sent, so they are rolled back
        log.sent = False
        log.error = str(error)[:2000]
        object_create(actor=None, instance=log)
        return 0


__all__ = ["LinkRefused", "TrackingError", "owner_link_find", "owner_link_issue", "owner_link_redeem", "send_reminders"]
