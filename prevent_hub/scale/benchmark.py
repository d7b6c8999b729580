"""The benchmark harness behind manage.py bench and loadtest (issue 10).

A real server: gunicorn with two sync workers on a free loopback port, ``config.wsgi`` under
the production settings, the database the command uses. Real signed-in sessions opened in
the session store (``serverside``), sent by a small HTTP client that behaves as a browser
behind the TLS-terminating proxy production expects. Plain statistics over what it measured.
"""
import http.client
import json
import math
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role

TARGET_P95_MS = 150.0  # every page's p95 at most this...
TARGET_BASELINE_RATIO = 5.0  # ...and at most this many times the bare page's p95
SERVER_WORKERS = 2
# The settings production runs gunicorn with (no Server header): the benchmark measures that server.
GUNICORN_CONFIG = Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"
HOST = "127.0.0.1"
# The bare page, mounted by config/urls.py only in the server the benchmark starts (BENCH_BASELINE), so it
# cannot be reversed here.
BASELINE_PATH = "/_bench/baseline/"


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


# --- Statistics -----------------------------------------------------------------------------------


def percentile(values, fraction: float) -> float:
    """The ``fraction`` quantile, interpolating between the closest ranks (numpy's default, PERCENTILE.INC)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Measurement:
    """What was measured for one page or job: times on the client, and the server's own figures if it sent them."""

    name: str
    kind: str = "page"  # "page", "baseline" or "job" (a background report or an import: no page target)
    path: str = ""
    role: str = ""
    times_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    wall_seconds: float = 0.0  # of the sequential run, client overhead included
    concurrent_requests: int = 0
    concurrent_seconds: float = 0.0
    threads: int = 0
    note: str = ""


@dataclass
class Row:
    name: str
    kind: str
    requests: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float
    rps: float
    rps_concurrent: float | None
    threads: int
    p50_ratio: float | None
    p95_ratio: float | None
    server_p50_ms: float | None
    queries: int | None
    target_met: bool | None  # None: no target (the baseline itself, background jobs)
    path: str = ""
    role: str = ""
    note: str = ""


def summarise(measurement: Measurement, baseline: Row | None = None) -> Row:
    """The figures of one measurement, with ratios to the baseline page and whether the target is met."""
    times = measurement.times_ms
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    ratios = (None, None)
    if baseline is not None and baseline.p50_ms and baseline.p95_ms:
        ratios = (p50 / baseline.p50_ms, p95 / baseline.p95_ms)
    target = None
    if measurement.kind == "page":
        target = p95 <= TARGET_P95_MS and (baseline is None or p95 <= TARGET_BASELINE_RATIO * baseline.p95_ms)
    return Row(
        name=measurement.name, kind=measurement.kind, requests=len(times), p50_ms=p50, p95_ms=p95,
        mean_ms=sum(times) / len(times), max_ms=max(times),
        rps=len(times) / measurement.wall_seconds if measurement.wall_seconds else 0.0,
        rps_concurrent=(measurement.concurrent_requests / measurement.concurrent_seconds
                        if measurement.concurrent_seconds else None),
        threads=measurement.threads, p50_ratio=ratios[0], p95_ratio=ratios[1],
        server_p50_ms=percentile(measurement.server_ms, 0.5) if measurement.server_ms else None,
        queries=round(percentile(measurement.queries, 0.5)) if measurement.queries else None,
        target_met=target, path=measurement.path, role=measurement.role, note=measurement.note,
    )


def summarise_all(measurements: list[Measurement]) -> list[Row]:
    """Rows for every measurement, the baseline first; ratios are to the baseline when there is one."""
    baseline = next((summarise(m) for m in measurements if m.kind == "baseline"), None)
    rows = [baseline] if baseline else []
    return rows + [summarise(m, baseline) for m in measurements if m.kind != "baseline"]


def _number(value, digits=1, suffix="") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{suffix}"


