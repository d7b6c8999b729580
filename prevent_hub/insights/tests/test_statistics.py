"""Referral statistics: imports, every table against an independent count, the crosswalk, bad files,
who sees what, exports, charts and query counts (issue 8 acceptance 1, 3 and 5)."""
import csv
import datetime as dt
import io
import json
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_hub.core.roles import CASE_TEAM, Role
from prevent_hub.core.roles import STATS_KEEPERS as KEEPERS
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ModelViewMatrix, row_counts, user_with
from prevent_hub.insights.models import ImportBatch, MonthlyCount, Referral

pytestmark = pytest.mark.django_db

HEADINGS = ["Reference", "Referral date", "Sector", "Age", "Age band", "Gender", "Type of concern", "District",
            "Stage reached"]
SECTORS = ["Education", "Police", "Local authority", "Health", "Community", "Friends and family", "Prisons",
           "Probation", "Other"]
CONCERNS_2024 = ["Islamist", "Extreme right-wing", "Conflicted", "School massacre", "Incel",
                 "Vulnerability present but no ideology or counter-terrorism risk", "Other", "Not yet known"]
GENDERS = ["Female", "Male", "Other or not known"]
STAGES = ["No further action", "Signposted to other services", "Discussed at a Channel panel",
          "Adopted as a Channel case", "Being screened or assessed"]
DISTRICTS = ["North", "South", "East", "West", "Central"]
REFERRED = ("Referrals", "Discussed at a Channel panel", "Adopted as a Channel case")

coverage.register("insights:statistics", "insights:statistics_export", "insights:statistics_chart")


