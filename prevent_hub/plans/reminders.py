"""Asking owners for their updates: one email and one link per owner and period, for all their actions.

The daily run sends each owner a digest before a period's deadline and chasers until their actions
are updated; the coordinator can send or re-send a request to one owner or to everyone who has not
updated, or make a link to give by phone. Owners without an account get a link that opens all of
their actions for that period (and nothing else); owners with an account are sent to My actions.
Every email sent (or that failed) is in the email log; every link made is in the change log.
"""
import datetime as dt
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.links import partnership_url
from prevent_hub.core.services import object_create, object_update
from prevent_hub.core.tokens import new_secret, secret_hash

from . import schedule, selectors
from .choices import ActionStatus
from .models import Action, EmailLog, OwnerLink, PlanVersion, ProgressUpdate
from .services import TrackingError, progress_update_create

# An owner asking for a fresh link gets at most one email in this time, however often they ask.
RENEWAL_QUIET_MINUTES = 10


class LinkRefused(Exception):
    """The link is unknown, superseded, used or expired: the page says so and opens nothing."""


# Links -------------------------------------------------------------------------------------------

def _check_can_ask(version, person, period_start) -> list[Action]:
    """Refuse a request or link nobody could use; return the person's open actions in ``version``."""
    if selectors.period_locked(version, period_start):
        period = schedule.period_containing(period_start, version.partnership.year_start_month)
        instead = selectors.open_period_instead(version, period_start)
        raise TrackingError(
            f"{period.label} has been reported to the Strategy Group and is locked, so nobody can update it. "
            + (f"Ask for {instead.label} instead." if instead else "Every period of this plan version is locked."))
    actions = selectors.actions_for_owner(version, person)
    if not actions:
        raise TrackingError(f"{person.name} is not an owner of any open action in {version}: nothing was sent.")
    return actions


@transaction.atomic
def owner_link_issue(*, actor, version, person, period_start) -> str:
    """Make the one working link for ``person`` to update their actions for a period; return its token.

    Any earlier link of theirs for that period stops working. Only the hash is kept.
    """
    _check_can_ask(version, person, period_start)
    token, token_hash = new_secret()
    _retire_links(version=version, person=person, period_start=period_start)
    object_create(actor=actor, instance=OwnerLink(
        partnership=version.partnership, plan_version=version, person=person, token_hash=token_hash,
        period_start=period_start, expires_at=timezone.now() + dt.timedelta(days=settings.OWNER_LINK_DAYS),
    ))
    return token


def owner_link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("owner_links:owner_update", kwargs={"token": token})


def _retire_links(*, version, person, period_start) -> None:
    now = timezone.now()
    for other in OwnerLink.objects.select_for_update().filter(
        plan_version=version, person=person, period_start=period_start, used_at__isnull=True, expires_at__gt=now,
    ):
        other.expires_at = now
        object_update(actor=None, instance=other, expected_version=other.version)


def owner_link_lookup(token: str) -> OwnerLink | None:
    """The link behind ``token`` whatever its state (for asking for a fresh one), or None."""
    return (OwnerLink.objects.select_related("plan_version__plan", "plan_version__partnership", "person",
                                             "partnership")
            .filter(token_hash=secret_hash(token)).first())


def owner_link_find(token: str) -> OwnerLink:
    """The working link behind ``token``; LinkRefused if it is unknown, spent, expired or its period locked."""
    link = owner_link_lookup(token)
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused
    if selectors.period_locked(link.plan_version, link.period_start):
        raise LinkRefused
    return link


@transaction.atomic
def owner_link_update(*, token: str, action, **fields) -> ProgressUpdate:
    """Save one action's update through the link (each action on its own); spend the link when all are done."""
    link = owner_link_find(token)
    link = OwnerLink.objects.select_for_update().select_related("person", "plan_version").get(pk=link.pk)
    if link.used_at is not None or link.expires_at <= timezone.now():  # spent or replaced a moment ago
        raise LinkRefused
    owned = {a.pk for a in selectors.actions_for_owner(link.plan_version, link.person)}
    if action.pk not in owned:
        raise LinkRefused
    update = progress_update_create(
        actor=None, action=action, period_start=link.period_start, person=link.person,
        author_name=f"{link.person.name} (emailed link)", **fields,
    )
    updated = set(ProgressUpdate.objects.filter(action_id__in=owned, period_start=link.period_start)
                  .values_list("action_id", flat=True))
    if owned <= updated:
        link.used_at = timezone.now()
        object_update(actor=None, instance=link, expected_version=link.version)
    return update


# Emails ------------------------------------------------------------------------------------------

@dataclass
class Digest:
    person: object
    actions: list = field(default_factory=list)


