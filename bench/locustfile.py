"""Load test (issue 10; security.md FLT-08): coordinators, a board viewer and the Channel case team at once.

Run by ``manage.py loadtest``, which starts the server, opens one signed-in session per simulated
user and describes the run in the JSON file named by BENCH_LOCUST_CONFIG:

    {"session_cookie": ..., "csrf_cookie": ..., "proxy_header": ["X-Forwarded-Proto", "https"] or null,
     "origin": "https://127.0.0.1:PORT", "sessions": {"coordinator": [keys], "board_viewer": [...],
     "case_team": [...]}, "pages": {name: path}, "action_details": [paths], "case_list": path,
     "case_details": [paths], "case_references": [references], "reads_file": path}

- Coordinators browse the overview, the plan dashboard, the filtered action list, actions, meetings,
  the training summary and the statistics.
- A board viewer reads the overview, the dashboard and the statistics, and is refused the case
  list (403, with no case reference in the answer): authorisation under load.
- The case team opens the case list and then a case, again and again. The first read of a case
  in a session answers with the purpose question; the user answers it with the form's CSRF token,
  as in a browser, and reads the case. Every case page answered 200 is one read, and the server
  must have logged exactly one "consultation" for each. The counts (and every request and failure, including those
  made after the time is up while users finish what they started, which locust's CSV may miss) are
  written to ``reads_file`` when locust quits.

Cookies are kept by hand: the production cookies are ``Secure`` and the server is reached over
plain HTTP on loopback (the proxy header says the connection was TLS), so a cookie jar would
never send them.
"""
import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

CONFIG = json.loads(Path(os.environ["BENCH_LOCUST_CONFIG"]).read_text())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SESSIONS = {role: itertools.cycle(keys) for role, keys in CONFIG["sessions"].items()}
COUNTS = {"requests": 0, "failures": 0, "case_reads": 0, "refusals_checked": 0, "leaks": 0}


class SignedInUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.5, 2.0)  # a person reading a page before the next

    def on_start(self):
        self.cookies = {CONFIG["session_cookie"]: next(SESSIONS[self.role])}

    def headers(self, post_to: str = "") -> dict:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept": "text/html"}
        if CONFIG["proxy_header"]:
            headers[CONFIG["proxy_header"][0]] = CONFIG["proxy_header"][1]
        if post_to:
            headers.update({"Origin": CONFIG["origin"], "Referer": CONFIG["origin"] + post_to})
        return headers

    def remember(self, response):
        for name, value in response.cookies.items():
            if value:
                self.cookies[name] = value
            else:  # deleted by the server
                self.cookies.pop(name, None)
        self.client.cookies.clear()

    def open(self, path: str, name: str, expect=(200,), method: str = "GET", data=None, redirect_to: str = ""):
        """Request ``path``; a status outside ``expect``, or a redirect elsewhere than ``redirect_to``, is a failure.

        Returns the response, or None on failure.
        """
        with self.client.request(method, path, name=name, data=data, allow_redirects=False, catch_response=True,
                                 headers=self.headers(post_to=path if method == "POST" else "")) as response:
            self.remember(response)
            location = response.headers.get("Location", "")
            if response.status_code not in expect or (response.is_redirect and redirect_to not in location):
                where = f" to {location}" if location else ""
                response.failure(f"{response.status_code}{where}, expected {expect}")
                return None
            response.success()
            return response


class Coordinator(SignedInUser):
    role = "coordinator"
    weight = 5

    @task(3)
    def overview(self):
        self.open(CONFIG["pages"]["overview"], "overview")

    @task(2)
    def dashboard(self):
        if "dashboard" in CONFIG["pages"]:
            self.open(CONFIG["pages"]["dashboard"], "plan dashboard")

    @task(3)
    def actions(self):
        if "actions" in CONFIG["pages"]:
            self.open(CONFIG["pages"]["actions"], "action list (filtered)")

    @task(3)
    def action(self):
        if CONFIG["action_details"]:
            self.open(random.choice(CONFIG["action_details"]), "action detail")

    @task(2)
    def meetings(self):
        self.open(CONFIG["pages"]["meetings"], "meeting list")

    @task(1)
    def training(self):
        self.open(CONFIG["pages"]["training"], "training summary")

    @task(2)
    def statistics(self):
        self.open(CONFIG["pages"]["statistics"], "statistics")


class BoardViewer(SignedInUser):
    role = "board_viewer"
    weight = 2

    @task(2)
    def overview(self):
        self.open(CONFIG["pages"]["overview"], "overview")

    @task(2)
    def dashboard(self):
        if "dashboard" in CONFIG["pages"]:
            self.open(CONFIG["pages"]["dashboard"], "plan dashboard")

    @task(2)
    def statistics(self):
        self.open(CONFIG["pages"]["statistics"], "statistics")

    @task(1)
    def refused_cases(self):
        """The case list is for the case team alone: refused, and nothing about a case in the refusal."""
        response = self.open(CONFIG["case_list"], "case list (refused)", expect=(403,))
        if response is not None:
            COUNTS["refusals_checked"] += 1
            if any(reference in response.text for reference in CONFIG["case_references"]):
                COUNTS["leaks"] += 1


class CaseTeam(SignedInUser):
    role = "case_team"
    weight = 3

    @task
    def work_on_a_case(self):
        """Open the case list, then one of the cases on it."""
        self.open(CONFIG["case_list"], "case list")
        if not CONFIG["case_details"]:
            return
        path = random.choice(CONFIG["case_details"])
        response = self.open(path, "case detail", expect=(200, 302), redirect_to="/purpose/")
        if response is not None and response.status_code == 302:
            answered = self.answer_purpose(response.headers["Location"])
            response = self.open(path, "case detail") if answered else None
        if response is not None:
            COUNTS["case_reads"] += 1  # a 200: the server logged this read in the same transaction

    def answer_purpose(self, purpose: str) -> bool:
        """Say why the case is being opened (once per case per session), with the form's CSRF token."""
        form = self.open(purpose, "case purpose")
        token = CSRF.search(form.text) if form is not None else None
        if token is None:
            return False
        answered = self.open(purpose, "case purpose (answer)", expect=(302,), method="POST", redirect_to="/channel/",
                             data={"csrfmiddlewaretoken": token.group(1), "purpose": "panel", "detail": ""})
        return answered is not None


@events.request.add_listener
def count_request(exception=None, **kwargs):
    """Every request and failure, those made while the users finish after the time is up included."""
    COUNTS["requests"] += 1
    COUNTS["failures"] += exception is not None


@events.quitting.add_listener
def write_counts(environment, **kwargs):
    Path(CONFIG["reads_file"]).write_text(json.dumps(COUNTS))