def synthetic_rows(count, year, seed, prefix="R", concerns=CONCERNS_2024):
    """Invented referrals: categories drawn independently of each other (no place tied to a concern)."""
    rnd = random.Random(seed)
    start = dt.date(year, 4, 1)
    rows = []
    for n in range(count):
        day = start + dt.timedelta(days=rnd.randrange(365))
        rows.append({"Reference": f"{prefix}{n:06d}", "Referral date": day.isoformat(), "Sector": rnd.choice(SECTORS),
                     "Age": str(rnd.randint(8, 80)), "Age band": "", "Gender": rnd.choice(GENDERS),
                     "Type of concern": rnd.choice(concerns), "District": rnd.choice(DISTRICTS),
                     "Stage reached": rnd.choice(STAGES)})
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADINGS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def stats_json(slug, year, *extra):
    out = io.StringIO()
    call_command("referral_stats", "--partnership", slug, "--year", str(year), "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def cells(report, key):
    table = next(t for t in report["tables"] if t["key"] == key)
    return {label: row for label, row in zip(table["rows"], table["cells"], strict=True)}


def n(text):
    return int(text.replace(",", ""))


def age_band_2023(age):
    for limit, label in ((10, "10 or under"), (15, "11 to 15"), (17, "16 to 17"), (20, "18 to 20"), (30, "21 to 30"),
                         (40, "31 to 40"), (50, "41 to 50"), (60, "51 to 60")):
        if age <= limit:
            return label
    return "Over 60"


def test_a_7000_row_file_gives_tables_equal_to_a_plain_count(tmp_path):
    """Acceptance 1: every cell of every table equals a count in plain Python over the same rows."""
    PartnershipFactory(slug="alpha")
    rows = synthetic_rows(7000, 2024, seed=11)
    call_command("import_referrals", str(write_csv(tmp_path / "referrals.csv", rows)), "--partnership", "alpha",
                 stdout=io.StringIO(), stderr=io.StringIO())
    report = stats_json("alpha", 2024, "--unsuppressed")
    assert Referral.objects.count() == 7000

    months = Counter(dt.date.fromisoformat(r["Referral date"]).month for r in rows)
    grid = cells(report, "months_2024")
    order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    for q in range(4):
        label = next(label for label in grid if label.startswith(f"Q{q + 1}"))
        expected = [months[m] for m in order[3 * q:3 * q + 3]]
        assert [n(c) for c in grid[label]] == [*expected, sum(expected)]
    assert [n(c) for c in grid["Total"]] == [
        sum(months[m] for m in order[k::3]) for k in range(3)] + [7000]

    stages = Counter(r["Stage reached"] for r in rows)
    funnel = cells(report, "funnel")
    assert n(funnel["Referrals"][0]) == 7000
    assert n(funnel["Discussed at a Channel panel"][0]) == stages["Discussed at a Channel panel"] + stages[
        "Adopted as a Channel case"]
    assert n(funnel["Adopted as a Channel case"][0]) == stages["Adopted as a Channel case"]

    for key, field, labels in (("sector", "Sector", SECTORS), ("gender", "Gender", GENDERS),
                               ("concern", "Type of concern", CONCERNS_2024), ("district", "District", DISTRICTS)):
        expected = Counter(r[field] for r in rows)
        table = cells(report, key)
        for label in labels:
            assert n(table[label][0]) == expected[label], (key, label)
        assert n(table["Total"][0]) == 7000
    ages = Counter(age_band_2023(int(r["Age"])) for r in rows)
    table = cells(report, "age_band")
    for label, count in ages.items():
        assert n(table[label][0]) == count
    assert n(table["Not known"][0]) == 0

    basis = Counter({"Islamist": 0, "Extreme right-wing": 0})
    for r in rows:
        concern = r["Type of concern"]
        basis[concern if concern in ("Islamist", "Extreme right-wing") else
              "Not known" if concern == "Not yet known" else "Other, mixed, unclear, conflicted or no ideology"] += 1
    series = cells(report, "series_concern")["2024/25"]
    assert [n(c) for c in series] == [basis["Islamist"], basis["Extreme right-wing"],
                                      basis["Other, mixed, unclear, conflicted or no ideology"], basis["Not known"], 7000]

    # The same report as everyone else sees it: nothing shown is small (a zero is shown as 0).
    for table in stats_json("alpha", 2024)["tables"]:
        for row in table["cells"]:
            for text in row:
                assert not text.replace(",", "").isdigit() or n(text) >= 5 or n(text) == 0


def test_2022_and_2024_files_make_one_series_through_the_crosswalk(tmp_path):
    """Acceptance 3: two years with different concern categories, on one consistent basis."""
    PartnershipFactory(slug="alpha")
    concerns_2022 = ["Islamist", "Extreme right-wing", "Conflicted", "High counter-terrorism risk but no ideology",
                     "School massacre", "Incel", "Other", "Vulnerability present but no ideology or counter-terrorism risk"]
    rows_2022 = synthetic_rows(400, 2022, seed=3, prefix="A", concerns=concerns_2022)
    rows_2024 = synthetic_rows(500, 2024, seed=4, prefix="B")
    for name, rows in (("2022.csv", rows_2022), ("2024.csv", rows_2024)):
        call_command("import_referrals", str(write_csv(tmp_path / name, rows)), "--partnership", "alpha",
                     stdout=io.StringIO(), stderr=io.StringIO())
    # A 2024/25 category is not a 2022/23 one: the crosswalk is per year, so the file's own year decides.
    assert Referral.objects.filter(financial_year=2022, concern="high_ct_no_ideology").exists()
    series = cells(stats_json("alpha", 2024, "--unsuppressed"), "series_concern")

    def basis(rows):
        counts = Counter()
        for r in rows:
            concern = r["Type of concern"]
            counts[concern if concern in ("Islamist", "Extreme right-wing") else
                   "not known" if concern == "Not yet known" else "other"] += 1
        return [counts["Islamist"], counts["Extreme right-wing"], counts["other"], counts["not known"], len(rows)]

    assert [n(c) for c in series["2022/23"]] == basis(rows_2022)
    assert [n(c) for c in series["2024/25"]] == basis(rows_2024)
    assert [n(c) for c in series["2023/24"]] == [0, 0, 0, 0, 0]
    # Each year's own table keeps that year's categories.
    assert "High counter-terrorism risk but no ideology" in cells(stats_json("alpha", 2022, "--unsuppressed"), "concern")
    assert "High counter-terrorism risk but no ideology" not in cells(stats_json("alpha", 2024, "--unsuppressed"), "concern")


@pytest.mark.parametrize("change, column, message", [
    ({"Type of concern": "Something else"}, "Type of concern", "is not a type of concern category in 2024/25"),
    ({"Type of concern": "Mixed, unclear or unstable"}, "Type of concern", "is not a type of concern category in 2024/25"),
    ({"Referral date": "31/02/2024"}, "Referral date", ""),
    ({"Referral date": "1890-05-01"}, "Referral date", "is not a date a referral could have been made on"),
    ({"Age": "-3"}, "Age", ""),
    ({"Age": "140"}, "Age", "is not a possible age"),
    ({"Age": "", "Age band": ""}, "Age", "Give the age at referral or the age band"),
    ({"Age": "30", "Age band": "11 to 15"}, "Age band", "is in the band '21 to 30'"),
    ({"Sector": "Library"}, "Sector", "is not a sector of referral category"),
    ({"Stage reached": "Maybe"}, "Stage reached", "is not a furthest stage reached category"),
])
def test_a_bad_row_is_reported_with_its_row_and_nothing_is_saved(tmp_path, change, column, message):
    """Acceptance 5."""
    PartnershipFactory(slug="alpha")
    rows = synthetic_rows(20, 2024, seed=5)
    rows[7].update(change)
    before = row_counts()
    err = io.StringIO()
    with pytest.raises(Exception, match="nothing was imported"):
        call_command("import_referrals", str(write_csv(tmp_path / "bad.csv", rows)), "--partnership", "alpha",
                     stdout=io.StringIO(), stderr=err)
    assert f"Row 9, {column}" in err.getvalue() or "row 9" in err.getvalue().lower(), err.getvalue()
    assert message in err.getvalue()
    assert row_counts() == before


def test_duplicate_references_in_the_file_and_already_imported_are_refused(tmp_path):
    PartnershipFactory(slug="alpha")
    rows = synthetic_rows(10, 2024, seed=6)
    call_command("import_referrals", str(write_csv(tmp_path / "first.csv", rows[:5])), "--partnership", "alpha",
                 stdout=io.StringIO(), stderr=io.StringIO())
    again = rows[3:] + [dict(rows[6])]  # rows 3 and 4 were imported; row 6 appears twice
    before = row_counts()
    err = io.StringIO()
    with pytest.raises(Exception, match="3 problem"):
        call_command("import_referrals", str(write_csv(tmp_path / "second.csv", again)), "--partnership", "alpha",
                     stdout=io.StringIO(), stderr=err)
    assert err.getvalue().count("has already been imported") == 2
    assert "R000006" in err.getvalue()
    assert row_counts() == before


def _seed(partnership, small_sector_count=2):
    """Referrals in 2024/25 with one small count (Probation) that only the case team may see."""
    rows = [Referral(partnership=partnership, reference=f"S{i}", referral_date=dt.date(2024, 5 + i % 6, 1),
                     financial_year=2024, sector=["education", "police", "health"][i % 3], age=30, age_band="21_30",
                     gender="male", concern="other", district="North", stage="no_further_action") for i in range(60)]
    rows += [Referral(partnership=partnership, reference=f"P{i}", referral_date=dt.date(2024, 6, 1), financial_year=2024,
                      sector="probation", age=30, age_band="21_30", gender="male", concern="other", district="North",
                      stage="no_further_action") for i in range(small_sector_count)]
    Referral.objects.bulk_create(rows)


@pytest.mark.parametrize("role", list(Role))
def test_who_sees_the_statistics_and_how(client, role):
    partnership = PartnershipFactory(slug="alpha")
    _seed(partnership)
    client.force_login(user_with(role, partnership))
    response = client.get(reverse("insights:statistics", kwargs={"partnership": "alpha"}) + "?year=2024")
    if role in (Role.AUDITOR, Role.SYSTEM_ADMIN):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    probation_row = page[page.index(">Probation</th>"):][:200]  # in the table
    probation_bar = 'data-category="Probation" data-series="Referrals" data-value="2"'  # in the chart beside it
    if role in (Role.CHANNEL_CHAIR, Role.POLICE_PREVENT):
        assert ">2<" in probation_row and probation_bar in page  # the case team sees the small number
    else:
        assert "&lt;5" in probation_row and ">2<" not in probation_row
        assert 'data-category="Probation"' not in page  # a hidden number has no bar


def test_exports_and_charts_hide_what_the_page_hides(client):
    import openpyxl

    partnership = PartnershipFactory(slug="alpha")
    _seed(partnership)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    base = reverse("insights:statistics_export", kwargs={"partnership": "alpha"})
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + "?year=2024&format=xlsx").content))
    sector = {row[0]: row[1] for row in book["sector"].iter_rows(values_only=True) if row and len(row) > 1}
    assert sector["Probation"] == "<5" and sector["Prisons"] == 0  # a zero gives nobody away
    # One of the three sectors of 20 is hidden too, so that Probation's 2 cannot be worked out from the total.
    assert sorted(str(sector[s]) for s in ("Education", "Police", "Health")) == ["20", "20", "[c]"]
    text = client.get(base + "?year=2024&format=csv").content.decode("utf-8-sig")
    assert "Probation,<5" in text
    svg = client.get(reverse("insights:statistics_chart", kwargs={"partnership": "alpha", "chart": "sector",
                                                                  "fmt": "svg"}) + "?year=2024")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg") and b"&lt;5" in svg.content
    png = client.get(reverse("insights:statistics_chart", kwargs={"partnership": "alpha", "chart": "months",
                                                                  "fmt": "png"}) + "?year=2024")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(reverse("insights:statistics_chart", kwargs={"partnership": "alpha", "chart": "nope",
                                                                   "fmt": "svg"})).status_code == 404
    client.force_login(user_with(Role.AUDITOR, partnership))
    assert client.get(base + "?year=2024&format=csv").status_code == 403


