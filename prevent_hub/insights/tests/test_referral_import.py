"""Referral imports: a value that is not a category is reported once, with its rows, how many and the nearest
category; on the web import the user chooses its category once for the whole file, and the choice is remembered
for the partnership's next imports (the command uses it too). Nothing is saved unless everything is."""
import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import change_log_rows, row_counts, user_with
from prevent_hub.insights.importers import ReferralImporter
from prevent_hub.insights.models import CategoryMapping, ImportBatch, Referral

from .test_statistics import HEADINGS, synthetic_rows, write_csv

pytestmark = pytest.mark.django_db


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADINGS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def with_values(count=30, **values):
    """2024/25 referrals; each keyword (a column heading with spaces as underscores) sets that column in
    the rows it names: {"Type_of_concern": ("Right Wing", range(0, 10))}."""
    rows = synthetic_rows(count, 2024, seed=21)
    for heading, (value, numbers) in values.items():
        for n in numbers:
            rows[n][heading.replace("_", " ")] = value
    return rows


def run_import(path, slug="alpha"):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_referrals", str(path), "--partnership", slug, stdout=out, stderr=err)
    except Exception as error:  # CommandError: the problems are on stderr
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def test_an_unknown_value_is_reported_once_with_its_rows_count_and_nearest_category(tmp_path):
    PartnershipFactory(slug="alpha")
    rows = with_values(2600, Type_of_concern=("Right Wing", range(0, 2500)), Sector=("Educatoin", (2509, 2511, 2590)))
    before = row_counts()
    ok, _, err = run_import(write_csv(tmp_path / "r.csv", rows))
    assert not ok and row_counts() == before
    lines = [line for line in err.splitlines() if "Right Wing" in line]
    assert len(lines) == 1, err[:2000]
    assert "Column 'Type of concern', rows 2–2,501 (2,500 rows): 'Right Wing' is not a type of concern category in " \
           "2024/25. The nearest is 'Extreme right-wing'." in lines[0]
    assert ("Column 'Sector', rows 2,511, 2,513, 2,592 (3 rows): 'Educatoin' is not a sector of referral category in "
            "2024/25. The nearest is 'Education'.") in err
    assert "2 problem(s) found; nothing was imported." in err


def test_a_value_close_to_nothing_says_so(tmp_path):
    PartnershipFactory(slug="alpha")
    ok, _, err = run_import(write_csv(tmp_path / "r.csv", with_values(Gender=("Xq", [4]))))
    assert not ok and "Column 'Gender', row 6: 'Xq' is not a gender category in 2024/25. No category is close" in err


def test_other_problems_stay_one_per_row_beside_grouped_values(tmp_path):
    PartnershipFactory(slug="alpha")
    rows = with_values(Type_of_concern=("Right Wing", range(0, 5)), Age=("140", [2, 3]))
    ok, _, err = run_import(write_csv(tmp_path / "r.csv", rows))
    assert not ok and err.count("is not a possible age") == 2 and err.count("'Right Wing'") == 1
    assert "3 problem(s) found" in err


def test_the_command_uses_the_categories_chosen_at_earlier_imports(tmp_path):
    partnership = PartnershipFactory(slug="alpha")
    other = PartnershipFactory(slug="bravo")
    for owner in (partnership, other):
        CategoryMapping.objects.create(partnership=owner, column="concern", scheme="concern-2024", value="Right Wing",
                                       value_key="right wing", code="extreme_right_wing" if owner == partnership else
                                       "islamist")
    rows = with_values(Type_of_concern=("RIGHT  wing", range(0, 10)))
    ok, out, _ = run_import(write_csv(tmp_path / "r.csv", rows))
    assert ok, out
    assert "Type of concern: 'RIGHT  wing' read as 'Extreme right-wing', as chosen at an earlier import (rows 2–11" in out
    assert Referral.objects.filter(partnership=partnership, concern="extreme_right_wing").count() >= 10
    assert not Referral.objects.filter(concern="islamist", reference__in=[r["Reference"] for r in rows[:10]]).exists()


def test_a_category_chosen_for_one_years_list_is_not_used_for_another(tmp_path):
    PartnershipFactory(slug="alpha")
    partnership = PartnershipFactory(slug="gamma")
    CategoryMapping.objects.create(partnership=partnership, column="concern", scheme="concern-2024", value="Right Wing",
                                   value_key="right wing", code="extreme_right_wing")
    rows = synthetic_rows(10, 2022, seed=5, concerns=["Islamist"])
    rows[0]["Type of concern"] = "Right Wing"
    ok, _, err = run_import(write_csv(tmp_path / "r.csv", rows), slug="gamma")
    assert not ok and "'Right Wing' is not a type of concern category in 2022/23" in err


