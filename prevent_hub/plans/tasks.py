"""Background jobs, run by django-tasks' database worker (`manage.py db_worker`)."""
import datetime as dt

from django_tasks import task

from .reminders import send_reminders


@task()
def send_reminders_task(as_of: str | None = None) -> int:
    """Send the day's reminder digests and chasers; ``as_of`` (ISO date) is for retrospective runs and tests."""
    return send_reminders(dt.date.fromisoformat(as_of) if as_of else None)
