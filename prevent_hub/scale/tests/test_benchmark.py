"""The benchmark's arithmetic and its browser's small parts, on known inputs."""
import http.client
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prevent_hub.scale import benchmark
from prevent_hub.scale.benchmark import BenchError, Measurement, form_fields, percentile, summarise, summarise_all
from prevent_hub.scale.serverside import proxy_header


def test_percentiles_interpolate_between_the_closest_ranks():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    assert percentile(reversed(values), 0.95) == pytest.approx(95.05)  # order does not matter
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == pytest.approx(25.0)
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.95) == pytest.approx(38.5)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0], 0.0) == 1.0 and percentile([1.0, 2.0], 1.0) == 2.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def _page(name, times, kind="page", wall=None, **extra):
    return Measurement(name, kind, times_ms=times, wall_seconds=wall if wall is not None else sum(times) / 1000,
                       **extra)


def test_rows_give_ratios_to_the_baseline_and_whether_the_target_is_met():
    baseline = _page("baseline", [10.0, 10.0, 20.0, 20.0, 30.0], kind="baseline", wall=0.1)
    fast = _page("fast", [20.0] * 19 + [40.0], queries=[7] * 20, server_ms=[18.0] * 20)
    over_ratio = _page("five times the baseline", [100.0] * 20 + [200.0])
    over_limit = _page("slow", [100.0, 160.0, 160.0, 160.0])
    job = _page("report", [5000.0], kind="job")
    rows = summarise_all([fast, baseline, over_ratio, over_limit, job])
    by_name = {row.name: row for row in rows}
    assert rows[0].name == "baseline"  # first, whatever order it was measured in
    base = by_name["baseline"]
    assert (base.p50_ms, base.p95_ms, base.mean_ms) == (20.0, pytest.approx(28.0), 18.0)
    assert base.rps == pytest.approx(50.0)  # 5 requests in 0.1 s
    assert base.target_met is None and base.p95_ratio is None

    row = by_name["fast"]
    assert row.p50_ms == 20.0 and row.p95_ms == pytest.approx(21.0)  # 20 + 0.05 × (40 − 20)
    assert row.p50_ratio == pytest.approx(1.0) and row.p95_ratio == pytest.approx(21.0 / 28.0)
    assert (row.queries, row.server_p50_ms, row.requests, row.max_ms) == (7, 18.0, 20, 40.0)
    assert row.target_met is True

    # p95 of 145 ms is under 150 ms but more than 5 × the baseline's 28 ms.
    assert by_name["five times the baseline"].p95_ms == pytest.approx(100.0)
    assert by_name["five times the baseline"].target_met is True
    assert by_name["slow"].p95_ms == pytest.approx(160.0) and by_name["slow"].target_met is False
    assert by_name["report"].target_met is None  # a background job has no page target


def test_the_ratio_rule_fails_a_page_under_150_ms_when_the_baseline_is_fast():
    base = summarise(_page("baseline", [5.0, 5.0, 5.0], kind="baseline"))
    row = summarise(_page("page", [30.0, 30.0, 30.0]), base)
    assert row.p95_ratio == pytest.approx(6.0)
    assert row.p95_ms <= benchmark.TARGET_P95_MS and row.target_met is False


def test_the_table_and_the_json_carry_the_same_rows():
    rows = summarise_all([_page("baseline", [10.0, 12.0], kind="baseline"), _page("overview", [30.0, 90.0])])
    table = benchmark.format_table(rows).splitlines()
    assert table[0].split()[:3] == ["Page", "p50", "ms"]
    overview = next(line for line in table if line.startswith("overview"))
    assert "60.0" in overview and "87.0" in overview and "5.5×" in overview and "7.3×" in overview
    assert overview.endswith("NOT MET")  # 87 ms is more than 5 × the baseline's p95 (11.9 ms)
    data = json.loads(benchmark.results_json(rows, {"partnership": "alpha"}))
    assert data["meta"] == {"partnership": "alpha"}
    assert [r["name"] for r in data["rows"]] == ["baseline", "overview"]
    assert data["rows"][1]["p95_ms"] == pytest.approx(87.0) and data["rows"][1]["target_met"] is False


def test_the_form_parser_submits_what_a_browser_would():
    html = """
      <form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="tok"><input name="q"></form>
      <form method="post">
        <input type="hidden" name="csrfmiddlewaretoken" value="tok2">
        <input type="radio" name="kind" value="quarterly"><input type="radio" name="kind" value="annual" checked>
        <input type="checkbox" name="create_missing" value="1" checked><input type="checkbox" name="off" value="1">
        <input type="file" name="file"><textarea name="who-1.1">
NBBC &amp; police</textarea>
        <select name="plan_version"><option value="">Any</option><option value="7" selected>2017</option></select>
        <select name="template"><option value="">None</option><option value="3">Ours</option></select>
        <button type="submit" name="confirm" value="1">Import</button>
      </form>"""
    fields = form_fields(html, "confirm")
    assert fields == [("csrfmiddlewaretoken", "tok2"), ("kind", "annual"), ("create_missing", "1"),
                      ("who-1.1", "NBBC & police"), ("plan_version", "7"), ("template", "")]
    assert benchmark.with_values(fields, kind="quarterly", title="T")[-2:] == [("kind", "quarterly"), ("title", "T")]
    assert form_fields(html, "q") == [("csrfmiddlewaretoken", "tok"), ("q", "")]
    with pytest.raises(BenchError, match="no form"):
        form_fields(html, "missing")


