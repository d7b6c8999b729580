"""manage.py generate_demo --scale {county,region,national} [--seed N] [--as-of DATE] [--partnerships N]."""
import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from prevent_hub.core.changes import fold_all
from prevent_hub.scale import synthetic


class Command(BaseCommand):
    help = ("Generate deterministic synthetic data: one partnership (county), 20 (region) or 175 with a national "
            "programme view and 10 million access-log rows (national). Needs a database without synthetic data.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(synthetic.SCALES), default="county")
        parser.add_argument("--seed", type=int, default=1, help="The same seed and date give the same data.")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                            help="The day the data runs up to (default: today).")
        parser.add_argument("--partnerships", type=int, default=None,
                            help="Override the scale's number of partnerships (referrals and access-log rows "
                                 "shrink in proportion).")

    def handle(self, *args, scale, seed, as_of, partnerships, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            # Millions of invented rows, appended for good to the real audit logs, holding their locks meanwhile.
            raise CommandError("generate_demo is for demonstration and test databases; it refuses to run with "
                               "production settings.")
        chosen = synthetic.SCALES[scale]
        if partnerships is not None:
            if partnerships < 1:
                raise CommandError("--partnerships must be at least 1.")
            ratio = partnerships / chosen.partnerships
            chosen = synthetic.scaled(scale, partnerships=partnerships, referrals=round(chosen.referrals * ratio),
                                      access_log_rows=round(chosen.access_log_rows * ratio))
        started = time.monotonic()
        try:
            counts = synthetic.generate(chosen, seed=seed, as_of=as_of, stream=self.stderr)
        except synthetic.SyntheticDataExists as error:
            raise CommandError(str(error)) from error
        fold_all()  # one write-count row per table and partnership (core.changes), as the daily fold leaves them
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh planner statistics for the tables just filled
        elapsed = time.monotonic() - started
        self.stdout.write(f"Generated {scale} scale (seed {seed}) on {connection.vendor} in {elapsed:.0f} s:")
        for name, count in counts.items():
            self.stdout.write(f"  {count:>12,} {name}")