def test_monthly_counts_add_to_the_totals_and_appear_as_their_own_row(client):
    partnership = PartnershipFactory(slug="alpha")
    _seed(partnership)
    MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 7, 1), referrals=30, discussed_at_panel=10,
                                adopted=6)
    report = stats_json("alpha", 2024, "--unsuppressed")
    assert n(cells(report, "funnel")["Referrals"][0]) == 92
    assert n(cells(report, "sector")["Counted by month only (no breakdown)"][0]) == 30
    assert n(cells(report, "sector")["Total"][0]) == 92


def test_the_page_reads_the_database_a_fixed_number_of_times(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("insights:statistics", kwargs={"partnership": "alpha"}) + "?year=2024"

    def queries():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    Referral.objects.bulk_create([Referral(partnership=partnership, reference=f"X{i}", referral_date=dt.date(2024, 5, 1),
                                           financial_year=2024, sector="education", age_band="21_30", gender="male",
                                           concern="other", district="North", stage="adopted") for i in range(10)])
    few = queries()
    rnd = random.Random(2)
    Referral.objects.bulk_create([Referral(
        partnership=partnership, reference=f"Y{i}", referral_date=dt.date(2015 + i % 10, 1 + i % 12, 1),
        financial_year=2015 + i % 10 - (1 if 1 + i % 12 < 4 else 0), sector=rnd.choice(["education", "police"]),
        age_band="21_30", gender="female", concern="islamist", district=rnd.choice(DISTRICTS), stage="signposted")
        for i in range(3000)])
    assert queries() == few


def test_an_import_is_one_batch_in_the_change_log(tmp_path):
    from prevent_hub.core.testing.matrix import change_log_rows

    PartnershipFactory(slug="alpha")
    call_command("import_referrals", str(write_csv(tmp_path / "r.csv", synthetic_rows(50, 2024, seed=9))),
                 "--partnership", "alpha", stdout=io.StringIO(), stderr=io.StringIO())
    batch = ImportBatch.objects.get()
    assert batch.rows == 50 and batch.referrals.count() == 50
    assert change_log_rows(batch, "create").count() == 1


class TestMonthlyCountViews(ModelViewMatrix):
    model = MonthlyCount
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = {"view": KEEPERS, "add": KEEPERS, "change": KEEPERS, "delete": KEEPERS,
                "history": {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}}
    canary_field = "notes"

    def make(self, partnership, **kwargs):
        return MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 5, 1), referrals=12,
                                           notes=kwargs.get("notes", "From the police system"))

    def create_data(self, partnership):
        return {"month": "2024-06-15", "referrals": 9, "discussed_at_panel": 3, "adopted": 1, "notes": "x"}

    def change_data(self, obj):
        return {"month": "2024-05-01", "referrals": 14, "discussed_at_panel": 0, "adopted": 0, "notes": obj.notes,
                "expected_version": obj.version}


