"""manage.py bench [--partnership SLUG] [--national SLUG] [--requests 200] [--json bench/results.json]

Time the main pages against a real server it starts (issue 10): gunicorn with two sync workers,
the production settings, this command's database. Each page is read through real signed-in
sessions, first sequentially over one connection (p50, p95, mean, requests a second) and then
by several browsers at once (throughput), beside a bare page that only goes through the
middleware; report generation and plan import are timed end to end. Prints a table, writes
the same as JSON, and stops the server and removes what it made at the end.
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.core.progress import ProgressBar
from prevent_hub.scale import benchmark


class Command(BaseCommand):
    help = "Time the main pages, report generation and plan import against a real gunicorn server."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", help="Default: the first synthetic partnership, else warwickshire.")
        parser.add_argument("--national", help="A second partnership for the national statistics row "
                                               "(default: 'national' if there is one).")
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per page (default 200).")
        parser.add_argument("--warmup", type=int, default=10, help="Untimed requests per page first (default 10).")
        parser.add_argument("--threads", type=int, default=3,
                            help="Browsers at once for the throughput run (default 3; 1 skips it).")
        parser.add_argument("--job-runs", type=int, default=3,
                            help="Timed quarterly reports and plan imports (default 3; each is made and removed).")
        parser.add_argument("--skip", action="append", choices=["report", "import"], default=[],
                            help="Leave out the report or the plan import.")
        parser.add_argument("--json", default=str(Path(settings.BASE_DIR) / "bench" / "results.json"),
                            help="Where to write the results (default bench/results.json).")
        parser.add_argument("--port", type=int, default=0, help="The server's port (default: a free one).")

    def handle(self, *args, **options):
        if options["requests"] < 1 or options["job_runs"] < 1 or options["warmup"] < 0:
            raise CommandError("--requests and --job-runs must be at least 1, --warmup at least 0.")
        choices = benchmark.Options(
            partnership=options["partnership"], national=options["national"], requests=options["requests"],
            warmup=options["warmup"], threads=options["threads"], job_runs=options["job_runs"], port=options["port"],
            skip=tuple(options["skip"]))
        stream = self.stderr
        try:
            rows, meta = benchmark.run_bench(choices, lambda total: ProgressBar(total, "bench", stream=stream))
        except benchmark.BenchError as error:
            raise CommandError(str(error)) from error
        path = Path(options["json"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(benchmark.results_json(rows, meta))
        load = meta["load_average"]
        self.stdout.write(f"{meta['partnership']} on {meta['database']}; {meta['server']}; "
                          f"{meta['requests_per_page']} requests per page after {meta['warmup']} untimed; "
                          f"{meta['cpus']} CPUs, load average {load['before']} before, {load['after']} after.")
        self.stdout.write(benchmark.format_table(rows))
        self.stdout.write(f"Target: {meta['target']}. Times are {meta['timing']}.")
        for row in rows:
            if row.note:
                self.stdout.write(f"  {row.name}: {row.note}")
        for note in meta["notes"]:
            self.stdout.write(note)
        self.stdout.write(f"Written to {path}.")
