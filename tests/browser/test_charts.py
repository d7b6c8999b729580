"""Charts as Chromium draws them: on the statistics page, the plan dashboard and training coverage, every bar
starts at one zero baseline and is as long as its value on the chart's one scale (measured on screen, not in
the markup), the categories, axes and key are there in text, and each page passes axe.

Set CHART_SCREENSHOTS to a folder to keep a picture of each chart (docs/ has the ones from the release)."""
import datetime as dt
import os
from pathlib import Path

import pytest

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import UserFactory
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.insights.demo import load_demo_referrals
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.training.models import Course, HeadCount, TrainingSession

from .conftest import run_axe
from .test_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def measured_bars(chart) -> list[dict]:
    """Every bar of a chart as drawn on screen: its value and its box in CSS pixels."""
    bars = []
    for rect in chart.locator("rect.app-chart__bar").all():
        box = rect.bounding_box()
        bars.append({"category": rect.get_attribute("data-category"), "series": rect.get_attribute("data-series"),
                     "value": int(rect.get_attribute("data-value")), **box})
    return bars


def assert_one_baseline_and_one_scale(chart, stacked=False):
    bars = measured_bars(chart)
    if not bars:  # every number hidden (small numbers, for this reader): nothing to measure
        return bars
    baseline = chart.locator("line.app-chart__baseline").bounding_box()
    starts = {}
    for bar in bars:
        starts.setdefault(bar["category"], min(starts.get(bar["category"], 1e9), bar["x"]))
    # Every bar (a divided bar: its first segment) starts at the baseline, on screen.
    for start in starts.values():
        assert abs(start - (baseline["x"] + baseline["width"] / 2)) < 1.5, (start, baseline)
    # One scale: a bar's length grows by the same number of pixels for each unit (its outline adds
    # the same pixel to every bar, so compare differences from the shortest).
    shortest, longest = min(bars, key=lambda b: b["value"]), max(bars, key=lambda b: b["value"])
    if longest["value"] > shortest["value"]:
        scale = (longest["width"] - shortest["width"]) / (longest["value"] - shortest["value"])
        for bar in bars:
            assert abs(bar["width"] - shortest["width"] - (bar["value"] - shortest["value"]) * scale) < 1, bar
    if not stacked:
        assert len(starts) == len(bars)
    return bars


def screenshot(chart, name):
    folder = os.environ.get("CHART_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        chart.screenshot(path=str(Path(folder) / name))


def test_charts_on_the_statistics_page_the_dashboard_and_coverage(page, live_server):
    partnership, _ = load_warwickshire()
    load_demo_referrals(partnership)
    version = load_warwickshire_plan(partnership)
    course = Course.objects.create(partnership=partnership, name="WRAP", level="wrap")
    for day, counts in ((dt.date(2017, 5, 10), (12, 9)), (dt.date(2017, 8, 2), (20,)), (dt.date(2017, 11, 8), (9, 9)),
                        (dt.date(2018, 2, 1), (14,))):
        session = TrainingSession.objects.create(partnership=partnership, course=course, date=day, venue="Shire Hall")
        for count in counts:
            HeadCount.objects.create(partnership=partnership, session=session, sector="education", count=count)
    user = UserFactory(email="coordinator@example.test", roles=[(partnership, Role.COORDINATOR)])
    sign_in(page, live_server.url, user)
    base = f"{live_server.url}/p/warwickshire"
    failures = {}

    page.goto(base + "/statistics/?year=2024")
    failures["statistics"] = run_axe(page)
    months = page.locator("svg[aria-labelledby='chart-months-title chart-months-desc']")
    bars = assert_one_baseline_and_one_scale(months)
    assert len(bars) == 12
    assert [t.strip() for t in months.locator("text.app-chart__category").all_text_contents()] == [
        "April", "May", "June", "July", "August", "September", "October", "November", "December", "January",
        "February", "March"]
    assert months.locator("text.app-chart__axis-title").all_text_contents() == ["Month", "Referrals"]
    assert "Referrals" in months.locator("text.app-chart__key").all_text_contents()
    equal = {}
    for bar in bars:
        equal.setdefault(bar["value"], set()).add(round(bar["width"], 1))
    assert all(len(widths) == 1 for widths in equal.values()), equal  # equal values, equal lengths
    screenshot(months, "chart-statistics-months.png")
    for key in ("funnel", "sector", "age_band", "concern", "series"):
        chart = page.locator(f"svg[aria-labelledby='chart-{key}-title chart-{key}-desc']")
        assert_one_baseline_and_one_scale(chart)
        screenshot(chart, f"chart-statistics-{key}.png")

    page.goto(base + f"/plan-versions/{version.pk}/dashboard/?as_of=2018-01-15")
    failures["dashboard"] = run_axe(page)
    rag = page.locator("svg[aria-labelledby='rag-chart-title rag-chart-desc']")
    bars = assert_one_baseline_and_one_scale(rag, stacked=True)
    assert len({bar["category"] for bar in bars}) == 6
    assert {bar["series"] for bar in bars} == {"Red", "Amber", "Green", "Not rated"}
    assert rag.locator("text.app-chart__key").all_text_contents() == ["Red", "Amber", "Green", "Not rated"]
    labels = " ".join(rag.locator("text.app-chart__category").all_text_contents())
    for theme in version.themes.all():
        assert theme.title.split()[-1] in labels
    screenshot(rag, "chart-dashboard-rag.png")

    page.goto(base + "/training/coverage/?as_of=2018-03-20")
    failures["coverage"] = run_axe(page)
    quarters = page.locator("svg[aria-labelledby='quarters-chart-title quarters-chart-desc']")
    bars = assert_one_baseline_and_one_scale(quarters)
    screenshot(quarters, "chart-coverage-quarters.png")
    assert {bar["category"]: bar["value"] for bar in bars} == {
        "Q1 2017/18": 21, "Q2 2017/18": 20, "Q3 2017/18": 18, "Q4 2017/18": 14}

    # At 320 pixels the charts shrink with the column: nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/statistics/?year=2024", f"/plan-versions/{version.pk}/dashboard/?as_of=2018-01-15",
                 "/training/coverage/?as_of=2018-03-20"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, path
    assert {k: v for k, v in failures.items() if v} == {}
    assert page.foreign_requests == []
