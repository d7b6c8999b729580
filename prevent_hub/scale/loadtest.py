"""manage.py loadtest: locust against the benchmark's server, and the checks on what it did (issue 10, FLT-08).

The server is the one ``benchmark`` starts (gunicorn, two sync workers, production settings).
Every simulated user gets a session of its own (a shared one would lose the purposes given
for cases when two requests save it at once). After the run: the 95th percentile and the error
rate from locust's CSV, and the access-log invariant: one "consultation" row per case read the
users counted, no more and no fewer.
"""
import csv
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.urls import reverse

from prevent_hub.core.roles import Role

from . import benchmark
from .benchmark import BenchError

TARGET_P95_MS = 500.0
LOCUSTFILE = Path(settings.BASE_DIR) / "bench" / "locustfile.py"
CASE_TEAM_ROLES = (Role.CHANNEL_CHAIR, Role.POLICE_PREVENT)


@dataclass
class Outcome:
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float
    case_reads: int  # counted by the simulated users
    consultations: int  # access-log rows written meanwhile for the case team's reads
    refusals_checked: int
    leaks: int
    per_page: list[dict] = field(default_factory=list)
    failure_messages: list[str] = field(default_factory=list)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 1.0

    def checks(self) -> list[tuple[str, bool]]:
        return [
            (f"p95 {self.p95_ms:.0f} ms <= {TARGET_P95_MS:.0f} ms", self.p95_ms <= TARGET_P95_MS),
            (f"errors: {self.failures} of {self.requests} requests ({self.error_rate:.2%}); must be 0",
             self.failures == 0 and self.requests > 0),
            (f"access log: {self.consultations} consultation rows for {self.case_reads} case reads; must be equal",
             self.consultations == self.case_reads),
            (f"authorisation: {self.leaks} case references in {self.refusals_checked} refused case lists; must be 0",
             self.leaks == 0),
        ]


