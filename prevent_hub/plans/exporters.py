"""A plan version as Word (the seed's five-column layout, grouped by theme) and as Excel.

Both are written so that importing them gives back the same plan: the Word file
keeps one owner per line in "Who", the workbook has a sheet per part.
"""
import io

from prevent_hub.core import tabular
from prevent_hub.directory.choices import Sector

ACTION_COLUMNS = ("Key action", "Who", "Timescale", "Outcomes", "Notes")
WORKBOOK_ACTION_COLUMNS = ("Theme", "Ref", "Key action", "Who", "Timescale", "Outcomes", "Notes")


def version_rows(version):
    """(theme, actions) pairs in order, with owners and the rest loaded in a fixed number of queries."""
    themes = list(version.themes.order_by("number"))
    actions = list(version.actions.order_by("sort_key"))
    by_theme = {theme.pk: [] for theme in themes}
    for action in actions:
        by_theme[action.theme_id].append(action)
    return [(theme, by_theme[theme.pk]) for theme in themes]


def _title_line(version) -> str:
    plan = version.plan
    period = f" {plan.period_start} – {plan.period_end}" if plan.period_start and plan.period_end else ""
    label = f" ({version.label})" if version.label else ""
    return f"{plan.title}{period}{label}"


def export_docx(version) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(_title_line(version), level=0)
    if version.issued:
        document.add_paragraph(version.issued)
    if version.objectives:
        document.add_paragraph("The plan supports the national Prevent strategy objectives of:")
        for number, objective in enumerate(version.objectives, start=1):
            document.add_paragraph(f"{number}. {objective}")
    if version.membership:
        document.add_paragraph("The Prevent Strategy Group comprises representatives from the following agencies:")
        table = document.add_table(rows=0, cols=1)
        table.style = "Table Grid"
        for member in version.membership:
            table.add_row().cells[0].text = member
    rows = version_rows(version)
    document.add_paragraph("The plan's themes are:")
    for theme, _ in rows:
        description = f" – {theme.description}" if theme.description else ""
        document.add_paragraph(f"{theme.number}. {theme.title}{description}")
    for theme, actions in rows:
        document.add_heading(f"{theme.number}. {theme.title}", level=1)
        table = document.add_table(rows=1, cols=len(ACTION_COLUMNS))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, ACTION_COLUMNS):
            cell.text = heading
        for action in actions:
            cells = table.add_row().cells
            cells[0].text = f"{action.ref} {action.text}"
            cells[1].text = action.who_text
            cells[2].text = action.timescale_text
            cells[3].text = "; ".join(action.outcomes)
            cells[4].text = action.notes
    authorities = _authorities(version)
    if authorities:
        document.add_heading(f"Appendix A – Specified authorities in {version.partnership.area or version.partnership.name}", level=1)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for sector_label, names in authorities:
            cells = table.add_row().cells
            cells[0].text = sector_label
            cells[1].text = "\n".join(names)
    glossary = _glossary(version)
    if glossary:
        document.add_heading("Appendix B – List of Acronyms", level=1)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for acronym, meaning in glossary:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = acronym, meaning
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_xlsx(version) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    actions_sheet = workbook.active
    actions_sheet.title = "Actions"
    actions_sheet.append(WORKBOOK_ACTION_COLUMNS)
    for theme, actions in version_rows(version):
        for action in actions:
            actions_sheet.append([tabular.neutralise(v) for v in (
                f"{theme.number}. {theme.title}", action.ref, action.text, action.who_text,
                action.timescale_text, "\n".join(action.outcomes), action.notes,
            )])
    for column, width in zip("ABCDEFG", (28, 6, 60, 40, 30, 50, 30)):
        actions_sheet.column_dimensions[column].width = width
    for row in actions_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    plan = version.plan
    details = workbook.create_sheet("Plan")
    details.append(["Field", "Value"])
    for key, value in (
        ("Title", plan.title), ("Period start", plan.period_start), ("Period end", plan.period_end),
        ("Version", version.label), ("Version start", version.year_start), ("Version end", version.year_end),
        ("Issued", version.issued), ("Issued date", version.issued_date.isoformat() if version.issued_date else ""),
    ):
        details.append([key, tabular.neutralise(value if value is not None else "")])
    themes = workbook.create_sheet("Themes")
    themes.append(["Number", "Title", "Description"])
    for theme, _ in version_rows(version):
        themes.append([theme.number, tabular.neutralise(theme.title), tabular.neutralise(theme.description)])
    objectives = workbook.create_sheet("Objectives")
    objectives.append(["Number", "Objective"])
    for number, objective in enumerate(version.objectives, start=1):
        objectives.append([number, tabular.neutralise(objective)])
    authorities = workbook.create_sheet("Specified authorities")
    authorities.append(["Name", "Sector"])
    for sector_label, names in _authorities(version):
        for name in names:
            authorities.append([tabular.neutralise(name), sector_label])
    glossary = workbook.create_sheet("Glossary")
    glossary.append(["Acronym", "Meaning"])
    for acronym, meaning in _glossary(version):
        glossary.append([tabular.neutralise(acronym), tabular.neutralise(meaning)])
    membership = workbook.create_sheet("Membership")
    membership.append(["Member"])
    for member in version.membership:
        membership.append([tabular.neutralise(member)])
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _authorities(version) -> list[tuple[str, list[str]]]:
    from prevent_hub.directory.models import Organisation

    orgs = Organisation.objects.filter(partnership=version.partnership, is_specified_authority=True).order_by("name")
    grouped: dict[str, list[str]] = {}
    for org in orgs:
        grouped.setdefault(org.sector, []).append(org.name)
    return [(str(label), grouped[value]) for value, label in Sector.choices if value in grouped]


def _glossary(version) -> list[tuple[str, str]]:
    from prevent_hub.directory.models import GlossaryTerm

    return list(GlossaryTerm.objects.filter(partnership=version.partnership).order_by("acronym").values_list("acronym", "meaning"))


class ActionSpreadsheet:
    """The action list as CSV or Excel: the same columns a plan spreadsheet imports from."""

    spec = tabular.TableSpec(columns=(
        tabular.Column("version", "Version"),
        tabular.Column("theme", "Theme"),
        tabular.Column("ref", "Ref"),
        tabular.Column("text", "Key action"),
        tabular.Column("who", "Who"),
        tabular.Column("timescale", "Timescale"),
        tabular.Column("outcomes", "Outcomes"),
        tabular.Column("notes", "Notes"),
        tabular.Column("status", "Status"),
        tabular.Column("tags", "Tags"),
    ))

    def export_rows(self, queryset):
        for action in queryset.select_related("plan_version", "theme"):
            yield {
                "version": action.plan_version.label,
                "theme": f"{action.theme.number}. {action.theme.title}",
                "ref": action.ref,
                "text": action.text,
                "who": action.who_text,
                "timescale": action.timescale_text,
                "outcomes": "\n".join(action.outcomes),
                "notes": action.notes,
                "status": action.get_status_display(),
                "tags": ", ".join(action.tags),
            }