class TestReferralRecordViews(ModelViewMatrix):
    model = Referral
    actions = ("list", "detail", "delete", "history", "import", "export")
    expected = {"view": CASE_TEAM, "delete": CASE_TEAM, "import": KEEPERS, "export": CASE_TEAM, "history": set()}
    canary_field = "reference"

    def make(self, partnership, **kwargs):
        return Referral.objects.create(partnership=partnership, reference=kwargs.get("reference", "REF-1"),
                                       referral_date=dt.date(2024, 5, 1), financial_year=2024, sector="health",
                                       age_band="21_30", gender="male", concern="other", stage="signposted")

    def change_data(self, obj):
        return {}


def test_monthly_counts_must_be_consistent(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.post(reverse("insights:monthlycount_add", kwargs={"partnership": "alpha"}),
                           {"month": "2024-06-01", "referrals": 3, "discussed_at_panel": 5, "adopted": 6})
    assert response.status_code == 400
    page = response.content.decode()
    assert "More cases discussed at a panel than referrals" in page and "More cases adopted than discussed" in page
    assert not MonthlyCount.objects.exists()


def test_the_case_team_downloads_protected_figures_too(client):
    partnership = PartnershipFactory(slug="alpha")
    _seed(partnership)
    client.force_login(user_with(Role.CHANNEL_CHAIR, partnership))
    text = client.get(reverse("insights:statistics_export", kwargs={"partnership": "alpha"})
                      + "?year=2024&format=csv").content.decode("utf-8-sig")
    assert "Probation,<5" in text and "Probation,2" not in text
    svg = client.get(reverse("insights:statistics_chart", kwargs={"partnership": "alpha", "chart": "sector",
                                                                  "fmt": "svg"}) + "?year=2024").content
    assert b"&lt;5" in svg


def _concern_rows(partnership, counts, year=2024):
    rows, number = [], 0
    for code, count in counts.items():
        for _ in range(count):
            number += 1
            rows.append(Referral(partnership=partnership, reference=f"C{number}", referral_date=dt.date(year, 6, 1),
                                 financial_year=year, sector="education", age_band="21_30", gender="male",
                                 concern=code, district="North", stage="signposted"))
    Referral.objects.bulk_create(rows)


def test_the_series_shows_each_years_groups_as_that_years_table_does(client):
    """A concern hidden in the year's table cannot be recovered from the series beside it."""
    partnership = PartnershipFactory(slug="alpha")
    _concern_rows(partnership, {"islamist": 6, "extreme_right_wing": 20, "conflicted": 3, "school_massacre": 7,
                                "incel": 8, "no_ideology": 30, "other": 10, "not_known": 9})
    MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 9, 1), referrals=3)
    report = stats_json("alpha", 2024)
    concern = cells(report, "concern")
    assert concern["Conflicted"] == ["<5"]
    # One number in every breakdown of the year, so shown (or hidden) alike in all of them.
    for key in ("sector", "gender", "age_band", "concern", "district"):
        assert cells(report, key)["Counted by month only (no breakdown)"] == ["<5"], key
    row = cells(report, "series_concern")["2024/25"]
    assert row == [concern["All: Islamist"][0], concern["All: Extreme right-wing"][0],
                   concern["All: Other, mixed, unclear, conflicted or no ideology"][0], concern["All: Not known"][0],
                   concern["Total"][0]]


