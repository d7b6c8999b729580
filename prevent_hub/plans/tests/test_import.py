"""Importing plans through the web and the CLI: preview, confirm, diffs between versions, and bad files."""
import io
import json
import subprocess
import sys
import zipfile

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from prevent_hub.audit.models import ChangeLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import row_counts, user_with
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.models import Action, ActionOwner, Plan, PlanVersion
from prevent_hub.plans.parsing import PlanError, parse_plan
from prevent_hub.plans.services import plan_import

SEED_TEXT = SEED.read_text(encoding="utf-8")


def docx_with(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (200 * 1024 * 1024))
    return buffer.getvalue()


def no_action_column(document):
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Colour", "Size", "Price")):
        cell.text = text
    table.rows[1].cells[0].text = "Blue"


BAD_FILES = [
    ("empty.txt", b"", "The file is empty."),
    ("garbage.txt", bytes(range(256)) * 64, "The file is not text"),
    ("page.docx", b"<!DOCTYPE html><html><body>Plan</body></html>", "is named as a Word (.docx) file but is a web page"),
    ("notable.docx", docx_with(lambda d: d.add_paragraph("Our plan has no table.")), "The file has no table"),
    ("columns.docx", docx_with(no_action_column), "No column looks like the list of actions (headings found: 'Colour', 'Size', 'Price')"),
    ("dupes.txt", SEED_TEXT.replace("2.2 Update and refresh", "2.1 Update and refresh").encode(),
     "Reference 2.1 appears more than once (line"),
    ("bomb.docx", zip_bomb(), "expands to far more than a plan could need"),
    ("old.doc", b"\xd0\xcf\x11\xe0 old word", "Save the plan as a Word (.docx)"),
]