def read_stats(path: Path) -> tuple[dict, list[dict]]:
    """The aggregated row and the per-request rows of locust's ``*_stats.csv``."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    aggregated = next((row for row in rows if row["Name"] == "Aggregated"), None)
    if aggregated is None:
        raise BenchError(f"{path} has no Aggregated row: did locust run any request?")
    return aggregated, [row for row in rows if row["Name"] != "Aggregated"]


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def locust_config(partnership, server: benchmark.ServerSide, *, port: int, sessions: dict[str, list[str]],
                  reads_file: Path) -> dict:
    """What the locustfile needs: cookies and headers, the sessions per role, and the real paths to read."""
    from prevent_hub.channel.models import Case
    from prevent_hub.plans.models import Action

    slug = {"partnership": partnership.slug}
    pages = {
        "overview": reverse("directory:partnership_detail", kwargs=slug),
        "meetings": reverse("governance:meeting_list", kwargs=slug),
        "training": reverse("training:coverage", kwargs=slug),
        "statistics": reverse("insights:statistics", kwargs=slug),
    }
    version = benchmark.current_version(partnership)
    actions = []
    if version is not None:
        pages["dashboard"] = reverse("plans:planversion_dashboard", kwargs={**slug, "pk": version.pk})
        query, _ = benchmark.action_filter(version)
        pages["actions"] = f"{reverse('plans:action_list', kwargs=slug)}?{urlencode(query)}"
        actions = list(Action.objects.filter(plan_version=version).order_by("pk").values_list("pk", flat=True)[:200])
    cases = list(Case.objects.filter(partnership=partnership).order_by("-received_on", "-pk")
                 .values_list("pk", "reference")[:200])
    scheme = server.proxy_header[1] if server.proxy_header else "http"
    return {
        "session_cookie": server.session_cookie,
        "csrf_cookie": server.csrf_cookie,
        "proxy_header": server.proxy_header,
        "origin": f"{scheme}://{benchmark.HOST}:{port}",
        "sessions": sessions,
        "pages": pages,
        "action_details": [reverse("plans:action_detail", kwargs={**slug, "pk": pk}) for pk in actions],
        "case_list": reverse("channel:case_list", kwargs=slug),
        "case_details": [reverse("channel:case_detail", kwargs={**slug, "pk": pk}) for pk, _ in cases],
        "case_references": [reference for _, reference in cases if reference],
        "reads_file": str(reads_file),
    }


def loadtest_users(partnership) -> dict[str, list]:
    """The signed-in people: a coordinator, a board viewer, and the case team (Channel chair, police Prevent)."""
    users = {"coordinator": [benchmark.user_with_role(partnership, Role.COORDINATOR)],
             "board_viewer": [benchmark.user_with_role(partnership, Role.BOARD_VIEWER)],
             "case_team": [benchmark.user_with_role(partnership, role) for role in CASE_TEAM_ROLES]}
    users = {role: [user for user in found if user is not None] for role, found in users.items()}
    for role, found in users.items():
        if not found:
            raise BenchError(f"{partnership.slug} has nobody with the role {role.replace('_', ' ')} to sign in as.")
    return users


def warm_up(port: int, server: benchmark.ServerSide, config: dict, keys: dict[str, str], rounds: int) -> None:
    """Read every page ``rounds`` times first, so both workers have loaded what they need (a server runs warm)."""
    pages = [*config["pages"].values(), *config["action_details"][:3]]
    for role, paths in (("coordinator", pages), ("case_team", [config["case_list"]])):
        browser = benchmark.Browser(port, server, keys[role])
        try:
            for path in paths:
                for _ in range(rounds):
                    benchmark.check(browser.get(path), f"warming up {path}", path)
        finally:
            browser.close()


def run_loadtest(*, partnership_slug: str | None, users: int, spawn_rate: float, seconds: int, port: int = 0,
                 warmup: int = 5, csv_prefix: Path) -> Outcome:
    """Start the server, warm it, run locust headless against it, and check what it did."""
    from prevent_hub.audit.models import AccessLog

    partnership = benchmark.find_partnership(partnership_slug)
    people = loadtest_users(partnership)
    env = benchmark.server_environment(connection.settings_dict)
    port = port or benchmark.free_port()
    wanted: dict[int, int] = {}
    for found in people.values():
        for user in found:  # a session per simulated user, whichever class locust gives it
            wanted[user.pk] = max(wanted.get(user.pk, 0), -(-users // len(found)))
        wanted[found[0].pk] += 1  # and one to warm the server with
    server = None
    try:
        server = benchmark.prepare_server_side(env, wanted)
        warming = {role: server.sessions[found[0].pk][-1] for role, found in people.items()}
        sessions = {role: [key for user in found for key in server.sessions[user.pk] if key != warming[role]]
                    for role, found in people.items()}
        with tempfile.TemporaryDirectory(prefix="loadtest-") as work, benchmark.Processes(env, port):
            reads_file = Path(work) / "reads.json"
            config_file = Path(work) / "config.json"
            config = locust_config(partnership, server, port=port, sessions=sessions, reads_file=reads_file)
            config_file.write_text(json.dumps(config))
            warm_up(port, server, config, warming, warmup)
            case_team_ids = [user.pk for user in people["case_team"]]
            before = AccessLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            csv_prefix.parent.mkdir(parents=True, exist_ok=True)
            for stale in csv_prefix.parent.glob(f"{csv_prefix.name}_*.csv"):  # a failed run must not read old ones
                stale.unlink()
            done = subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
                 "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", "30",
                 "--host", f"http://{benchmark.HOST}:{port}", "--csv", str(csv_prefix), "--only-summary",
                 "--loglevel", "WARNING"],
                cwd=settings.BASE_DIR, env={**env, "BENCH_LOCUST_CONFIG": str(config_file)},
                capture_output=True, text=True, timeout=seconds + 180, check=False)
            if not reads_file.exists() or not Path(f"{csv_prefix}_stats.csv").exists():
                raise BenchError(f"locust ended (exit code {done.returncode}) without its results:\n"
                                 f"{benchmark.tail(done.stdout + done.stderr)}")
            counts = json.loads(reads_file.read_text())
            consultations = AccessLog.objects.filter(
                seq__gt=before, event=AccessLog.Event.CONSULTATION, target_type="channel.case",
                partnership_id=partnership.pk, user_id__in=case_team_ids).count()
        aggregated, per_page = read_stats(Path(f"{csv_prefix}_stats.csv"))
        failures_file = Path(f"{csv_prefix}_failures.csv")
        messages = []
        if failures_file.exists():
            with open(failures_file, newline="") as handle:
                messages = [f"{row['Occurrences']} × {row['Method']} {row['Name']}: {row['Error']}"
                            for row in csv.DictReader(handle)]
        return Outcome(  # counts from the users themselves: the CSV may miss the last requests
            requests=max(counts["requests"], int(aggregated["Request Count"])),
            failures=max(counts["failures"], int(aggregated["Failure Count"])),
            p50_ms=_ms(aggregated["50%"]), p95_ms=_ms(aggregated["95%"]), p99_ms=_ms(aggregated["99%"]),
            rps=float(aggregated["Requests/s"]), case_reads=counts["case_reads"], consultations=consultations,
            refusals_checked=counts["refusals_checked"], leaks=counts["leaks"],
            per_page=[{"name": row["Name"], "requests": int(row["Request Count"]),
                       "failures": int(row["Failure Count"]), "p50_ms": _ms(row["50%"]), "p95_ms": _ms(row["95%"])}
                      for row in per_page],
            failure_messages=messages,
        )
    finally:
        benchmark.remove_sessions(server)


def format_outcome(outcome: Outcome) -> str:
    width = max(len(page["name"]) for page in outcome.per_page) if outcome.per_page else 10
    lines = [f"{'Request':<{width}}  {'count':>7}  {'failed':>6}  {'p50 ms':>7}  {'p95 ms':>7}"]
    for page in sorted(outcome.per_page, key=lambda p: p["name"]):
        lines.append(f"{page['name']:<{width}}  {page['requests']:>7}  {page['failures']:>6}  {page['p50_ms']:>7.0f}  "
                     f"{page['p95_ms']:>7.0f}")
    lines.append(f"{'All':<{width}}  {outcome.requests:>7}  {outcome.failures:>6}  {outcome.p50_ms:>7.0f}  "
                 f"{outcome.p95_ms:>7.0f}   (p99 {outcome.p99_ms:.0f} ms, {outcome.rps:.1f} requests/s)")
    return "\n".join(lines)