def format_table(rows: list[Row]) -> str:
    """A plain-text table of the rows (page, p50, p95, throughput, ratios to the baseline, target)."""
    threads = max((row.threads for row in rows), default=0)
    header = ["Page", "p50 ms", "p95 ms", "mean ms", "req/s", f"req/s ×{threads}", "p50 ×base", "p95 ×base",
              "server p50", "queries", "Target"]
    lines = [header]
    for row in rows:
        target = {True: "met", False: "NOT MET", None: "–" if row.kind == "baseline" else "n/a"}[row.target_met]
        lines.append([row.name, _number(row.p50_ms), _number(row.p95_ms), _number(row.mean_ms), _number(row.rps),
                      _number(row.rps_concurrent), _number(row.p50_ratio, 1, "×"), _number(row.p95_ratio, 1, "×"),
                      _number(row.server_p50_ms), _number(row.queries, 0), target])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                             for i, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def results_json(rows: list[Row], meta: dict) -> str:
    return json.dumps({"meta": meta, "rows": [asdict(row) for row in rows]}, indent=2, default=str) + "\n"


# --- The server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def database_url(config: dict) -> str:
    """A DATABASE_URL for the database ``config`` (a DATABASES entry) points at, for a server process."""
    engine, name = config["ENGINE"], str(config["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            raise BenchError("The database is an in-memory SQLite database, which no server process can share. "
                             "Use a SQLite file or PostgreSQL.")
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(config.get("USER") or "", safe="")
        password = f":{quote(config['PASSWORD'], safe='')}" if config.get("PASSWORD") else ""
        credentials = f"{user}{password}@" if user else ""
        port = f":{config['PORT']}" if config.get("PORT") else ""
        return f"postgres://{credentials}{config.get('HOST') or ''}{port}/{quote(name, safe='')}"
    raise BenchError(f"The benchmark runs on SQLite or PostgreSQL, not {engine}.")


def production_secret_key() -> str:
    """This process's SECRET_KEY if production would accept it; otherwise a new one for this run.

    Sessions are opened under the server's own settings (``serverside``), so any key works;
    encrypted case data and the audit logs' signed heads do not depend on it, because
    FIELD_ENCRYPTION_KEYS and AUDIT_ANCHOR_KEYS are passed on.
    """
    key = settings.SECRET_KEY
    if len(key) >= 50 and not key.startswith("insecure"):
        return key
    return secrets.token_urlsafe(64)


def server_environment(database: dict) -> dict[str, str]:
    """The environment of the server (and its helpers): production settings, this process's data and keys."""
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(database),
        "SECRET_KEY": production_secret_key(),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        # The server's appends move the signed heads, which must verify here afterwards.
        "AUDIT_ANCHOR_KEYS": ",".join(settings.AUDIT_ANCHOR_KEYS),
        # Production insists on an anchor file; the server never reads or writes one.
        "AUDIT_ANCHOR_FILE": str(settings.AUDIT_ANCHOR_FILE or os.devnull),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "BENCH_BASELINE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@dataclass
class ServerSide:
    session_cookie: str
    csrf_cookie: str
    proxy_header: list[str] | None
    sessions: dict[int, list[str]]  # user id -> session keys


def prepare_server_side(env: dict, sessions: dict[int, int]) -> ServerSide:
    """Run ``serverside`` under the server's environment: static files, cache table, ``sessions`` opened."""
    done = subprocess.run([sys.executable, "-m", "prevent_hub.scale.serverside"], cwd=settings.BASE_DIR, env=env,
                          input=json.dumps({"sessions": {str(pk): n for pk, n in sessions.items()}}),
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise BenchError(f"Preparing the server's side failed (production settings):\n{tail(done.stderr)}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    answer["sessions"] = {int(pk): keys for pk, keys in answer["sessions"].items()}
    return ServerSide(**answer)


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Processes:
    """gunicorn (and, when asked, the background worker) started on entry and always stopped on exit."""

    def __init__(self, env: dict, port: int, *, worker: bool = False):
        self.env, self.port, self.worker = env, port, worker
        self.children: list[tuple[str, subprocess.Popen, Path]] = []
        self.logs = tempfile.TemporaryDirectory(prefix="bench-")

    def _start(self, name: str, argv: list[str]) -> None:
        path = Path(self.logs.name) / f"{name}.log"
        with open(path, "wb") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        self.children.append((name, process, path))

    def __enter__(self):
        try:
            self._start("gunicorn", [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(GUNICORN_CONFIG),
                "--bind", f"{HOST}:{self.port}",
                "--workers", str(SERVER_WORKERS), "--worker-class", "sync", "--timeout", "120",
                "--no-control-socket", "--error-logfile", "-",
            ])
            if self.worker:
                self.start_worker()
            self.wait_until_serving()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start_worker(self) -> None:
        """Start the background worker (once): it polls the database, so only when a job needs it."""
        if not any(name == "db_worker" for name, _, _ in self.children):
            self._start("db_worker", [sys.executable, "manage.py", "db_worker", "--interval", "0.05",
                                      "--no-startup-delay", "--no-reload", "-v", "0"])

    def wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/accessibility/")
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.1)
        raise BenchError(f"gunicorn did not answer on port {self.port} within {timeout:.0f} s.\n{self.log_tail()}")

    def check_alive(self) -> None:
        for name, process, _ in self.children:
            if process.poll() is not None:
                raise BenchError(f"{name} stopped (exit code {process.returncode}).\n{self.log_tail(name)}")

    def log_tail(self, name: str = "gunicorn") -> str:
        for child, _, path in self.children:
            if child == name:
                return f"--- last lines of the {name} log ---\n{tail(path.read_text(errors='replace'))}"
        return ""

    def __exit__(self, *exc):
        for _, process, _ in self.children:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.children:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children = []
        self.logs.cleanup()


# --- A browser ------------------------------------------------------------------------------------


SERVER_TIMING_APP = re.compile(r"app;dur=([\d.]+)")
SERVER_TIMING_QUERIES = re.compile(r'desc="(\d+) queries"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    ms: float  # wall time on the client: request sent to last byte read
    server_ms: float | None
    queries: int | None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One signed-in user over one HTTP connection, sending what the TLS-terminating proxy in front adds.

    The connection is kept open when the server allows it (gunicorn's sync workers close it after
    each response, so http.client reconnects: a loopback connect, a few microseconds). Cookies
    the server sets (CSRF, a renewed session) are kept and sent back, as a browser does.
    """

    def __init__(self, port: int, server: ServerSide, session_key: str):
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=600)
        self.cookies = {server.session_cookie: session_key}
        self.csrf_cookie = server.csrf_cookie
        self.extra = dict([server.proxy_header]) if server.proxy_header else {}
        scheme = server.proxy_header[1] if server.proxy_header else "http"
        self.origin = f"{scheme}://{HOST}:{port}"

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> Response:
        headers = {**self.extra, "Accept": "text/html,application/json", "Cookie": self._cookie_header()}
        if method == "POST":  # what a browser sends with a form; Django's CSRF check compares the Origin
            headers.update({"Origin": self.origin, "Referer": self.origin + path, "Content-Type": content_type})
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            raw = self.connection.getresponse()
            content = raw.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            raise BenchError(f"{method} {path} failed: {type(error).__name__}: {error}") from error
        elapsed = (time.perf_counter() - started) * 1000
        self._remember(raw.headers.get_all("Set-Cookie") or [])
        timing = raw.headers.get("Server-Timing", "")
        app, queries = SERVER_TIMING_APP.search(timing), SERVER_TIMING_QUERIES.search(timing)
        return Response(raw.status, raw.headers, content, elapsed, float(app.group(1)) if app else None,
                        int(queries.group(1)) if queries else None)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields) -> Response:
        return self.request("POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields, files: dict[str, tuple[str, bytes]]) -> Response:
        body, content_type = multipart(fields, files)
        return self.request("POST", path, body, content_type)

    def close(self) -> None:
        self.connection.close()

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def multipart(fields, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """``fields`` (pairs) and ``files`` ({name: (filename, content)}) as a multipart/form-data body."""
    boundary = f"----bench{secrets.token_hex(12)}"
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _FormParser(HTMLParser):
    """The forms of a page: the fields a browser would submit (checked boxes only, no files, no buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self._form = {"fields": [], "names": set()}
            self.forms.append(self._form)
        if self._form is None or (not name and tag not in ("option",)):
            return
        if name:
            self._form["names"].add(name)
        kind = attrs.get("type", "text").lower()
        if tag == "input" and kind not in ("submit", "button", "image", "reset", "file"):
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea":
            self._textarea = [name, ""]
        elif tag == "select":
            self._select = {"name": name, "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select["first"] = value if self._select["first"] is None else self._select["first"]
            if "selected" in attrs:
                self._select["selected"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            value = self._select["selected"] if self._select["selected"] is not None else self._select["first"]
            if value is not None:
                self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "form":
            self._form = None


def form_fields(html: str, having: str) -> list[tuple[str, str]]:
    """The fields a browser would submit from the first form with a control named ``having``."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if having in form["names"]:
            return form["fields"]
    raise BenchError(f"The page has no form with a field or button named {having!r}.")


def with_values(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """``fields`` with each name in ``values`` set to that value (added if the form did not have it)."""
    return [pair for pair in fields if pair[0] not in values] + list(values.items())


# --- What is measured -----------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    role: str  # whose session reads it
    path: str
    note: str = ""
    kind: str = "page"  # or "baseline"


def user_with_role(partnership, role: str):
    """An active user holding ``role`` in ``partnership`` (the first by id), or None."""
    from prevent_hub.accounts.models import Membership

    membership = (Membership.objects.filter(partnership=partnership, role=role, user__is_active=True)
                  .select_related("user").order_by("user_id").first())
    return membership.user if membership else None


def find_partnership(slug: str | None):
    """The partnership ``slug``; without one, the first synthetic partnership, else Warwickshire."""
    from prevent_hub.directory.models import Partnership

    if slug:
        partnership = Partnership.objects.filter(slug=slug).first()
        if partnership is None:
            raise BenchError(f"There is no partnership {slug!r}.")
        return partnership
    partnership = (Partnership.objects.filter(slug__startswith="synthetic-").order_by("slug").first()
                   or Partnership.objects.filter(slug="warwickshire").first())
    if partnership is None:
        raise BenchError("No partnership to measure: load the demo (manage.py load_demo) or give --partnership.")
    return partnership


def current_version(partnership):
    from prevent_hub.plans.models import PlanVersion

    return PlanVersion.objects.filter(partnership=partnership).order_by("-year_start", "-pk").first()


def action_filter(version) -> tuple[dict, str]:
    """A filter of the action list that really narrows the current version: its commonest tag, status or theme."""
    from collections import Counter

    from prevent_hub.plans.models import Action

    actions = list(Action.objects.filter(plan_version=version).values_list("tags_text", "status", "theme__number"))
    tags = Counter(tag for tags_text, _, _ in actions for tag in tags_text.strip("|").split("|") if tag)
    statuses = Counter(status for _, status, _ in actions if status)
    for name, counter in (("tag", tags), ("status", statuses)):
        if counter:
            value, count = counter.most_common(1)[0]
            if count < len(actions):
                return {"plan_version": version.pk, name: value}, f"{name} {value}: {count} of {len(actions)}"
    themes = Counter(number for _, _, number in actions)
    if not themes:
        return {"plan_version": version.pk}, "the version has no actions"
    number, count = min(themes.items())
    return {"plan_version": version.pk, "theme": number}, f"theme {number}: {count} of {len(actions)}"


def pages_for(partnership, national=None) -> list[Page]:
    """Every page measured for ``partnership`` (and the national statistics), with real ids and a real filter."""
    from django.db.models import Count

    from prevent_hub.plans.models import Action

    slug = {"partnership": partnership.slug}
    pages = [
        Page("baseline (bare page)", Role.COORDINATOR, BASELINE_PATH, kind="baseline"),
        Page("partnership overview", Role.COORDINATOR, reverse("directory:partnership_detail", kwargs=slug)),
    ]
    version = current_version(partnership)
    if version is not None:
        pages.append(Page("plan dashboard", Role.COORDINATOR,
                          reverse("plans:planversion_dashboard", kwargs={**slug, "pk": version.pk})))
        query, note = action_filter(version)
        pages.append(Page("action list (filtered)", Role.COORDINATOR,
                          f"{reverse('plans:action_list', kwargs=slug)}?{urlencode(query)}", note))
    busiest = (Action.objects.filter(partnership=partnership).annotate(n=Count("updates")).order_by("-n", "pk")
               .values_list("pk", "n").first())
    if busiest:
        pages.append(Page("action detail", Role.COORDINATOR,
                          reverse("plans:action_detail", kwargs={**slug, "pk": busiest[0]}),
                          f"{busiest[1]} progress updates"))
    pages += [
        Page("meeting list", Role.COORDINATOR, reverse("governance:meeting_list", kwargs=slug)),
        Page("training summary", Role.COORDINATOR, reverse("training:coverage", kwargs=slug)),
        Page("Channel case list", Role.CHANNEL_CHAIR, reverse("channel:case_list", kwargs=slug)),
        Page("statistics", Role.COORDINATOR, reverse("insights:statistics", kwargs=slug)),
    ]
    if national is not None:
        pages.append(Page("statistics (national)", f"national:{Role.COORDINATOR}",
                          reverse("insights:statistics", kwargs={"partnership": national.slug})))
    return pages


def check(response: Response, page: str, path: str, expected: int = 200, processes: Processes | None = None) -> None:
    """Stop the run if ``response`` is not what the page should answer."""
    if response.status == expected:
        return
    hint = ""
    if response.status in (301, 302) and "/accounts/login/" in response.location:
        hint = " The server sent the user to sign in: the session was not accepted."
    elif response.status in (301, 302):
        hint = f" It redirected to {response.location}."
    elif response.status >= 500 and processes is not None:
        hint = f"\n{processes.log_tail()}"
    raise BenchError(f"{page}: {path} answered {response.status}, not {expected}.{hint}")


class Run:
    """One benchmark run against a started server: signed-in browsers per role and a progress bar."""

    def __init__(self, port: int, server: ServerSide, users: dict[str, object], processes: Processes, progress):
        self.port, self.server, self.users, self.processes, self.bar = port, server, users, processes, progress
        self.lock = threading.Lock()

    def progress(self) -> None:
        with self.lock:  # the throughput run's threads share the bar
            self.bar()

    def browser(self, role: str, index: int = 0) -> Browser:
        return Browser(self.port, self.server, self.server.sessions[self.users[role].pk][index])

    def page(self, page: Page, *, requests: int, warmup: int, threads: int) -> Measurement:
        measurement = Measurement(page.name, page.kind, page.path, page.role, threads=threads, note=page.note)
        browser = self.browser(page.role)
        try:
            for _ in range(warmup):
                check(browser.get(page.path), page.name, page.path, processes=self.processes)
                self.progress()
            started = time.perf_counter()
            for _ in range(requests):
                response = browser.get(page.path)
                check(response, page.name, page.path, processes=self.processes)
                measurement.times_ms.append(response.ms)
                if response.server_ms is not None:
                    measurement.server_ms.append(response.server_ms)
                if response.queries is not None:
                    measurement.queries.append(response.queries)
                self.progress()
            measurement.wall_seconds = time.perf_counter() - started
        finally:
            browser.close()
        if threads > 1:
            measurement.concurrent_requests, measurement.concurrent_seconds = self.concurrently(page, requests, threads)
        return measurement

    def concurrently(self, page: Page, requests: int, threads: int) -> tuple[int, float]:
        """``requests`` GETs shared by ``threads`` browsers at once (each its own session); (count, seconds)."""
        errors: list[Exception] = []
        shares = [requests // threads + (1 if i < requests % threads else 0) for i in range(threads)]

        def work(index: int, count: int):
            browser = self.browser(page.role, index)
            try:
                for _ in range(count):
                    check(browser.get(page.path), page.name, page.path, processes=self.processes)
                    self.progress()
            except Exception as error:  # noqa: BLE001 (raised again by the main thread)
                errors.append(error)
            finally:
                browser.close()

        workers = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(shares)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if errors:
            raise errors[0]
        return requests, time.perf_counter() - started

    def report(self, partnership, *, runs: int, warmup: int, created: list[int]) -> Measurement:
        """Ask for the quarterly report on its page and time it until its status says done (made by db_worker).

        The id of every report asked for goes into ``created``, for removing them afterwards.
        """
        from prevent_hub.reports.choices import ReportKind, RunStatus
        from prevent_hub.reports.models import ReportRun

        name = "quarterly report (queued → done)"
        add = reverse("reports:reportrun_add", kwargs={"partnership": partnership.slug})
        measurement = Measurement(name, "job", add, Role.COORDINATOR,
                                  note="client time from the form's POST to the status saying done; "
                                       "server time: the run's creation to its finish")
        browser = self.browser(Role.COORDINATOR)
        try:
            for attempt in range(warmup + runs):
                form = browser.get(add)
                check(form, name, add, processes=self.processes)
                fields = with_values(form_fields(form.text, "kind"), kind=ReportKind.QUARTERLY,
                                     as_of=timezone.localdate().isoformat())
                started = time.perf_counter()
                posted = browser.post(add, fields)
                check(posted, name, add, expected=302, processes=self.processes)
                match = re.search(r"/reports/(\d+)/", posted.location)
                if match is None:
                    raise BenchError(f"{name}: the request went to {posted.location}, not to a report.")
                run_id = int(match.group(1))
                created.append(run_id)
                status_url = reverse("reports:reportrun_status", kwargs={"partnership": partnership.slug, "pk": run_id})
                status = self._wait_for_report(browser, status_url, name)
                elapsed = (time.perf_counter() - started) * 1000
                if status != RunStatus.DONE:
                    error = ReportRun.objects.filter(pk=run_id).values_list("error", flat=True).first()
                    raise BenchError(f"{name}: report {run_id} {status}: {error}")
                if attempt >= warmup:
                    measurement.times_ms.append(elapsed)
                    run = ReportRun.objects.get(pk=run_id)
                    measurement.server_ms.append((run.finished_at - run.created_at).total_seconds() * 1000)
                self.progress()
        finally:
            browser.close()
        measurement.wall_seconds = sum(measurement.times_ms) / 1000
        return measurement

    def _wait_for_report(self, browser: Browser, status_url: str, name: str, timeout: float = 600.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = browser.get(status_url)
            check(response, name, status_url, processes=self.processes)
            status = json.loads(response.body)["status"]
            if status in ("done", "failed"):
                return status
            self.processes.check_alive()
            time.sleep(0.2)  # often enough to time a job of seconds, rarely enough not to slow it down
        raise BenchError(f"{name}: not done after {timeout:.0f} s.\n{self.processes.log_tail('db_worker')}")

    def plan_import(self, partnership, *, runs: int, warmup: int) -> list[Measurement]:
        """Upload the Warwickshire seed plan on the import page, then confirm it, as a new plan each time."""
        from prevent_hub.plans.demo import SEED

        url = reverse("plans:plan_import", kwargs={"partnership": partnership.slug})
        upload = Measurement("plan import: upload and preview", "job", url, Role.COORDINATOR,
                             note=f"{SEED.name} into a throwaway partnership")
        confirm = Measurement("plan import: confirm and save", "job", url, Role.COORDINATOR,
                              note="a new plan each run; the partnership is removed afterwards")
        browser = self.browser(Role.COORDINATOR)
        data = SEED.read_bytes()
        try:
            for attempt in range(warmup + runs):
                page = browser.get(url)
                check(page, upload.name, url, processes=self.processes)
                csrf = dict(form_fields(page.text, "file"))["csrfmiddlewaretoken"]
                preview = browser.post_multipart(url, [("csrfmiddlewaretoken", csrf)], {"file": (SEED.name, data)})
                check(preview, upload.name, url, processes=self.processes)
                fields = form_fields(preview.text, "confirm")
                title = dict(fields).get("title", "Plan")
                saved = browser.post(url, with_values(fields, title=f"{title} (benchmark run {attempt + 1})",
                                                      confirm="1"))
                check(saved, confirm.name, url, expected=302, processes=self.processes)
                if attempt >= warmup:
                    upload.times_ms.append(preview.ms)
                    confirm.times_ms.append(saved.ms)
                    for measurement, response in ((upload, preview), (confirm, saved)):
                        if response.server_ms is not None:
                            measurement.server_ms.append(response.server_ms)
                        if response.queries is not None:
                            measurement.queries.append(response.queries)
                self.progress()
        finally:
            browser.close()
        upload.wall_seconds = sum(upload.times_ms) / 1000
        confirm.wall_seconds = sum(confirm.times_ms) / 1000
        return [upload, confirm]


def throwaway_partnership(user):
    """A partnership for the import to write into, with ``user`` as its coordinator."""
    from prevent_hub.accounts.models import Membership
    from prevent_hub.directory.models import Partnership

    slug = f"bench-import-{secrets.token_hex(4)}"
    partnership = Partnership.objects.create(slug=slug, name=f"Benchmark import ({slug})")
    Membership.objects.create(user=user, partnership=partnership, role=Role.COORDINATOR)
    return partnership


def remove_throwaway_partnership(partnership) -> None:
    """Delete what the import made (plans first: their owners protect the people they name), then the partnership."""
    from prevent_hub.plans.models import Plan

    Plan.objects.filter(partnership=partnership).delete()
    partnership.delete()


def remove_reports(run_ids: list[int]) -> None:
    """Delete the reports the benchmark asked for (change-logged, as any delete)."""
    from prevent_hub.core.services import object_delete
    from prevent_hub.reports.models import ReportRun

    for run in ReportRun.objects.filter(pk__in=run_ids):
        object_delete(actor=None, instance=run)


def remove_sessions(server: ServerSide | None) -> None:
    from importlib import import_module

    if server is None:
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for keys in server.sessions.values():
        for key in keys:
            store(key).delete()


# --- manage.py bench ------------------------------------------------------------------------------


@dataclass
class Options:
    partnership: str | None = None
    national: str | None = None
    requests: int = 200
    warmup: int = 10
    threads: int = 3
    job_runs: int = 3
    port: int = 0
    skip: tuple[str, ...] = ()  # "report", "import"


def bench_users(partnership, national) -> dict[str, object]:
    """The users whose sessions read the pages: the coordinator, the Channel chair, the national coordinator."""
    users = {}
    for role in (Role.COORDINATOR, Role.CHANNEL_CHAIR):
        users[role] = user_with_role(partnership, role)
        if users[role] is None:
            raise BenchError(f"{partnership.slug} has no active {role.label} to read its pages as.")
    if national is not None:
        users[f"national:{Role.COORDINATOR}"] = user_with_role(national, Role.COORDINATOR)
    return users


def find_national(slug: str | None, partnership):
    """The partnership for the national statistics row: ``slug``, else "national" if there is one."""
    from prevent_hub.directory.models import Partnership

    national = Partnership.objects.filter(slug=slug or "national").exclude(pk=partnership.pk).first()
    if slug and national is None:
        raise BenchError(f"There is no partnership {slug!r} for the national statistics.")
    return national


def run_bench(options: Options, progress_factory) -> tuple[list[Row], dict]:
    """Start the server, measure every page and job, stop the server and remove what the run made."""
    from django.db import connection

    partnership = find_partnership(options.partnership)
    national = find_national(options.national, partnership)
    notes = []
    if national is None:
        notes.append("No national partnership: the national statistics row is left out (give --national SLUG).")
    elif user_with_role(national, Role.COORDINATOR) is None:
        if options.national:
            raise BenchError(f"{national.slug} has no active {Role.COORDINATOR.label} to read its statistics as.")
        notes.append(f"{national.slug} has no coordinator: the national statistics row is left out.")
        national = None
    users = bench_users(partnership, national)
    pages = pages_for(partnership, national)
    jobs = [name for name in ("report", "import") if name not in options.skip]
    threads = max(1, options.threads)
    env = server_environment(connection.settings_dict)
    port = options.port or free_port()
    per_user: dict[int, int] = {}
    for user in users.values():
        per_user[user.pk] = max(per_user.get(user.pk, 0), threads)
    server = None
    created_reports: list[int] = []
    throwaway = None
    measurements: list[Measurement] = []
    total = len(pages) * (options.warmup + options.requests * (2 if threads > 1 else 1))
    total += len(jobs) * (min(options.warmup, 1) + options.job_runs)
    load_before = os.getloadavg()[0]  # another busy process on the machine shows here
    try:
        server = prepare_server_side(env, per_user)
        with Processes(env, port) as processes:
            progress = progress_factory(total)
            run = Run(port, server, users, processes, progress)
            for page in pages:
                measurements.append(run.page(page, requests=options.requests, warmup=options.warmup, threads=threads))
            if "report" in jobs:
                processes.start_worker()  # not before: its polling would weigh on every page's times
                measurements.append(run.report(partnership, runs=options.job_runs, warmup=min(options.warmup, 1),
                                               created=created_reports))
            if "import" in jobs:
                throwaway = throwaway_partnership(users[Role.COORDINATOR])
                measurements += run.plan_import(throwaway, runs=options.job_runs, warmup=min(options.warmup, 1))
            progress.finish()
    finally:
        if throwaway is not None:
            remove_throwaway_partnership(throwaway)
        remove_reports(created_reports)
        remove_sessions(server)
    meta = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "partnership": partnership.slug,
        "national": national.slug if national else None,
        "database": connection.vendor,
        "server": f"gunicorn, {SERVER_WORKERS} sync workers, config.settings.production, DB_CONN_MAX_AGE="
                  f"{os.environ.get('DB_CONN_MAX_AGE', '60 (the production default)')}",
        "requests_per_page": options.requests, "warmup": options.warmup, "threads": threads,
        "job_runs": options.job_runs,
        "timing": "client wall time per request over loopback (sequential, one connection); server time and "
                  "queries from the Server-Timing header the bench server adds",
        "target": f"p95 <= {TARGET_P95_MS:.0f} ms and <= {TARGET_BASELINE_RATIO:.0f}x the baseline p95 (pages only)",
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "notes": notes,
    }
    return summarise_all(measurements), meta
