"""Directory spreadsheets: preview, per-row errors naming row/column/reason, all-or-nothing, safe exports."""
import io

import openpyxl
import pytest
from django.urls import reverse

from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.core.testing.matrix import row_counts, user_with
from prevent_hub.directory.models import GlossaryTerm, Organisation, Person

GOOD_CSV = (
    "Name,Short name,Sector,Specified authority,Part of\n"
    "Northshire County Council,NCC,Local authority,yes,\n"
    "NCC Public Health,,local_authority,no,Northshire County Council\n"
    "Northshire College,,Education and childcare,Yes,\n"
    "Northshire Faith Forum,,Faith,no,\n"
)


@pytest.fixture
def partnership(db):
    return PartnershipFactory(slug="alpha")


@pytest.fixture
def coordinator_client(client, partnership):
    client.force_login(user_with(Role.COORDINATOR, partnership))
    return client


def upload(client, name, content, model="organisation"):
    url = reverse(f"directory:{model}_import", kwargs={"partnership": "alpha"})
    file = io.BytesIO(content if isinstance(content, bytes) else content.encode())
    file.name = name
    return client.post(url, {"file": file})


def confirm(client, response, model="organisation"):
    url = reverse(f"directory:{model}_import", kwargs={"partnership": "alpha"})
    return client.post(url, {"confirm": "1", "token": response.context["token"]})


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_is_previewed_then_imported_in_one_go(coordinator_client, partnership):
    preview = upload(coordinator_client, "orgs.csv", GOOD_CSV)
    assert preview.status_code == 200
    assert "4 to add" in preview.content.decode()
    assert Organisation.objects.count() == 0  # nothing saved by the preview
    response = confirm(coordinator_client, preview)
    assert response.status_code == 302
    orgs = {o.name: o for o in Organisation.objects.filter(partnership=partnership)}
    assert set(orgs) == {"Northshire County Council", "NCC Public Health", "Northshire College", "Northshire Faith Forum"}
    assert orgs["NCC Public Health"].parent == orgs["Northshire County Council"]
    assert orgs["Northshire College"].sector == "education" and orgs["Northshire College"].is_specified_authority
    assert orgs["Northshire Faith Forum"].sector == "faith"
    assert ChangeLog.objects.filter(action="create").count() == 4


def test_a_good_xlsx_with_other_headings_imports(coordinator_client, partnership):
    content = xlsx([["Organisation name", "Acronym", "Sector", "Specified"], ["Eastshire Police", "EP", "Police", "TRUE"]])
    preview = upload(coordinator_client, "orgs.xlsx", content)
    assert preview.status_code == 200, preview.content.decode()
    confirm(coordinator_client, preview)
    org = Organisation.objects.get(name="Eastshire Police")
    assert (org.short_name, org.sector, org.is_specified_authority) == ("EP", "police", True)


def test_reimporting_updates_instead_of_duplicating(coordinator_client, partnership):
    confirm(coordinator_client, upload(coordinator_client, "orgs.csv", GOOD_CSV))
    changed = GOOD_CSV.replace("Northshire College,,Education", "Northshire College,NC,Education")
    preview = upload(coordinator_client, "orgs.csv", changed)
    assert "0 to add, 1 to update, 3 unchanged" in preview.content.decode()
    confirm(coordinator_client, preview)
    assert Organisation.objects.count() == 4
    assert Organisation.objects.get(name="Northshire College").short_name == "NC"


@pytest.mark.parametrize(
    "content,expected",
    [
        ("Name,Short name,Specified authority\nA Council,AC,yes\n", "Row 1, column 'Sector': The column 'Sector' is missing."),
        (
            "Name,Sector\nA Council,Local authority\nA council,Health\n",
            "Row 3, column 'Name': 'A council' appears more than once (also on row 2).",
        ),
        ("Name,Sector\nA Council,Spaceport\n", "Row 2, column 'Sector': 'Spaceport' is not"),
        ("Name,Sector\n=HYPERLINK(\"http://x\"),Local authority\n", "Row 2, column 'Name': Cells must not start with '='"),
        ("Name,Sector,Part of\nA Council,Health,Nowhere Council\n", "Row 2, column 'Part of': There is no organisation called 'Nowhere Council'."),
    ],
)
def test_bad_files_name_row_column_and_reason_and_save_nothing(coordinator_client, partnership, content, expected):
    before = row_counts()
    response = upload(coordinator_client, "orgs.csv", content)
    assert response.status_code == 400
    errors = [str(e) for e in response.context["result"].errors]
    assert any(e.startswith(expected) for e in errors), errors
    assert "Nothing has been imported" in response.content.decode()
    assert row_counts() == before