@pytest.mark.parametrize("filename,content,message", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_bad_files_get_a_specific_message(filename, content, message):
    with pytest.raises(PlanError) as raised:
        parse_plan(content, filename)
    assert message in str(raised.value)


def test_a_file_over_the_size_limit_is_refused_before_reading():
    with pytest.raises(PlanError, match="The file is 2 MB; the largest file that can be imported is 1 MB"):
        parse_plan(b"x" * (2 * 1024 * 1024), "big.txt", max_bytes=1024 * 1024)


@pytest.fixture
def partnership(db):
    return PartnershipFactory(slug="alpha")


@pytest.fixture
def coordinator(client, partnership):
    client.force_login(user_with(Role.COORDINATOR, partnership))
    return client


def import_url():
    return reverse("plans:plan_import", kwargs={"partnership": "alpha"})


def upload(client, name, content):
    return client.post(import_url(), {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize("filename,content,message", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_the_web_import_shows_the_message_and_saves_nothing(coordinator, filename, content, message):
    before = row_counts()
    response = upload(coordinator, filename, content)
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert row_counts() == before and Plan.objects.count() == 0


def test_the_web_import_refuses_a_file_over_10_mb_before_reading_it(coordinator):
    response = upload(coordinator, "huge.txt", b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 400
    assert "The file must be smaller than 10 MB." in response.content.decode()
    assert Plan.objects.count() == 0


def test_upload_preview_confirm_imports_the_whole_plan_in_one_go(coordinator, partnership):
    preview = upload(coordinator, "seed.txt", SEED.read_bytes())
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "32 actions" in page and "6 themes" in page
    assert "Check: no timescale" in page  # 1.5 has none: flagged, with its cells editable
    assert 'name="timescale-1.5"' in page and 'name="who-1.5"' in page
    assert 'name="timescale-2.2"' not in page  # nothing to check there
    assert Plan.objects.count() == 0  # nothing saved by the preview
    token = preview.context["token"]
    changes_before = ChangeLog.objects.count()
    response = coordinator.post(import_url(), {"confirm": "1", "token": token, "create_missing": "1"})
    assert response.status_code == 302
    version = PlanVersion.objects.get()
    assert response["Location"] == version.get_absolute_url()
    assert version.actions.count() == 32 and version.themes.count() == 6
    written = ChangeLog.objects.count() - changes_before
    rows = sum(m.objects.count() for m in (Plan, PlanVersion, Action, ActionOwner)) + version.themes.count()
    assert written >= rows  # every saved row is change-logged (plus timescales and directory additions)
    owner = ActionOwner.objects.get(action__ref="1.2", is_lead=True)
    assert owner.person.name == "John Coleman"  # proposed and added to the directory
    # The token is single-use.
    again = coordinator.post(import_url(), {"confirm": "1", "token": token})
    assert again.status_code == 400 and PlanVersion.objects.count() == 1


def test_the_version_page_lists_every_action_with_owners_and_timescales(coordinator, partnership):
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), "s.txt"),
                          source_name="s.txt")
    page = coordinator.get(version.get_absolute_url()).content.decode()
    assert page.count('class="govuk-link" href="/p/alpha/actions/') == 32
    assert "Twice a year from November 2017" in page
    assert "Due 31 December 2017" in page


def test_a_table_with_unknown_headings_is_mapped_in_the_preview(coordinator):
    def build(document):
        table = document.add_table(rows=3, cols=3)
        for row, values in zip(table.rows, (("Thing to do", "Person", "Finish"),
                                            ("1.1 Run a forum", "Prevent Officer – Sam Example", "March 2018"),
                                            ("1.2 Write a report", "Chair – Alex Example", "Ongoing"))):
            for cell, value in zip(row.cells, values):
                cell.text = value

    response = upload(coordinator, "odd.docx", docx_with(build))
    assert response.status_code == 400 and response.context["mapping_form"] is not None
    token = response.context["token"]
    mapped = coordinator.post(import_url(), {"map": "1", "token": token, "column_0": "action",
                                             "column_1": "owners", "column_2": "timescale"})
    assert mapped.status_code == 200
    parsed = mapped.context["parsed"]
    assert [a.ref for a in parsed.actions] == ["1.1", "1.2"]
    assert parsed.actions[0].owners[0].person_name == "Sam Example"
    confirm = coordinator.post(import_url(), {"confirm": "1", "token": mapped.context["token"]})
    assert confirm.status_code == 400  # no plan title in this file: refused with a reason, nothing saved
    assert "The plan has no title" in confirm.content.decode() and Plan.objects.count() == 0
    assert confirm.context["parsed"] is not None  # the preview stays, so the title can be typed in
    typed = coordinator.post(import_url(), {"confirm": "1", "token": mapped.context["token"],
                                            "title": "Schools Prevent Plan", "version_label": "2018"})
    assert typed.status_code == 302
    version = PlanVersion.objects.get()
    assert (version.plan.title, version.label, version.actions.count()) == ("Schools Prevent Plan", "2018", 2)


def test_flagged_cells_can_be_corrected_in_the_preview(coordinator):
    preview = upload(coordinator, "seed.txt", SEED.read_bytes())
    token = preview.context["token"]
    revised = coordinator.post(import_url(), {
        "revise": "1", "token": token, "timescale-1.5": "By March 2018",
        "who-6.3": "West Midlands Counter Terrorism Unit – with Prevent Officer – Helene Heath",
    })
    assert revised.status_code == 200
    actions = {a.ref: a for a in revised.context["parsed"].actions}
    assert actions["1.5"].timescales[0].due_date.isoformat() == "2018-03-31"
    assert [(o.organisation_name, o.person_name, o.is_lead) for o in actions["6.3"].owners] == [
        ("West Midlands Counter Terrorism Unit", "", True), ("", "Helene Heath", False),
    ]
    assert Plan.objects.count() == 0
    confirmed = coordinator.post(import_url(), {"confirm": "1", "token": token, "timescale-1.5": "By March 2018"})
    assert confirmed.status_code == 302
    action = Action.objects.get(ref="1.5")
    assert action.timescale_text == "By March 2018"
    assert action.timescales.get().due_date.isoformat() == "2018-03-31"


def test_reimporting_a_version_is_refused_and_a_later_version_gets_a_diff(partnership):
    first = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), "s.txt"), source_name="s.txt")
    with pytest.raises(PlanError, match="already has a version called '2017 – 2018 Version'"):
        plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), "s.txt"), source_name="s.txt")
    later_text = (
        SEED_TEXT.replace("(2017 – 2018 Version)", "(2018 – 2019 Version)")
        .replace("December 2017\tIndividuals have", "June 2018\tIndividuals have")  # 1.2 changes timescale
        .replace("6.8 Continue to use Safe in Warwickshire", "6.9 Continue to use Safe in Warwickshire")  # renumbered
    )
    later_text = "\n".join(line for line in later_text.splitlines() if not line.startswith("2.6 "))  # 2.6 dropped
    later_text = later_text.replace(
        "1.5 Design and distribute",
        "1.6 Hold a community listening event\tPrevent Officer – Helene Heath\tMay 2019\t\t\n1.5 Design and distribute",
    )
    later = plan_import(actor=None, partnership=partnership, parsed=parse_plan(later_text.encode(), "l.txt"), source_name="l.txt")
    assert later.previous == first
    assert later.changes["added"] == ["1.6"]
    assert later.changes["removed"] == ["2.6"]
    assert {"ref": "1.2", "previous_ref": "1.2", "fields": ["timescale"]} in later.changes["changed"]
    assert {"ref": "6.9", "previous_ref": "6.8", "fields": ["reference"]} in later.changes["changed"]
    assert later.actions.get(ref="6.9").previous == first.actions.get(ref="6.8")
    assert Plan.objects.count() == 1 and PlanVersion.objects.count() == 2


