"""manage.py loadtest [--users 20] [--spawn-rate 5] [--seconds 60] [--partnership SLUG]

Load test (issue 10; FLT-08 in security.md): starts the benchmark's server (gunicorn, two sync
workers, production settings), gives every simulated user a signed-in session of its own and
runs bench/locustfile.py headless against it: coordinators browsing, a board viewer, and the
Channel case team reading cases (answering the purpose question first, as in a browser).
Then checks: p95 at most 500 ms, no errors, no case reference in a refused page, and exactly
one access-log consultation per case read the users counted. Exits non-zero if any check fails.
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.scale import loadtest
from prevent_hub.scale.benchmark import BenchError


class Command(BaseCommand):
    help = "Run the locust load test against a real gunicorn server and check latency, errors and the access log."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", help="Default: the first synthetic partnership, else warwickshire.")
        parser.add_argument("--users", type=int, default=20, help="Simulated users at once (default 20).")
        parser.add_argument("--spawn-rate", type=float, default=5, help="Users started a second (default 5).")
        parser.add_argument("--seconds", type=int, default=60, help="How long the run lasts (default 60).")
        parser.add_argument("--csv", default=str(Path(settings.BASE_DIR) / "bench" / "loadtest"),
                            help="Prefix of locust's CSV files (default bench/loadtest).")
        parser.add_argument("--warmup", type=int, default=5,
                            help="Untimed reads of each page before locust starts (default 5).")
        parser.add_argument("--port", type=int, default=0, help="The server's port (default: a free one).")

    def handle(self, *args, **options):
        if options["users"] < 1 or options["seconds"] < 1:
            raise CommandError("--users and --seconds must be at least 1.")
        self.stderr.write(f"Load test: {options['users']} users for {options['seconds']} s "
                          f"(spawn rate {options['spawn_rate']:g}/s)...")
        try:
            outcome = loadtest.run_loadtest(
                partnership_slug=options["partnership"], users=options["users"], spawn_rate=options["spawn_rate"],
                seconds=options["seconds"], port=options["port"], warmup=options["warmup"],
                csv_prefix=Path(options["csv"]))
        except BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(loadtest.format_outcome(outcome))
        for message in outcome.failure_messages[:20]:
            self.stdout.write(f"  failure: {message}")
        failed = 0
        for label, passed in outcome.checks():
            self.stdout.write(f"{'PASS' if passed else 'FAIL'}  {label}")
            failed += not passed
        self.stdout.write(f"Locust's CSV files: {options['csv']}_*.csv")
        if failed:
            raise CommandError(f"{failed} load-test check(s) failed.")
