"""Reminders for governance: a week before each meeting to those with a seat, and before terms-of-reference reviews."""
import datetime as dt
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from prevent_hub.core.services import object_create
from prevent_hub.plans.models import EmailLog

from .choices import MeetingStatus
from .models import Meeting, TermsOfReference

MEETING_NOTICE_DAYS = 7
REVIEW_NOTICE_DAYS = 30


def governance_reminders(as_of: dt.date) -> int:
    """Send the day's meeting and review reminders once each; return how many emails went."""
    sent = 0
    day = as_of + dt.timedelta(days=MEETING_NOTICE_DAYS)
    meetings = (Meeting.objects.filter(starts_at__date=day, status=MeetingStatus.PLANNED)
                .select_related("group", "partnership").prefetch_related("group__seats__person"))
    for meeting in meetings:
        day_of = meeting.starts_at.date()
        people = {
            s.person.email.lower(): s.person for s in meeting.group.seats.all()
            if s.person and s.person.email and (s.start_date is None or s.start_date <= day_of)
            and (s.end_date is None or day_of <= s.end_date)
        }
        for person in people.values():
            sent += _send_once(
                partnership=meeting.partnership, person=person, kind=EmailLog.Kind.MEETING, about=meeting.starts_at.date(),
                as_of=as_of, subject=f"{meeting.group} meets on {meeting.starts_at:%-d %B %Y}",
                template="governance/email/meeting.txt", context={"meeting": meeting, "person": person},
            )
    due = as_of + dt.timedelta(days=REVIEW_NOTICE_DAYS)
    for terms in TermsOfReference.objects.filter(next_review=due).select_related("group__chair", "partnership"):
        chair = terms.group.chair
        if chair and chair.email:
            sent += _send_once(
                partnership=terms.partnership, person=chair, kind=EmailLog.Kind.REVIEW, about=terms.next_review,
                as_of=as_of, subject=f"The {terms.group} terms of reference are due for review by {terms.next_review:%-d %B %Y}",
                template="governance/email/review.txt", context={"terms": terms, "person": chair},
            )
    return sent


def _send_once(*, partnership, person, kind, about, as_of, subject, template, context) -> int:
    # Once per recipient and subject: two groups meeting on the same day are two emails.
    if EmailLog.objects.filter(partnership=partnership, recipient__iexact=person.email, kind=kind,
                               period_start=about, subject=subject[:255], sent=True).exists():
        return 0
    log = EmailLog(partnership=partnership, person=person, recipient=person.email, kind=kind, period_start=about,
                   run_date=as_of, subject=subject[:255])
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL.rstrip("/")})
    try:
        with transaction.atomic():
            send_mail(subject, body, None, [person.email])
            log.sent = True
            object_create(actor=None, instance=log)
        return 1
    except (OSError, smtplib.SMTPException) as error:
        log.error = str(error)[:2000]
        object_create(actor=None, instance=log)
        return 0
