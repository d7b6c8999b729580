"""manage.py send_reminders [--as-of YYYY-MM-DD] [--now]: queue (or send at once) the day's reminder emails:
owners' digests and chasers, meetings a week away, terms-of-reference reviews a month away.

Run it daily (cron or a scheduler); `manage.py db_worker` sends what it queues.
"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from prevent_hub.plans.tasks import send_reminders_task


class Command(BaseCommand):
    help = "Queue today's reminder digests and chasers for the background worker (or send them now with --now)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to act as if it were (YYYY-MM-DD)")
        parser.add_argument("--now", action="store_true", help="send in this process instead of queueing")

    def handle(self, *args, **options):
        as_of = options["as_of"]
        if as_of:
            try:
                dt.date.fromisoformat(as_of)
            except ValueError as error:
                raise CommandError(f"--as-of takes a date like 2018-01-15, not '{as_of}'.") from error
        if options["now"]:
            sent = send_reminders_task.call(as_of=as_of)
            self.stdout.write(f"Sent {sent} reminder email(s).")
        else:
            result = send_reminders_task.enqueue(as_of=as_of)
            self.stdout.write(f"Queued reminders ({result.id}); the db_worker sends them.")