def test_cli_dry_run_json_prints_the_plan_and_saves_nothing(db, capsys):
    before = row_counts()
    call_command("import_plan", str(SEED), "--dry-run", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert [t["number"] for t in data["themes"]] == [1, 2, 3, 4, 5, 6]
    assert data["themes"][2]["actions"][3]["ref"] == "3.5"
    assert data["themes"][0]["actions"][1]["timescales"][0]["due_date"] == "2017-12-31"
    assert row_counts() == before


def test_cli_imports_into_a_partnership(partnership, capsys):
    call_command("import_plan", str(SEED), "--partnership", "alpha")
    assert PlanVersion.objects.get(partnership=partnership).actions.count() == 32
    with pytest.raises(CommandError, match="already has a version"):
        call_command("import_plan", str(SEED), "--partnership", "alpha")


CLI_BAD_FILES = [*BAD_FILES, ("huge.txt", b"x" * (10 * 1024 * 1024 + 1), "the largest file that can be imported is 10 MB")]


@pytest.mark.parametrize("filename,content,message", CLI_BAD_FILES, ids=[f[0] for f in CLI_BAD_FILES])
def test_cli_exits_non_zero_with_the_message_on_stderr(tmp_path, filename, content, message):
    path = tmp_path / filename
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(path), "--dry-run"],
        capture_output=True, text=True, cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_owners_are_matched_to_the_directory_by_name_short_name_or_initials(partnership):
    from prevent_hub.core.testing.factories import OrganisationFactory, PersonFactory

    nbbc = OrganisationFactory(partnership=partnership, name="Nuneaton and Bedworth Borough Council", short_name="")
    equip = OrganisationFactory(partnership=partnership, name="Equality & Inclusion Partnership", short_name="EQUIP")
    helene = PersonFactory(partnership=partnership, name="Helene Heath")
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), "s.txt"),
                          source_name="s.txt", create_missing=False)
    first = list(version.actions.get(ref="1.1").owners.all())
    assert first[0].organisation == nbbc  # "NBBC": by initials
    assert first[1].person == helene  # by name
    assert version.actions.get(ref="1.4").owners.get().organisation == equip  # by short name
    # With create_missing=False nobody new was added, and unmatched owners keep their words.
    assert first[0].person is None and first[0].source_text == "NBBC – Abu Malek"