def test_a_reference_is_the_same_whatever_its_case(tmp_path):
    PartnershipFactory(slug="alpha")
    rows = synthetic_rows(3, 2024, seed=12)
    call_command("import_referrals", str(write_csv(tmp_path / "a.csv", rows)), "--partnership", "alpha",
                 stdout=io.StringIO(), stderr=io.StringIO())
    rows[0]["Reference"] = rows[0]["Reference"].lower()
    err = io.StringIO()
    with pytest.raises(Exception, match="nothing was imported"):
        call_command("import_referrals", str(write_csv(tmp_path / "b.csv", rows[:1])), "--partnership", "alpha",
                     stdout=io.StringIO(), stderr=err)
    assert "has already been imported" in err.getvalue()


def test_channel_cases_and_imported_records_count_together(tmp_path):
    from prevent_hub.channel import services as channel
    from prevent_hub.channel.tests.conftest import advance_to_support, channel_meeting, make_case
    from prevent_hub.core.testing.factories import OrganisationFactory

    partnership = PartnershipFactory(slug="alpha")
    from prevent_hub.channel.demo import standard_factors_add

    standard_factors_add(partnership)
    today = dt.date.today()
    received = today - dt.timedelta(days=60)
    adopted = advance_to_support(make_case(partnership, tag="S1", received_on=received),
                                 organisation=OrganisationFactory(partnership=partnership),
                                 meeting=channel_meeting(partnership), tag="S1")
    screened_out = make_case(partnership, tag="S2", received_on=received)
    channel.case_screen(actor=None, case=screened_out, outcome="no_further_action", screened_on=received, rationale="r")
    listed_for_later = make_case(partnership, tag="S3", received_on=received)
    channel.case_screen(actor=None, case=listed_for_later, outcome="channel", screened_on=received, rationale="r")
    future = channel_meeting(partnership, days_ago=-10)  # a panel that has not met yet
    channel.panel_list(actor=None, case=listed_for_later, meeting=future)
    year = received.year if received.month >= 4 else received.year - 1
    call_command("import_referrals", str(write_csv(tmp_path / "r.csv", synthetic_rows(40, year, seed=13))),
                 "--partnership", "alpha", stdout=io.StringIO(), stderr=io.StringIO())
    imported = Counter(r.stage for r in Referral.objects.all())
    funnel = cells(stats_json("alpha", year, "--unsuppressed"), "funnel")
    assert n(funnel["Referrals"][0]) == 43
    # The listed case's panel has not met: it is not yet "discussed". The adopted one is.
    assert n(funnel["Discussed at a Channel panel"][0]) == imported["discussed_at_panel"] + imported["adopted"] + 1
    assert n(funnel["Adopted as a Channel case"][0]) == imported["adopted"] + 1
    assert adopted.stage == "support"


