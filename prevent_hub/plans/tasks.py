"""Background jobs, run by django-tasks' database worker (`manage.py db_worker`)."""
import datetime as dt

from django_tasks import task

from .reminders import send_reminders


@task()
def send_reminders_task(as_of: str | None = None) -> int:
    """Send the day's reminders: owners' digests and chasers, meetings next week, reviews due, Channel post-exit reviews.

    ``as_of`` (an ISO date) is for retrospective runs and tests.
    """
    from django.utils import timezone

    from prevent_hub.channel.services import channel_reminders
    from prevent_hub.governance.reminders import governance_reminders

    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return send_reminders(day) + governance_reminders(day) + channel_reminders(day)