def _subject(kind, period) -> str:
    deadline = period.end
    if kind == EmailLog.Kind.CHASER:
        return f"Reminder: update your Prevent actions by {deadline:%-d %B %Y}"
    if kind == EmailLog.Kind.LINK:
        return f"Your new link to update your Prevent actions for {period.label}"
    return f"Please update your Prevent actions for {period.label} by {deadline:%-d %B %Y}"


def _email_owner(*, actor, version, period, person, actions, kind, run_date) -> EmailLog:
    """Make the link (owners without an account), send the email and log it, in one transaction.

    A failed send rolls back the link and keeps only its log entry, with the error.
    """
    log = EmailLog(partnership=version.partnership, person=person, recipient=person.email, kind=kind,
                   period_start=period.start, run_date=run_date, subject=_subject(kind, period),
                   action_refs=[a.ref for a in actions])
    try:
        with transaction.atomic():
            if person.user_id:
                url = settings.SITE_URL.rstrip("/") + partnership_url("plans:my_actions", version.partnership.slug)
                expires = None
            else:
                url = owner_link_url(owner_link_issue(actor=actor, version=version, person=person,
                                                      period_start=period.start))
                expires = timezone.localdate() + dt.timedelta(days=settings.OWNER_LINK_DAYS)
            body = render_to_string("plans/email/digest.txt", {
                "person": person, "actions": actions, "url": url, "expires": expires, "period": period,
                "deadline": period.end, "version": version, "kind": kind, "asked_by": actor,
            })
            EmailMessage(log.subject, body, version.partnership.sender(), [person.email],
                         reply_to=[version.partnership.sender()]).send()
            log.sent = True
            object_create(actor=actor, instance=log)
        return log
    except (OSError, smtplib.SMTPException) as error:
        log.sent = False
        log.error = str(error)[:2000]
        object_create(actor=actor, instance=log)
        return log


def owner_request_send(*, actor, version, person, period) -> EmailLog:
    """The coordinator asks one owner for their update (a first request or a re-send)."""
    if not person.email:
        raise TrackingError(f"{person.name} has no email address. Add one to their entry in People, "
                            "or make a link to give them by phone.")
    actions = _check_can_ask(version, person, period.start)
    log = _email_owner(actor=actor, version=version, period=period, person=person, actions=actions,
                       kind=EmailLog.Kind.REQUEST, run_date=timezone.localdate())
    if not log.sent:
        raise TrackingError(f"The email to {person.email} could not be sent: {log.error}. Nothing else changed.")
    return log


def owner_requests_send_all(*, actor, version, period) -> tuple[list, list]:
    """Ask every owner of an action not yet updated; return (emails sent, (person, why not) for the rest)."""
    sent, skipped = [], []
    for person in selectors.people_to_chase(version, period):
        try:
            sent.append(owner_request_send(actor=actor, version=version, person=person, period=period))
        except TrackingError as error:
            skipped.append((person, str(error)))
    return sent, skipped


def owner_link_renew(*, token: str) -> None:
    """An owner whose link no longer works asks for a fresh one: it goes to the address on record.

    Says nothing either way (the page answers the same whatever happens), sends at most one email
    in ``RENEWAL_QUIET_MINUTES``, and never to an address typed on the page.
    """
    link = owner_link_lookup(token)
    if link is None or not link.person.email:
        return
    version, person = link.plan_version, link.person
    quiet_since = timezone.now() - dt.timedelta(minutes=RENEWAL_QUIET_MINUTES)
    if EmailLog.objects.filter(person=person, period_start=link.period_start, kind=EmailLog.Kind.LINK,
                               created_at__gte=quiet_since).exists():
        return
    period = schedule.period_containing(link.period_start, version.partnership.year_start_month)
    if selectors.period_locked(version, period.start):  # that period is closed: offer the open one instead
        period = selectors.open_period_instead(version, period.start)
        if period is None:
            return
    try:
        actions = _check_can_ask(version, person, period.start)
    except TrackingError:
        return
    _email_owner(actor=None, version=version, period=period, person=person, actions=actions,
                 kind=EmailLog.Kind.LINK, run_date=timezone.localdate())


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
        if selectors.period_locked(version, period.start):
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
                    digest = digests.setdefault(owner.person.pk, Digest(owner.person))
                    if action not in digest.actions:
                        digest.actions.append(action)
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
        # The email lists the actions still waiting for an update; the link opens all of theirs.
        log = _email_owner(actor=None, version=version, period=period, person=digest.person,
                           actions=digest.actions, kind=kind, run_date=as_of)
        count += log.sent
    return count


__all__ = ["LinkRefused", "TrackingError", "owner_link_find", "owner_link_issue", "owner_link_update",
           "owner_request_send", "owner_requests_send_all", "owner_link_renew", "send_reminders"]
