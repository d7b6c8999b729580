"""England and Wales figures from the Home Office's data tables (issue 12, acceptance 4): an upload of the 2023/24
tables, as .ods or .xlsx, fills the England and Wales column for sector, age, gender and type of concern; a file
of another shape gets an error naming what is missing, and nothing is kept."""
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from prevent_hub.core.roles import STATS_KEEPERS, Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ModelViewMatrix, change_log_rows, row_counts, user_with
from prevent_hub.insights import national
from prevent_hub.insights.models import NationalRelease, Referral

from . import home_office as ho

pytestmark = pytest.mark.django_db


def shares(slug, year):
    out = io.StringIO()
    call_command("referral_stats", "--partnership", slug, "--year", str(year), "--json", stdout=out)
    tables = {t["key"]: t for t in json.loads(out.getvalue())["tables"]}
    return {key: dict(zip(t["rows"], t.get("england_and_wales_share", [None] * len(t["rows"])), strict=True))
            for key, t in tables.items()}


def some_referrals(partnership, year=2023):
    Referral.objects.bulk_create([Referral(
        partnership=partnership, reference=f"R{n}", referral_date=dt.date(year, 6, 1), financial_year=year,
        sector="education", age_band="11_15", gender="male", concern="islamist", district="Rugby",
        stage="signposted") for n in range(12)])


