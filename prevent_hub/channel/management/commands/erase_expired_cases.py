"""manage.py erase_expired_cases [--as-of YYYY-MM-DD]: erase every ended case whose retention period is over.

Run it daily. Each case goes in one transaction, leaving one content-free erasure
row in the access log; a second run the same day erases nothing more.
"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from prevent_hub.channel.models import Case
from prevent_hub.channel.services import erase_expired_cases
from prevent_hub.core.progress import ProgressBar


class Command(BaseCommand):
    help = "Erase Channel cases whose retention period has ended."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to act as if it were (YYYY-MM-DD)")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(f"--as-of takes a date like 2026-01-15, not '{options['as_of']}'.") from error
        from django.utils import timezone

        due = Case.objects.filter(stage="closed", erase_after__lt=day or timezone.localdate()).count()
        with ProgressBar(due, "Erasing expired cases", stream=self.stderr) as bar:
            erased = erase_expired_cases(day, progress=bar)
        self.stdout.write(f"Erased {erased} case(s).")