def test_monthly_counts_are_refused_for_a_month_that_has_records(client):
    partnership = PartnershipFactory(slug="alpha")
    _seed(partnership)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.post(reverse("insights:monthlycount_add", kwargs={"partnership": "alpha"}),
                           {"month": "2024-06-01", "referrals": 3, "discussed_at_panel": 0, "adopted": 0})
    assert response.status_code == 400 and "counted twice" in response.content.decode()


def _svg_bars(markup: str) -> dict:
    """{category: (x, width)} of every bar in an SVG chart (core.charts marks them)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(markup)
    return {rect.get("data-category"): (float(rect.get("x")), float(rect.get("width")))
            for rect in root.iter("{http://www.w3.org/2000/svg}rect") if rect.get("class") == "app-chart__bar"}


def test_nine_in_may_and_nine_in_september_are_bars_of_one_length_on_the_page_and_in_both_downloads(client):
    """Monthly bars share one zero baseline and one scale (the issue: 9 in September looked far shorter than 9
    in May, the bars starting wherever each month's name ended)."""
    from PIL import Image

    partnership = PartnershipFactory(slug="alpha")
    per_month = {4: 6, 5: 9, 6: 6, 7: 6, 8: 6, 9: 9, 10: 6, 11: 6, 12: 18, 1: 6, 2: 6, 3: 6}
    Referral.objects.bulk_create(
        Referral(partnership=partnership, reference=f"M{month}-{n}", financial_year=2024, sector="education",
                 referral_date=dt.date(2024 if month >= 4 else 2025, month, 1), age=30, age_band="21_30",
                 gender="male", concern="other", district="North", stage="no_further_action")
        for month, count in per_month.items() for n in range(count))
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(reverse("insights:statistics", kwargs={"partnership": "alpha"}) + "?year=2024").content.decode()
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg"', page.index("Referrals by month"))
    inline = page[start:page.index("</svg>", start) + 6]
    assert 'aria-labelledby="chart-months-title chart-months-desc"' in inline
    url = reverse("insights:statistics_chart", kwargs={"partnership": "alpha", "chart": "months", "fmt": "svg"})
    download = client.get(url + "?year=2024").content.decode()
    for markup in (inline, download):
        drawn = _svg_bars(markup)
        assert len(drawn) == 12
        assert drawn["May"] == drawn["September"]  # same start, same length
        assert len({x for x, _ in drawn.values()}) == 1  # one baseline for every month
        assert drawn["December"][1] == pytest.approx(2 * drawn["May"][1], abs=0.02)  # one scale
        assert drawn["April"][1] == pytest.approx(drawn["May"][1] * 6 / 9, abs=0.02)
        assert ">Month</text>" in markup and ">Referrals</text>" in markup  # both axes titled
    # The PNG is the same drawing as the SVG download: same size (twice the pixels), the same bars.
    png = Image.open(io.BytesIO(client.get(url.replace(".svg", ".png") + "?year=2024").content)).convert("RGB")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(download)
    assert png.size == (2 * int(root.get("width")), 2 * int(root.get("height")))
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if rect.get("class") == "app-chart__bar":
            x, y, w = float(rect.get("x")), float(rect.get("y")), float(rect.get("width"))
            assert png.getpixel((round(2 * (x + w - 3)), round(2 * (y + 4)))) == (0x1d, 0x70, 0xb8), rect.attrib
            assert png.getpixel((round(2 * (x + w + 3)), round(2 * (y + 4)))) != (0x1d, 0x70, 0xb8), rect.attrib


def _page(client, partnership, query=""):
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.get(reverse("insights:statistics", kwargs={"partnership": partnership.slug}) + query)
    assert response.status_code == 200
    return response.content.decode()


def _referral(partnership, reference, day, **fields):
    return Referral.objects.create(partnership=partnership, reference=reference, referral_date=day,
                                   financial_year=day.year if day.month >= 4 else day.year - 1,
                                   **{"sector": "education", "age_band": "21_30", "gender": "male", "concern": "other",
                                      "district": "North", "stage": "signposted", **fields})


def test_the_default_year_is_the_latest_with_records(client):
    partnership = PartnershipFactory(slug="alpha")
    for n in range(8):
        _referral(partnership, f"R{n}", dt.date(2022, 9, 1))
    assert "<h1 class=\"govuk-heading-l\">Referral statistics 2022/23</h1>" in _page(client, partnership)
    # A year asked for that cannot be shown falls back the same way.
    for query in ("?year=abc", "?year=1999", "?year=2999"):
        assert "Referral statistics 2022/23</h1>" in _page(client, partnership, query)
    MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 2, 1), referrals=6)
    assert "Referral statistics 2023/24</h1>" in _page(client, partnership)


