"""Write a report's content as Word (built on styles, optionally on the partnership's own template),
PDF (HTML and CSS through WeasyPrint, so its text is selectable) and an Excel data pack."""
import io

from django.template.loader import render_to_string

from prevent_hub.core import charts
from prevent_hub.core.tabular import neutralise

from .content import Content

CHART_WIDTH = 640  # pixels: the width of an A4 page's text; Word scales the PNG (drawn at twice that) to 6 inches


def _style(document, wanted: str, fallback: str | None = None):
    names = {style.name for style in document.styles}
    if wanted in names:
        return wanted
    return fallback if fallback in names else None


def docx_bytes(content: Content, template: bytes | None = None) -> bytes:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Inches

    if template:
        document = docx.Document(io.BytesIO(template))
        body = document.element.body
        for child in list(body):  # keep the template's sections, headers, footers and styles; drop its text
            if child.tag != qn("w:sectPr"):
                body.remove(child)
    else:
        document = docx.Document()
    document.core_properties.title = content.title
    document.add_paragraph(content.title, style=_style(document, "Title", "Heading 1"))
    document.add_paragraph(content.subtitle, style=_style(document, "Subtitle"))
    table_style = _style(document, "Table Grid")
    for block in content.blocks:
        if block.kind == "heading":
            document.add_paragraph(block.text, style=_style(document, f"Heading {block.level}", "Heading 1"))
        elif block.kind == "paragraph":
            document.add_paragraph(block.text)
        elif block.kind == "bullets":
            for item in block.items:
                document.add_paragraph(item, style=_style(document, "List Bullet"))
        elif block.kind == "table":
            table = document.add_table(rows=1, cols=len(block.columns))
            if table_style:
                table.style = table_style
            for cell, heading in zip(table.rows[0].cells, block.columns, strict=True):
                cell.text = str(heading)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = value
            document.add_paragraph("")
        elif block.kind == "narratives":
            # In full: the Word version is the one people edit and quote from.
            for item in block.items:
                document.add_paragraph(f"{item['ref']} {item['title']}", style=_style(document, "Heading 4", "Heading 3"))
                status = document.add_paragraph()
                status.add_run(item["status"]).bold = True
                status.add_run(f". Reported by {item['who']}.")
                for paragraph in item["text"].split("\n"):
                    if paragraph.strip():
                        document.add_paragraph(paragraph.strip())
        elif block.kind == "chart":
            alt = f"{block.text}. The figures are in the table that follows."
            picture = document.add_picture(io.BytesIO(charts.png(block.chart, width=CHART_WIDTH)), width=Inches(6))
            picture._inline.docPr.set("descr", alt)  # the image's alternative text
            picture._inline.docPr.set("title", block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(content: Content, partnership) -> bytes:
    import weasyprint

    blocks = []
    for block in content.blocks:
        if block.kind == "chart":
            svg = charts.svg(block.chart, width=CHART_WIDTH, ident=f"chart-{len(blocks)}",
                             note="The figures are in the table that follows.")
            blocks.append({"kind": "chart", "text": block.text, "svg": svg})
        else:
            blocks.append(block)
    html = render_to_string("reports/pdf.html", {"content": content, "blocks": blocks, "partnership": partnership})
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url, *args, **kwargs):
    """The PDF is made from our own HTML alone: it never fetches anything, anywhere."""
    raise ValueError(f"The report does not load {url!r}.")


def xlsx_bytes(content: Content, run) -> bytes:
    """The data pack: a sheet per table. It depends on the report's figures alone (no time it was made,
    no file dates), so the same report made again as known on the same day is the same file, byte for byte."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    fixed = dt.datetime.combine(run.period_start, dt.time.min)
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.properties.creator = run.partnership.name
    workbook.properties.title = content.title
    about = workbook.active
    about.title = "About"
    for row in ([content.title], [content.subtitle], ["From", f"{run.period_start:%-d %B %Y}"],
                ["To", f"{run.period_end:%-d %B %Y}"], ["Status as at", f"{run.as_of:%-d %B %Y}"]):
        about.append([neutralise(cell) for cell in row])
    about["A1"].font = Font(bold=True, size=14)
    used = {"About"}
    for block in content.tables():
        name = block.sheet[:31] or "Table"
        while name in used:
            name = f"{name[:28]} {len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append([neutralise(c) for c in block.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in block.rows:
            sheet.append([_number(value) for value in row])
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), fixed)


def _fixed_zip(data: bytes, when) -> bytes:
    """The same workbook dated ``when`` throughout: a zip records each file's time of writing, and openpyxl
    stamps the document's "modified" property with the time it saves."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry)
            if entry.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(entry.filename, date_time=when.timetuple()[:6])
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, entry.external_attr
            target.writestr(fixed, body)
    return out.getvalue()


def _number(text: str):
    plain = text.replace(",", "")
    return int(plain) if plain.isdigit() else neutralise(text)
