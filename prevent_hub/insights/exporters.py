"""The statistics page's tables as a spreadsheet: exactly what the reader may see, small numbers hidden."""
import csv
import io

from prevent_hub.core.tabular import neutralise


def _rows(table):
    yield [table.title]
    yield [table.row_header or "", *table.col_labels]
    for label, cells in zip(table.row_labels, table.display, strict=True):
        yield [label, *cells]
    for note in table.notes:
        yield [note]


def _number(text: str):
    """A shown count as a number (so a spreadsheet can add it up); "<5" and "[c]" stay text."""
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else text


def report_csv(report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"Referral statistics, {report.partnership.name}, {report.year_label}"])
    for table in report.tables:
        writer.writerow([])
        for row in _rows(table):
            writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def report_xlsx(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables:
        sheet = workbook.create_sheet(title=table.key[:31])
        for number, row in enumerate(_rows(table), start=1):
            sheet.append([_number(cell) if number > 2 and index else neutralise(cell)
                          for index, cell in enumerate(row)])
        sheet["A1"].font = Font(bold=True, size=13)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 45
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