def test_a_channel_case_makes_its_year_the_default(client):
    from prevent_hub.channel.demo import standard_factors_add
    from prevent_hub.channel.tests.conftest import make_case
    from prevent_hub.insights.categories import financial_year, financial_year_label

    partnership = PartnershipFactory(slug="alpha")
    standard_factors_add(partnership)
    _referral(partnership, "OLD", dt.date(2019, 5, 1))
    case = make_case(partnership)
    assert f"Referral statistics {financial_year_label(financial_year(case.received_on))}</h1>" in _page(
        client, partnership)


def test_a_partnership_with_no_records_sees_this_year_and_says_so(client):
    from django.utils import timezone

    from prevent_hub.insights.categories import financial_year, financial_year_label

    partnership = PartnershipFactory(slug="alpha")
    label = financial_year_label(financial_year(timezone.localdate()))
    page = _page(client, partnership)
    assert f"Referral statistics {label}</h1>" in page and f"No referrals were recorded in {label}" in page


def test_a_year_with_no_records_says_so_instead_of_tables(client):
    partnership = PartnershipFactory(slug="alpha")
    for n in range(8):
        _referral(partnership, f"R{n}", dt.date(2024, 9, 1))
    page = _page(client, partnership, "?year=2021")
    assert "No referrals were recorded in 2021/22" in page
    assert ">&lt;5<" not in page and "Referrals by month" not in page and "govuk-table__cell" not in page
    assert stats_json("alpha", 2021)["no_referrals"] is True
    assert stats_json("alpha", 2024)["no_referrals"] is False
    assert "No referrals were recorded" not in _page(client, partnership, "?year=2024")