def _response(status, location=""):
    headers = http.client.HTTPMessage()
    if location:
        headers["Location"] = location
    return benchmark.Response(status, headers, b"", 1.0, None, None)


def test_a_page_that_does_not_answer_200_stops_the_run_and_says_why():
    benchmark.check(_response(200), "overview", "/p/alpha/")
    with pytest.raises(BenchError, match="answered 302, not 200. The server sent the user to sign in"):
        benchmark.check(_response(302, "/accounts/login/?next=/p/alpha/"), "overview", "/p/alpha/")
    with pytest.raises(BenchError, match="answered 404, not 200"):
        benchmark.check(_response(404), "overview", "/p/alpha/")
    benchmark.check(_response(302, "/p/alpha/reports/1/"), "report", "/p/alpha/reports/new/", expected=302)


def test_the_server_gets_the_same_database_and_refuses_an_in_memory_one():
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "test_hub_gw0", "USER": "postgres",
                "PASSWORD": "p@ss word", "HOST": "127.0.0.1", "PORT": "5432"}
    assert benchmark.database_url(postgres) == "postgres://postgres:p%40ss%20word@127.0.0.1:5432/test_hub_gw0"
    assert benchmark.database_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/x.sqlite3"}) == \
        "sqlite:////tmp/x.sqlite3"
    with pytest.raises(BenchError, match="in-memory"):
        benchmark.database_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "file:memorydb_default?mode=memory"})


def test_production_refuses_the_development_key_so_the_server_gets_its_own(settings):
    settings.SECRET_KEY = "insecure-local-key-only-for-development-and-tests-0123456789"
    key = benchmark.production_secret_key()
    assert len(key) >= 50 and not key.startswith("insecure")
    settings.SECRET_KEY = "x" * 60
    assert benchmark.production_secret_key() == "x" * 60
    settings.FIELD_ENCRYPTION_KEYS = ["new", "old"]
    settings.AUDIT_ANCHOR_KEYS = ["new-anchor", "old-anchor"]
    env = benchmark.server_environment({"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/x.sqlite3"})
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["FIELD_ENCRYPTION_KEYS"] == "new,old" and env["BENCH_BASELINE"] == "1"
    assert env["AUDIT_ANCHOR_KEYS"] == "new-anchor,old-anchor" and env["AUDIT_ANCHOR_FILE"]


def test_the_proxy_header_is_named_as_a_proxy_sends_it():
    assert proxy_header(("HTTP_X_FORWARDED_PROTO", "https")) == ["X-Forwarded-Proto", "https"]
    assert proxy_header(None) is None


@pytest.fixture
def coordinator(client, db):
    from prevent_hub.accounts.middleware import MFA_OK_KEY
    from prevent_hub.core.roles import Role
    from prevent_hub.core.testing.matrix import user_with
    from prevent_hub.directory.demo import load_warwickshire

    partnership, _ = load_warwickshire()
    user = user_with(Role.COORDINATOR, partnership)
    client.force_login(user)
    session = client.session
    session[MFA_OK_KEY] = True
    session.save()
    return user, partnership


def test_the_report_form_filled_as_the_bench_does_queues_a_report_which_it_then_removes(client, coordinator):
    import re

    from django.urls import reverse
    from django.utils import timezone

    from prevent_hub.audit.models import ChangeLog
    from prevent_hub.reports.models import ReportRun

    _, partnership = coordinator
    url = reverse("reports:reportrun_add", kwargs={"partnership": partnership.slug})
    fields = benchmark.with_values(form_fields(client.get(url).content.decode(), "kind"), kind="quarterly",
                                   as_of=timezone.localdate().isoformat())
    assert "csrfmiddlewaretoken" in dict(fields)
    response = client.post(url, dict(fields))
    assert response.status_code == 302
    run_id = int(re.search(r"/reports/(\d+)/", response["Location"]).group(1))  # as the bench reads it
    assert ReportRun.objects.get(pk=run_id).kind == "quarterly"
    benchmark.remove_reports([run_id])
    assert not ReportRun.objects.filter(pk=run_id).exists()
    assert ChangeLog.objects.filter(object_id=str(run_id), action="delete").exists()  # removed in the open


def test_the_import_confirmed_as_the_bench_does_saves_a_new_plan_and_the_partnership_goes_after(client, coordinator):
    from django.urls import reverse

    from prevent_hub.directory.models import Partnership
    from prevent_hub.plans.demo import SEED
    from prevent_hub.plans.models import Plan

    user, _ = coordinator
    throwaway = benchmark.throwaway_partnership(user)
    url = reverse("plans:plan_import", kwargs={"partnership": throwaway.slug})
    csrf = dict(form_fields(client.get(url).content.decode(), "file"))["csrfmiddlewaretoken"]
    preview = client.post(url, {"csrfmiddlewaretoken": csrf, "file": SimpleUploadedFile(SEED.name, SEED.read_bytes())})
    assert preview.status_code == 200
    fields = form_fields(preview.content.decode(), "confirm")
    assert any(name.startswith("who-") for name, _ in fields)  # the preview's per-action fields are sent back
    title = f"{dict(fields)['title']} (benchmark run 1)"
    response = client.post(url, dict(benchmark.with_values(fields, title=title, confirm="1")))
    assert response.status_code == 302
    plan = Plan.objects.get(partnership=throwaway)
    assert plan.title == title and plan.versions.get().actions.count() == 32
    benchmark.remove_throwaway_partnership(throwaway)  # its people are protected by the plan's owners: plans first
    assert not Partnership.objects.filter(pk=throwaway.pk).exists()
