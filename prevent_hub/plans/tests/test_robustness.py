"""Awkward but real inputs: odd references, impossible dates, damaged files, merged cells, clashing names."""
import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from prevent_hub.core.roles import Role
from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import row_counts, user_with
from prevent_hub.directory.models import Organisation
from prevent_hub.plans.choices import OwnerKind, TimescaleKind
from prevent_hub.plans.models import Action, Plan, PlanVersion
from prevent_hub.plans.parsing import PlanError, parse_plan
from prevent_hub.plans.parsing.owners import parse_owners
from prevent_hub.plans.parsing.timescales import parse_timescale
from prevent_hub.plans.services import plan_import

TITLE = "Northshire Prevent Action Plan 2018 – 2021 (2018 – 2019 Version)\n"


def text_plan(*rows, header="Key action\tWho\tTimescale\tOutcomes\tNotes") -> bytes:
    return (TITLE + "1. Safe education\n" + header + "\n" + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("ref", ["A.1", "-1.1", "1.2.3.4.5.6.7.8.9.10.11", "100.1"])
def test_a_reference_that_is_not_a_number_is_named_in_the_message(ref):
    with pytest.raises(PlanError, match="is not a reference number like 1.1"):
        parse_plan(f"Ref,Key action,Who\n{ref},Run a forum,WCC\n".encode(), "plan.csv")


@pytest.mark.parametrize("text", ["by 31 June 2018", "0 March 2018", "Last reviewed 31 April 2017"])
def test_impossible_dates_are_flagged_not_fatal(text):
    parts = parse_timescale(text)
    assert parts and all(p.uncertain for p in parts)
    assert all(p.due_date is None for p in parts)


@pytest.mark.parametrize("text,expected", [("2018-03-31", "2018-03-31"), ("31/03/2018", "2018-03-31")])
def test_numeric_dates_from_spreadsheets_are_due_dates(text, expected):
    (part,) = parse_timescale(text)
    assert (part.kind, part.due_date.isoformat()) == (TimescaleKind.DUE, expected)


def test_a_damaged_workbook_gets_a_message_not_a_traceback():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Key action", "Who"])
    workbook.active.append(["1.1 Run a forum", "WCC"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]  # cut off half way
            target.writestr(item, body)
    with pytest.raises(PlanError, match="The Excel file is damaged"):
        parse_plan(broken.getvalue(), "plan.xlsx")


def test_cells_merged_across_columns_keep_the_other_columns_in_place():
    document = docx.Document()
    table = document.add_table(rows=2, cols=5)
    for cell, heading in zip(table.rows[0].cells, ("Key action", "Who", "Timescale", "Outcomes", "Notes")):
        cell.text = heading
    row = table.rows[1].cells
    row[0].text = "1.1 Run a forum"
    row[1].merge(row[2]).text = "Prevent Officer – Sam Example"
    row[3].text = "Schools feel supported"
    row[4].text = "OFOF action"
    buffer = io.BytesIO()
    document.save(buffer)
    (action,) = parse_plan(buffer.getvalue(), "plan.docx").actions
    assert (action.who_text, action.timescale_text) == ("Prevent Officer – Sam Example", "")
    assert (action.outcomes, action.notes, action.tags) == (["Schools feel supported"], "OFOF action", ["OFOF"])


def test_a_sheet_called_plan_is_read_as_the_actions_when_it_holds_them():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Plan"
    workbook.active.append(["Ref", "Key action", "Who"])
    workbook.active.append(["1.1", "Run a forum", "WCC"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [a.ref for a in parse_plan(buffer.getvalue(), "plan.xlsx").actions] == ["1.1"]


def test_objectives_never_become_theme_titles():
    content = (
        TITLE + "The national objectives are:\n1. Respond to the ideological challenge\n2. Prevent people being drawn in\n"
        "Our themes are:\n1. Safe education\n2. Support\n"
        "Key action\tWho\n1.1 Run a forum\tWCC\n2.1 Review the panel\tWCC\n"
    ).encode()
    plan = parse_plan(content, "plan.txt")
    assert plan.objectives == ["Respond to the ideological challenge", "Prevent people being drawn in"]
    assert [t.title for t in plan.themes] == ["Safe education", "Support"]


def test_semicolons_separate_owners_and_a_bare_name_is_a_person():
    assert [(o.kind, o.role_title) for o in parse_owners("Prevent Officer; Channel Panel Chair")] == [
        (OwnerKind.ROLE, "Prevent Officer"), (OwnerKind.ROLE, "Channel Panel Chair"),
    ]
    owners = parse_owners("NBBC – Abu Malek; WCC")
    assert [(o.organisation_name, o.person_name) for o in owners] == [("NBBC", "Abu Malek"), ("WCC", "")]
    (person,) = parse_owners("John Smith")
    assert (person.kind, person.person_name, person.uncertain) == (OwnerKind.PERSON, "John Smith", True)


def test_organisations_differing_only_in_case_are_added_once(db):
    partnership = PartnershipFactory()
    plan = parse_plan(text_plan("1.1 Run a forum\tCoventry College", "1.2 Review it\tCoventry college"), "p.txt")
    plan_import(actor=None, partnership=partnership, parsed=plan, source_name="p.txt")
    assert Organisation.objects.filter(partnership=partnership, name__iexact="coventry college").count() == 1


def test_actions_keep_their_optimistic_locking_counter(db):
    partnership = PartnershipFactory()
    version = plan_import(actor=None, partnership=partnership,
                          parsed=parse_plan(text_plan("1.1 Run a forum\tWCC\tMarch 2018"), "p.txt"), source_name="p.txt")
    action = version.actions.get()
    assert action.version == 1 and action.plan_version == version
    action.text = "Run two forums"
    saved, changed = object_update(actor=None, instance=action, expected_version=1)
    assert changed and saved.version == 2


def test_a_spreadsheet_without_a_title_imports_with_one_given_on_the_command_line(db, tmp_path):
    PartnershipFactory(slug="alpha")
    path = tmp_path / "plan.csv"
    path.write_text("Ref,Key action,Who,Timescale\n1.1,Run a forum,WCC,March 2018\n")
    call_command("import_plan", str(path), "--partnership", "alpha", "--title", "Schools Prevent Plan",
                 "--version-label", "2018 – 2019")
    version = PlanVersion.objects.get()
    assert (version.plan.title, version.label, version.actions.count()) == ("Schools Prevent Plan", "2018 – 2019", 1)


@pytest.fixture
def coordinator(client, db):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    client.partnership = partnership
    return client


def test_a_duplicate_plan_title_or_version_label_is_a_form_error_not_a_crash(coordinator):
    partnership = coordinator.partnership
    first = plan_import(actor=None, partnership=partnership,
                        parsed=parse_plan(text_plan("1.1 Run a forum\tWCC"), "p.txt"), source_name="p.txt")
    later = parse_plan(text_plan("1.1 Run a forum\tWCC").replace(b"2018 \xe2\x80\x93 2019 Version", b"2019 \xe2\x80\x93 2020 Version"), "q.txt")
    second = plan_import(actor=None, partnership=partnership, parsed=later, source_name="q.txt")
    before = row_counts()
    add = coordinator.post(reverse("plans:plan_add", kwargs={"partnership": "alpha"}),
                           {"title": first.plan.title, "period_start": "2018", "period_end": "2021"})
    assert add.status_code == 400 and "already exists" in add.content.decode()
    edit = coordinator.post(reverse("plans:planversion_edit", kwargs={"partnership": "alpha", "pk": second.pk}),
                            {"label": first.label, "issued": "", "expected_version": second.version})
    assert edit.status_code == 400 and "already exists" in edit.content.decode()
    assert row_counts() == before


def test_mapping_columns_without_an_upload_in_progress_says_it_expired(coordinator):
    url = reverse("plans:plan_import", kwargs={"partnership": "alpha"})
    response = coordinator.post(url, {"map": "1", "token": "nothing", "file": SimpleUploadedFile("p.txt", b"x")})
    assert response.status_code == 400 and "This import has expired" in response.content.decode()
    assert Plan.objects.count() == 0 and Action.objects.count() == 0