def test_districts_are_shown_as_first_written_and_matched_whatever_their_case():
    partnership = PartnershipFactory(slug="alpha")
    for n, district in enumerate(["Nuneaton and Bedworth", "Stratford-on-Avon", "NUNEATON AND  BEDWORTH ",
                                  "stratford-on-avon", "Nuneaton and Bedworth", "Rugby", "rugby"] * 3):
        _referral(partnership, f"D{n}", dt.date(2024, 6, 1), district=district)
    table = cells(stats_json("alpha", 2024, "--unsuppressed"), "district")
    assert list(table) == ["Nuneaton and Bedworth", "Rugby", "Stratford-on-Avon", "Not recorded", "Total"]
    assert table["Nuneaton and Bedworth"] == ["9"] and table["Stratford-on-Avon"] == ["6"] and table["Rugby"] == ["6"]


def test_the_page_without_a_year_reads_the_database_a_fixed_number_of_times(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("insights:statistics", kwargs={"partnership": "alpha"})

    def queries():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    empty = queries()
    for n in range(10):
        _referral(partnership, f"X{n}", dt.date(2023, 5, 1))
    few = queries()
    Referral.objects.bulk_create([Referral(
        partnership=partnership, reference=f"Y{i}", referral_date=dt.date(2016 + i % 8, 1 + i % 12, 1),
        financial_year=2016 + i % 8 - (1 if 1 + i % 12 < 4 else 0), sector="police", age_band="21_30",
        gender="female", concern="islamist", district=f"District {i % 7}", stage="signposted") for i in range(2000)])
    assert queries() == few == empty
