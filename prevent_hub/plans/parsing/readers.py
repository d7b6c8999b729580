"""Turn an uploaded file into blocks — paragraphs and tables — whatever its format.

Readers only see structure; what the blocks mean is decided in layout.py, the
same way for text pulled out of a PDF, a Word document, a workbook or a CSV.
"""
import html
import io
import re
import zipfile
from dataclasses import dataclass, field

from prevent_hub.core import tabular

from .schema import PlanError

MAX_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Paragraph:
    text: str
    where: str = ""


@dataclass
class TableBlock:
    rows: list[list[str]] = field(default_factory=list)
    where: list[str] = field(default_factory=list)  # a location per row, for messages
    sheet: str = ""


def read_blocks(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> tuple[str, list]:
    """Return (format, blocks) or raise PlanError naming what is wrong with the file."""
    name = filename.lower()
    if not data:
        raise PlanError("The file is empty.")
    if len(data) > max_bytes:
        raise PlanError(
            "The file is %s; the largest file that can be imported is %s."
            % (tabular.human_size(len(data)), tabular.human_size(max_bytes))
        )
    if name.endswith(".docx"):
        return "docx", read_docx(data)
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx", read_xlsx(data)
    if data.startswith(ZIP_MAGIC):
        raise PlanError("The file is a zip archive but not named .docx or .xlsx. Rename it or save it as a Word or Excel file.")
    if name.endswith(".csv"):
        return "csv", read_csv(data)
    if name.endswith((".doc", ".xls", ".pdf", ".odt", ".rtf")):
        raise PlanError(
            "Files of this type cannot be read directly. Save the plan as a Word (.docx) or Excel (.xlsx) file, "
            "or copy its text into a .txt file."
        )
    return "text", read_text(data)


# --- text ---------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode text" as Windows Notepad saves it
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise PlanError("The file is not text: it looks like a binary file. Upload a .txt, .docx, .xlsx or .csv file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n\f")
        if controls > 5:
            break
        return text
    raise PlanError("The file is not text: it looks like a binary file. Upload a .txt, .docx, .xlsx or .csv file.")


TAG = re.compile(r"<[^>]+>")


def clean_cell(text: str) -> str:
    """Plain text from a cell: HTML fragments, markdown emphasis and bullets become lines."""
    text = re.sub(r"</p>\s*<p[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<li[^>]*>|•", "\n", text, flags=re.I)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = TAG.sub(" ", text)
    text = html.unescape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def is_separator_row(cells: list[str]) -> bool:
    return all(re.fullmatch(r"[-=_|:\s]*", cell) for cell in cells)


def read_text(data: bytes) -> list:
    """Text as extracted from a PDF or Word file: tab-separated lines are table rows."""
    blocks: list = []
    table: TableBlock | None = None
    for number, raw in enumerate(decode(data).splitlines(), start=1):
        if "\t" in raw:
            cells = [clean_cell(cell) for cell in raw.split("\t")]
            if is_separator_row(cells):
                continue
            if table is None:
                table = TableBlock()
                blocks.append(table)
            table.rows.append(cells)
            table.where.append(f"line {number}")
            continue
        text = clean_cell(raw)
        if not text:
            continue  # blank lines do not end a table: PDFs put them between rows
        table = None
        blocks.append(Paragraph(text, f"line {number}"))
    return blocks


def read_csv(data: bytes) -> list:
    try:
        table = tabular.read_table(data, "plan.csv", max_bytes=MAX_BYTES)
    except tabular.TableError as error:
        raise PlanError(str(error)) from error
    block = TableBlock(rows=[[clean_cell(h) for h in table.headers]], where=["row 1"])
    for row in table.rows:
        block.rows.append([clean_cell(unquote(row.values.get(h, "") or "")) for h in table.headers])
        block.where.append(f"row {row.number}")
    return [block]


def unquote(text: str) -> str:
    """Undo the quote our exports put before text a spreadsheet could read as a formula."""
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


# --- zip containers ---------------------------------------------------------------------------


def check_zip(data: bytes, *, kind: str, required: str) -> None:
    """Refuse a file that is not the zip it claims to be, or that unpacks to far too much (a zip bomb)."""
    if not data.startswith(ZIP_MAGIC):
        found = "a web page (HTML)" if data.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")) else "something else"
        raise PlanError(f"The file is named as a {kind} file but is {found}. Open it and save it again as a {kind} file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise PlanError(f"The {kind} file is damaged and cannot be opened.") from error
    with archive:
        total = sum(entry.file_size for entry in entries)
        ratios = [e.file_size / max(e.compress_size, 1) for e in entries if e.file_size > 1024 * 1024]
        if total > MAX_UNZIPPED_BYTES or any(r > MAX_COMPRESSION_RATIO for r in ratios) or len(entries) > 2000:
            raise PlanError(
                f"The {kind} file expands to far more than a plan could need when unpacked "
                "(it may be damaged or built to attack the server), so it was not opened."
            )
        names = {entry.filename for entry in entries}
        if required not in names:
            raise PlanError(f"The file is a zip archive but not a {kind} file.")
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels")):
                with archive.open(entry) as part:
                    head = part.read(65536)  # a document type comes before the content
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise PlanError(f"The {kind} file contains content that is not allowed (an XML document type).")


# --- Word ------------------------------------------------------------------------------------


def read_docx(data: bytes) -> list:
    check_zip(data, kind="Word (.docx)", required="word/document.xml")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    blocks: list = []
    try:
        document = docx.Document(io.BytesIO(data))
        table_number = 0
        for child in document.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = clean_cell(DocxParagraph(child, document).text)
                if text:
                    blocks.append(Paragraph(text, "paragraph"))
            elif tag == "tbl":
                table_number += 1
                blocks.append(_docx_table(Table(child, document), table_number))
    except PlanError:
        raise
    except Exception as error:  # python-docx and lxml raise many kinds for a broken document
        raise PlanError("The Word file is damaged and cannot be read. Open it in Word and save it again.") from error
    return blocks


def _docx_table(table, number: int) -> TableBlock:
    block = TableBlock()
    for row_number, row in enumerate(table.rows, start=1):
        cells, seen = [], set()
        for cell in row.cells:
            # A cell merged across columns is read once; the columns it covers stay, empty, so the
            # columns after it keep their headings.
            cells.append("" if id(cell._tc) in seen else clean_cell("\n".join(p.text for p in cell.paragraphs)))
            seen.add(id(cell._tc))
        if is_separator_row(cells):
            continue
        block.rows.append(cells)
        block.where.append(f"table {number}, row {row_number}")
    return block


# --- Excel -----------------------------------------------------------------------------------


def read_xlsx(data: bytes) -> list:
    check_zip(data, kind="Excel (.xlsx)", required="xl/workbook.xml")
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise PlanError("The Excel file is damaged and cannot be opened.") from error
    blocks: list = []
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            block = TableBlock(sheet=sheet.title)
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [clean_cell(unquote(tabular._text(v))) if v is not None else "" for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells or is_separator_row(cells):
                    continue
                block.rows.append(cells)
                block.where.append(f"sheet '{sheet.title}', row {number}")
                if len(block.rows) > 5000:
                    raise PlanError("The workbook has more than 5,000 rows on one sheet; a plan is far smaller.")
            blocks.append(block)
    except PlanError:
        raise
    except Exception as error:  # rows are parsed lazily: a broken sheet fails here, not on opening
        raise PlanError("The Excel file is damaged and cannot be read. Open it in Excel and save it again.") from error
    finally:
        workbook.close()
    return blocks