@pytest.fixture
def keeper(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    return client, partnership, reverse("insights:nationalrelease_import", kwargs={"partnership": "alpha"})


def upload(client, url, data, name="prevent-data-tables.ods", year=2023):
    return client.post(url, {"year": str(year), "file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("fmt, name", [(ho.ods, "individuals-referred-prevent-mar2024-tables.ods"),
                                       (ho.xlsx, "individuals-referred-prevent-mar2024-tables.xlsx")])
def test_the_home_office_tables_fill_the_england_and_wales_column(keeper, fmt, name):
    client, partnership, url = keeper
    some_referrals(partnership)
    before = shares("alpha", 2023)
    assert before["sector"]["Education"] == 40.3  # the release text's figure, shipped in national.json
    assert before["concern"]["Islamist"] is None and before["gender"]["Male"] is None  # not in the release text
    response = upload(client, url, fmt(ho.workbook()), name)
    release = NationalRelease.objects.get(partnership=partnership)
    assert response.status_code == 302 and response["Location"] == release.get_absolute_url()
    assert release.financial_year == 2023 and release.figures["total"] == ho.TOTAL_2023
    for dimension, expected in ho.EXPECTED.items():
        assert {k: v for k, v in release.figures[dimension].items() if k != "total"} == expected
    after = shares("alpha", 2023)
    for key, dimension, label, code in (("sector", "sector", "Local authority", "local_authority"),
                                        ("age_band", "age", "11 to 15", "11_15"), ("gender", "gender", "Male", "male"),
                                        ("gender", "gender", "Other or not known", "other"),
                                        ("concern", "concern", "Islamist", "islamist"),
                                        ("concern", "concern", "High counter-terrorism risk but no ideology",
                                         "high_ct_no_ideology")):
        assert after[key][label] == round(100 * ho.EXPECTED[dimension][code] / ho.TOTAL_2023, 1), (key, label)
    # The groups of the series are the sums of their categories.
    assert after["concern"]["All: Other, mixed, unclear, conflicted or no ideology"] == round(
        100 * (1120 + 2615 + 60 + 210 + 140 + 440) / 6922, 1)
    assert after["age_band"]["All: 20 or under"] == round(100 * (290 + 2480 + 920 + 700) / 6922, 1)
    assert "england_and_wales_share" not in json.dumps(after["district"])  # no figures by district
    page = client.get(reverse("insights:statistics", kwargs={"partnership": "alpha"}) + "?year=2023").content.decode()
    assert "Individuals referred to and supported through the Prevent Programme, April 2023 to March 2024" in page
    detail = client.get(response["Location"]).content.decode()
    assert "Referrals by type of concern, England and Wales" in detail and "1,365" in detail


def test_a_second_upload_for_the_year_replaces_the_first(keeper):
    client, partnership, url = keeper
    upload(client, url, ho.xlsx(ho.workbook()))
    release = NationalRelease.objects.get()
    assert upload(client, url, ho.ods(ho.workbook()), "again.ods").status_code == 302
    assert NationalRelease.objects.count() == 1
    release.refresh_from_db()
    assert release.filename == "again.ods" and change_log_rows(release, "update").count() == 1


def test_each_partnership_keeps_its_own_figures(keeper, client):
    _, partnership, url = keeper
    upload(client, url, ho.ods(ho.workbook()))
    other = PartnershipFactory(slug="bravo")
    some_referrals(other)
    assert shares("bravo", 2023)["concern"]["Islamist"] is None
    assert shares("alpha", 2023)["concern"]["Islamist"] == 13.2


def _refused(client, url, data, name="tables.ods", year=2023):
    before = row_counts()
    response = upload(client, url, data, name, year)
    assert response.status_code == 400 and row_counts() == before
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html and "<title>Error:" in html
    return html.replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize("data, name, message", [
    (b"Reference,Referral date\nR1,2024-05-01\n", "referrals.csv",
     "The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet."),
    (ho.xlsx([("Sheet1", [["Reference", "Referral date"], ["R1", "2024-05-01"]])]), "referrals.xlsx",
     "The file has none of the Home Office's tables of referrals by sector of referral, age, gender or type of concern"),
    (ho.ods(ho.workbook(without=("gender",))), "tables.ods",
     "The file has no table of referrals by gender (it has tables by sector of referral, age and type of concern)."),
    (ho.ods(ho.workbook(without=("gender", "age"))), "tables.ods",
     "The file has no table of referrals by age or gender"),
    (ho.ods(ho.workbook(year_columns=list(range(2015, 2023)))), "tables.ods",
     "The tables have no column for 2023/24 (April 2023 to March 2024); they have 2015/16 to 2022/23."),
    (ho.ods([(name, rows if name != "Table_4" else ho.table_sheet(
        4, "Individuals referred to Prevent, by gender", "Gender", ho.GENDER_2023, list(range(2015, 2023)),
        ho.HEADINGS["gender"], last=2022)) for name, rows in ho.workbook()]), "tables.ods",
     "The table of referrals by gender (sheet 'Table_4') has no column for 2023/24 (April 2023 to March 2024); it "
     "has 2015/16 to 2022/23."),
    (ho.ods(ho.workbook(extra_rows={"Space lasers": 5})), "tables.ods",
     "The table of referrals by type of concern (sheet 'Table_5') has a row 'Space lasers' that is not a type of "
     "concern category of 2023/24 or of any year's list."),
    (ho.xlsx(ho.workbook(total=7000)), "tables.xlsx",
     "In the table of referrals by sector of referral (sheet 'Table_2'), the rows add up to 6,922 for 2023/24, but "
     "its total is 7,000."),
    (ho.ods(ho.workbook(), doctype=True), "tables.ods",
     "The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet."),
])
def test_a_file_of_another_shape_is_refused_saying_what_is_missing(keeper, data, name, message):
    client, _, url = keeper
    assert message in _refused(client, url, data, name)
    assert not NationalRelease.objects.exists()


def test_a_year_the_file_does_not_have_is_named(keeper):
    client, _, url = keeper
    html = _refused(client, url, ho.xlsx(ho.workbook()), "tables.xlsx", year=2024)
    message = "The tables have no column for 2024/25 (April 2024 to March 2025); they have 2015/16 to 2023/24."
    assert html.count(message) == 2  # in the summary and by the field


def test_the_form_names_each_field_left_out(keeper):
    client, _, url = keeper
    response = client.post(url, {})
    html = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#year">Choose the financial year the figures are for</a>' in html
    assert '<a href="#file">Select the Home Office’s data tables file (.ods or .xlsx)</a>' in html
    assert 'id="year-error"' in html and 'id="file-error"' in html


def test_an_ods_is_read_as_a_person_sees_it():
    from prevent_hub.core import tabular

    sheets = tabular.read_workbook(ho.ods([("First", [["Two  spaces", 1234, None, "x"], [], ["after a blank row"]]),
                                           ("Second", [["y"]])]), "a.ods", max_bytes=10**7)
    assert [(s.name, s.rows) for s in sheets] == [
        ("First", [["Two  spaces", "1234", "", "x"], [], ["after a blank row"]]), ("Second", [["y"]])]


@pytest.mark.parametrize("text, year", [
    ("April 2023 to March 2024", 2023), ("Year ending March 2024", 2023), ("YE Mar 2024", 2023), ("2023/24", 2023),
    ("2023-24", 2023), ("2023 to 2024", 2023), ("April 2023 to March 2024 [note 3]", 2023), ("2023/25", None),
    ("2023/24 (provisional)", 2023), ("Year ending March 2024 (r)", 2023),
    ("Table 1: referrals, year ending March 2016 to year ending March 2024", None), ("Total", None)])
def test_year_headings(text, year):
    assert national.financial_year_of(text) == year


class TestNationalReleaseViews(ModelViewMatrix):
    model = NationalRelease
    actions = ("list", "detail", "delete", "history", "import")
    expected = {"view": STATS_KEEPERS, "delete": STATS_KEEPERS, "import": STATS_KEEPERS,
                "history": {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}}
    canary_field = "title"

    def make(self, partnership, **kwargs):
        return NationalRelease.objects.create(partnership=partnership, financial_year=2023,
                                              title=kwargs.get("title", "Individuals referred, 2023/24"),
                                              filename="tables.ods", figures={"total": 6922})

    def change_data(self, obj):
        return {}

    @pytest.mark.parametrize("role", list(Role))
    def test_only_keepers_can_upload(self, client, world, role):
        self.signed_in(client, role, world.a)
        before = row_counts()
        response = upload(client, self.url("import", world.a), ho.ods(ho.workbook()))
        if role in STATS_KEEPERS:
            assert response.status_code == 302
        else:
            assert response.status_code == 403 and row_counts() == before