def test_xlsx_errors_are_reported_the_same_way(coordinator_client, partnership):
    content = xlsx([["Name", "Sector"], ["Good Council", "Local authority"], ["Bad Council", "Moon"], ["@SUM(A1)", "Health"]])
    before = row_counts()
    response = upload(coordinator_client, "orgs.xlsx", content)
    errors = [str(e) for e in response.context["result"].errors]
    assert any(e.startswith("Row 3, column 'Sector': 'Moon' is not") for e in errors), errors
    assert any(e.startswith("Row 4, column 'Name': Cells must not start with '@'") for e in errors), errors
    assert row_counts() == before


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.csv", b"", "The file is empty."),
        ("garbage.xlsx", bytes(range(256)) * 8, "not a CSV or Excel"),
        ("fake.xlsx", b"<html><body>not a spreadsheet</body></html>", "not a CSV or Excel"),
    ],
)
def test_unreadable_files_get_a_specific_message(coordinator_client, partnership, name, content, message):
    before = row_counts()
    response = upload(coordinator_client, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_a_file_over_the_limit_is_refused_before_reading(coordinator_client, partnership, settings):
    settings.DIRECTORY_IMPORT_MAX_BYTES = 1024
    response = upload(coordinator_client, "big.csv", "Name,Sector\n" + "A,Health\n" * 500)
    assert response.status_code == 400
    assert "must be smaller than" in response.content.decode()


def test_a_preview_cannot_be_confirmed_by_someone_else_or_twice(coordinator_client, client, partnership):
    preview = upload(coordinator_client, "orgs.csv", GOOD_CSV)
    token = preview.context["token"]
    url = reverse("directory:organisation_import", kwargs={"partnership": "alpha"})
    from django.test import Client

    other = Client()
    other.force_login(user_with(Role.COORDINATOR, partnership))
    assert other.post(url, {"confirm": "1", "token": token}).status_code == 400
    assert coordinator_client.post(url, {"confirm": "1", "token": token}).status_code == 302
    assert coordinator_client.post(url, {"confirm": "1", "token": token}).status_code == 400
    assert Organisation.objects.count() == 4


def test_people_import_matches_organisations_by_name_or_short_name(coordinator_client, partnership):
    OrganisationFactory(partnership=partnership, name="Northshire County Council", short_name="NCC")
    content = "Name,Job title,Organisation,Email,Phone\nAlex Example,Prevent lead,NCC,alex@example.test,+44 1234 567890\n"
    preview = upload(coordinator_client, "people.csv", content, model="person")
    assert preview.status_code == 200, [str(e) for e in preview.context["result"].errors]
    confirm(coordinator_client, preview, model="person")
    person = Person.objects.get(name="Alex Example")
    assert person.organisation.short_name == "NCC" and person.phone == "+44 1234 567890"


def test_glossary_import_rejects_duplicates_case_insensitively(coordinator_client, partnership):
    response = upload(coordinator_client, "g.csv", "Acronym,Meaning\nWRAP,Workshop\nwrap,Again\n", model="glossaryterm")
    assert response.status_code == 400
    assert GlossaryTerm.objects.count() == 0


def test_exports_neutralise_formula_cells_and_are_access_logged(coordinator_client, partnership):
    OrganisationFactory(partnership=partnership, name="=cmd|' /C calc'!A0", short_name="+SUM(1)", sector="other")
    PersonFactory(partnership=partnership, name="@Evil Person", job_title="-2+3")
    url = reverse("directory:organisation_export", kwargs={"partnership": "alpha"})
    csv_body = coordinator_client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert "'=cmd|" in csv_body and "'+SUM(1)" in csv_body
    response = coordinator_client.get(url + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    assert all(cell.data_type == "s" for cell in cells)
    assert any(cell.value == "'=cmd|' /C calc'!A0" for cell in cells)
    people = coordinator_client.get(reverse("directory:person_export", kwargs={"partnership": "alpha"}) + "?format=csv")
    assert "'@Evil Person" in people.content.decode("utf-8-sig") and "'-2+3" in people.content.decode("utf-8-sig")
    assert AccessLog.objects.filter(event="export", partnership_id=partnership.pk).count() == 3


def test_export_then_import_reproduces_the_directory(coordinator_client, partnership):
    confirm(coordinator_client, upload(coordinator_client, "orgs.csv", GOOD_CSV))
    url = reverse("directory:organisation_export", kwargs={"partnership": "alpha"})
    exported = coordinator_client.get(url + "?format=xlsx").content
    before = {(o.name, o.short_name, o.sector, o.is_specified_authority, o.parent_id) for o in Organisation.objects.all()}
    preview = upload(coordinator_client, "export.xlsx", exported)
    assert "0 to add, 0 to update, 4 unchanged" in preview.content.decode()
    after = {(o.name, o.short_name, o.sector, o.is_specified_authority, o.parent_id) for o in Organisation.objects.all()}
    assert before == after
