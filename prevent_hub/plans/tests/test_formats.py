"""The same plan as Word (per-theme tables, or one table with merged theme rows) and as Excel/CSV with other
heading words parses to the same structure; export → import is lossless."""
import csv
import io

import docx
import openpyxl
import pytest

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.plans import exporters
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.parsing import parse_plan
from prevent_hub.plans.services import plan_import


@pytest.fixture(scope="module")
def seed():
    return parse_plan(SEED.read_bytes(), SEED.name)


def structure(plan):
    """What must survive any format: themes, and each action's reference, words, owners, timescale and tags."""
    return [
        (theme.number, theme.title, [
            (a.ref, a.text, a.outcomes, a.notes, a.tags,
             [(o.kind, o.role_title, o.organisation_name, o.person_name, o.is_lead) for o in a.owners],
             [(t.kind, t.cadence, t.due_date, t.start_date, t.count) for t in a.timescales])
            for a in theme.actions
        ])
        for theme in plan.themes
    ]


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def word_one_table_per_theme(plan) -> bytes:
    document = docx.Document()
    document.add_heading(f"{plan.title} {plan.period_start} – {plan.period_end} ({plan.version_label})", 0)
    for theme in plan.themes:
        document.add_heading(f"{theme.number}. {theme.title}", 1)
        table = document.add_table(rows=1, cols=5)
        for cell, heading in zip(table.rows[0].cells, ("Action", "Lead", "By when", "Success measures", "Comments")):
            cell.text = heading
        for action in theme.actions:
            cells = table.add_row().cells
            cells[0].text = f"{action.ref} {action.text}"
            # Several paragraphs in one cell: one owner per paragraph.
            cells[1].text = ""
            cells[1].paragraphs[0].text = action.who_text
            cells[2].text = action.timescale_text
            cells[3].text = ""
            for number, outcome in enumerate(action.outcomes):
                paragraph = cells[3].paragraphs[0] if number == 0 else cells[3].add_paragraph()
                paragraph.text = outcome
            cells[4].text = action.notes
    return docx_bytes(document)


def word_one_table_for_the_plan(plan) -> bytes:
    document = docx.Document()
    document.add_paragraph(f"{plan.title} {plan.period_start} – {plan.period_end} ({plan.version_label})")
    table = document.add_table(rows=1, cols=5)
    for cell, heading in zip(table.rows[0].cells, ("Key action", "Who", "Timescale", "Outcomes", "Notes")):
        cell.text = heading
    for theme in plan.themes:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[4])  # a theme heading across the whole row
        merged.text = f"{theme.number}. {theme.title}"
        for action in theme.actions:
            cells = table.add_row().cells
            values = (f"{action.ref} {action.text}", action.who_text, action.timescale_text,
                      "; ".join(action.outcomes), action.notes)
            for cell, value in zip(cells, values):
                cell.text = value
    return docx_bytes(document)


def spreadsheet_rows(plan):
    yield ["Theme", "No.", "Task", "Owner", "Deadline", "Outcome", "Remarks"]
    for theme in plan.themes:
        for action in theme.actions:
            yield [f"{theme.number}. {theme.title}", action.ref, action.text, action.who_text,
                   action.timescale_text, "\n".join(action.outcomes), action.notes]


def excel(plan) -> bytes:
    workbook = openpyxl.Workbook()
    for row in spreadsheet_rows(plan):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def comma_separated(plan) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(spreadsheet_rows(plan))
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    "build,filename",
    [
        (word_one_table_per_theme, "plan.docx"),
        (word_one_table_for_the_plan, "plan.docx"),
        (excel, "plan.xlsx"),
        (comma_separated, "plan.csv"),
    ],
)
def test_every_format_gives_the_same_plan(seed, build, filename):
    parsed = parse_plan(build(seed), filename)
    assert structure(parsed) == structure(seed)


def test_word_keeps_the_title_and_version(seed):
    parsed = parse_plan(word_one_table_per_theme(seed), "plan.docx")
    assert (parsed.title, parsed.period_start, parsed.version_label) == (seed.title, 2015, "2017 – 2018 Version")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_export_then_import_is_lossless(seed, fmt):
    alpha, bravo = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="bravo")
    actor = user_with(Role.COORDINATOR, alpha)
    version = plan_import(actor=actor, partnership=alpha, parsed=seed, source_name=SEED.name)
    exported = getattr(exporters, f"export_{fmt}")(version)
    reparsed = parse_plan(exported, f"export.{fmt}")
    assert structure(reparsed) == structure(seed)
    assert (reparsed.title, reparsed.period_start, reparsed.period_end) == (seed.title, 2015, 2018)
    assert (reparsed.version_label, reparsed.issued, reparsed.issued_date) == (seed.version_label, seed.issued, seed.issued_date)
    assert reparsed.objectives == seed.objectives
    assert [t.description for t in reparsed.themes] == [t.description for t in seed.themes]
    assert sorted(reparsed.glossary) == sorted(seed.glossary)
    assert sorted((a.name, a.sector) for a in reparsed.specified_authorities) == sorted(
        (a.name, a.sector) for a in seed.specified_authorities)
    assert reparsed.membership == seed.membership
    # And it imports as the same plan elsewhere.
    copy = plan_import(actor=None, partnership=bravo, parsed=reparsed, source_name=f"export.{fmt}")
    assert [(a.ref, a.text) for a in copy.actions.order_by("sort_key")] == [(a.ref, a.text) for a in seed.actions]


def test_exported_cells_that_look_like_formulas_are_neutralised(seed, db):
    partnership = PartnershipFactory()
    seed_copy = parse_plan(SEED.read_bytes(), SEED.name)
    seed_copy.actions[0].notes = "=HYPERLINK(\"http://example.test\")"
    version = plan_import(actor=None, partnership=partnership, parsed=seed_copy, source_name="x.txt")
    sheet = openpyxl.load_workbook(io.BytesIO(exporters.export_xlsx(version)))["Actions"]
    assert sheet["G2"].value == "'=HYPERLINK(\"http://example.test\")"
    assert sheet["G2"].data_type == "s"
    assert parse_plan(exporters.export_xlsx(version), "x.xlsx").actions[0].notes == seed_copy.actions[0].notes
