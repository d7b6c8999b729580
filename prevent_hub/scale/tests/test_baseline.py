"""The benchmark's bare page: behind sign-in like every page, no queries of its own, and only there when asked for."""
import importlib.util
import re
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse

import config.urls
from prevent_hub.accounts.middleware import MFA_OK_KEY
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.scale.benchmark import BASELINE_PATH
from prevent_hub.scale.views import BaselineView

# What the middleware reads for a signed-in request: the session, the user, their memberships (the idle
# rule) and their second factor (the MFA rule). Nothing else may be queried for the bare page.
MIDDLEWARE_TABLES = {"django_session", "accounts_user", "accounts_membership", "mfa_authenticator"}
TABLE = re.compile(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)  # the table each statement is about


def _fresh_site_urls(name):
    """config/urls.py imported again under ``name``, so it reads the settings as they are now."""
    spec = importlib.util.spec_from_file_location(name, config.urls.__file__)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bench_urls(settings):
    """The site's URLs as the benchmark's server has them (BENCH_BASELINE on)."""
    settings.BENCH_BASELINE = True
    _fresh_site_urls("bench_site_urls")
    settings.ROOT_URLCONF = "bench_site_urls"
    yield
    del sys.modules["bench_site_urls"]


def test_the_page_is_not_there_unless_the_setting_is_on(settings):
    with pytest.raises(Resolver404):
        resolve(BASELINE_PATH)  # the site as the tests (and every deployment) have it
    settings.BENCH_BASELINE = True
    try:
        urls = _fresh_site_urls("bench_site_urls_probe")
        assert resolve(BASELINE_PATH, urlconf=urls).func.view_class is BaselineView
    finally:
        del sys.modules["bench_site_urls_probe"]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, bench_urls):
    assert reverse("scale:baseline") == BASELINE_PATH
    response = client.get(BASELINE_PATH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_signed_in_user_gets_the_bare_page_with_no_queries_of_its_own(client, bench_urls):
    user = user_with(Role.COORDINATOR, PartnershipFactory())
    client.force_login(user)
    session = client.session
    session[MFA_OK_KEY] = True  # as after the second factor
    session.save()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BASELINE_PATH)
    assert response.status_code == 200
    assert b"Benchmark baseline" in response.content
    assert b"govuk-template" not in response.content  # not the site layout: nothing but the stack is measured
    statements = [q["sql"] for q in captured if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    tables = {table for sql in statements for table in TABLE.findall(sql)}
    assert tables <= MIDDLEWARE_TABLES, statements
    assert {"django_session", "accounts_user"} <= tables
    assert len(statements) <= 5, statements
    # The full stack ran: the security headers and the CSP of every page.
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_bench_server_says_how_long_it_took_and_how_many_queries(client, bench_urls, settings):
    settings.MIDDLEWARE = ["prevent_hub.scale.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]
    client.force_login(user_with(Role.COORDINATOR, PartnershipFactory()))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BASELINE_PATH)
    match = re.fullmatch(r'app;dur=([\d.]+), db;dur=([\d.]+);desc="(\d+) queries"', response["Server-Timing"])
    assert match, response["Server-Timing"]
    assert int(match.group(3)) == len(captured) > 0
    assert float(match.group(1)) >= float(match.group(2)) >= 0