class TestTheWebImport:
    @pytest.fixture
    def page(self, client):
        partnership = PartnershipFactory(slug="alpha")
        user = user_with(Role.COORDINATOR, partnership)
        client.force_login(user)
        url = reverse("insights:referral_import", kwargs={"partnership": "alpha"})
        return client, url, partnership, user

    @staticmethod
    def upload(client, url, rows, name="referrals.csv"):
        return client.post(url, {"file": _named(csv_bytes(rows), name)})

    def test_a_value_mapped_once_for_the_whole_file_and_remembered_for_the_next(self, page):
        client, url, partnership, user = page
        rows = with_values(40, Type_of_concern=("Right Wing", range(0, 25)))
        before = row_counts()
        response = self.upload(client, url, rows)
        assert response.status_code == 400 and row_counts() == before
        html = response.content.decode()
        field = response.context["unknown"][0][0].field
        assert html.count("‘Right Wing’, in rows 2–26 (25 rows), is not a type of concern category in 2024/25") == 1
        assert "The nearest category is ‘Extreme right-wing’" in html and f'name="{field}"' in html
        token = response.context["token"]
        # Chosen once for the file: the preview has every row, with the value read as chosen.
        response = client.post(url, {"token": token, "categories": "1", field: "extreme_right_wing"})
        assert response.status_code == 200 and response.context["result"].created == 40
        assert "Read as ‘Extreme right-wing’" in response.content.decode() and row_counts() == before
        response = client.post(url, {"token": token, "confirm": "1"})
        assert response.status_code == 302
        assert Referral.objects.filter(partnership=partnership, concern="extreme_right_wing").count() >= 25
        mapping = CategoryMapping.objects.get(partnership=partnership)
        assert (mapping.value, mapping.code, mapping.scheme, mapping.chosen_by) == (
            "Right Wing", "extreme_right_wing", "concern-2024", user)
        assert change_log_rows(mapping, "create").count() == 1
        # The next file from the partnership: matched at once, and shown in the preview with the choice made.
        more = with_values(12, Type_of_concern=("right wing", range(0, 3)))
        for row in more:
            row["Reference"] = "N" + row["Reference"]
        response = self.upload(client, url, more)
        assert response.status_code == 200 and response.context["result"].created == 12
        html = response.content.decode()
        assert "Type of concern: ‘right wing’" in html and "Read as ‘Extreme right-wing’. In rows 2–4 (3 rows)." in html
        assert '<option value="extreme_right_wing" selected>' in html

    def test_a_remembered_category_can_be_changed_for_this_file_and_after(self, page):
        client, url, partnership, _ = page
        CategoryMapping.objects.create(partnership=partnership, column="concern", scheme="concern-2024",
                                       value="Right Wing", value_key="right wing", code="islamist")
        response = self.upload(client, url, with_values(10, Type_of_concern=("Right Wing", [0, 1])))
        field = response.context["mapped"][0][0].field
        token = response.context["token"]
        client.post(url, {"token": token, "categories": "1", field: "extreme_right_wing"})
        assert client.post(url, {"token": token, "confirm": "1"}).status_code == 302
        assert CategoryMapping.objects.get().code == "extreme_right_wing"
        assert Referral.objects.filter(concern="extreme_right_wing").count() >= 2

    def test_a_value_left_as_an_error_stays_one(self, page):
        client, url, _, _ = page
        before = row_counts()
        response = self.upload(client, url, with_values(10, Gender=("M", [0, 1, 2])))
        field = response.context["unknown"][0][0].field
        token = response.context["token"]
        response = client.post(url, {"token": token, "categories": "1", field: ""})
        assert response.status_code == 400 and "Confirm import" not in response.content.decode()
        response = client.post(url, {"token": token, "confirm": "1"})
        assert response.status_code == 400 and row_counts() == before

    def test_a_category_not_on_the_list_is_refused_with_a_message_naming_the_value(self, page):
        client, url, _, _ = page
        before = row_counts()
        response = self.upload(client, url, with_values(10, Sector=("Skool", [0])))
        field = response.context["unknown"][0][0].field
        response = client.post(url, {"token": response.context["token"], "categories": "1", field: "islamist"})
        html = response.content.decode()
        assert response.status_code == 400 and row_counts() == before
        assert "Choose a category for &#x27;Skool&#x27; (Sector) from the list" in html
        assert f'id="{field}-error"' in html and "govuk-select--error" in html

    def test_an_expired_or_foreign_token_saves_nothing(self, page):
        client, url, _, _ = page
        before = row_counts()
        self.upload(client, url, with_values(5))
        response = client.post(url, {"token": "not-the-token", "confirm": "1"})
        assert response.status_code == 400 and "This import has expired" in response.content.decode()
        assert row_counts() == before

    def test_a_file_of_another_shape_says_what_is_missing(self, page):
        client, url, _, _ = page
        response = client.post(url, {"file": _named(b"Name,Email\nA,a@example.com\n", "people.csv")})
        html = response.content.decode()
        assert response.status_code == 400 and "The column &#x27;Reference&#x27; is missing." in html
        assert response.context["token"] is None
        assert client.post(url, {}).status_code == 400

    def test_the_import_is_all_or_nothing(self, page, monkeypatch):
        client, url, partnership, _ = page
        response = self.upload(client, url, with_values(10, Type_of_concern=("Right Wing", [0])))
        field = response.context["unknown"][0][0].field
        token = response.context["token"]
        client.post(url, {"token": token, "categories": "1", field: "extreme_right_wing"})
        before = row_counts()

        def fail(*args, **kwargs):
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(ReferralImporter, "remember", staticmethod(fail))
        with pytest.raises(RuntimeError):
            client.post(url, {"token": token, "confirm": "1"})
        assert row_counts() == before and not ImportBatch.objects.exists()


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
