"""Workbooks shaped like the Home Office's data tables for "Individuals referred to and supported through the
Prevent Programme" (a cover sheet, contents and notes, then one table per sheet under a few lines of title,
source and notes; a heading row naming the rows and then each financial year; category rows, a total, a blank
row and notes), as OpenDocument (.ods) and Excel (.xlsx).

The 2023/24 total (6,922) and the Education (2,788) and Police (1,921) referrals are the Home Office's, from
data/national.json; every other figure is invented, adding up to the same total.
"""
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl

YEARS = list(range(2015, 2024))  # 2015/16 to 2023/24
TOTAL_2023 = 6922
SECTOR_2023 = {"Education": 2788, "Police": 1921, "Local authorities": 760, "Health": 620, "Community": 220,
               "Friends and family [note 4]": 200, "Prisons": 130, "Probation": 140, "Other": 143}
AGE_2023 = {"10 and under": 290, "11-15": 2480, "16-17": 920, "18-20": 700, "21-30": 1010, "31-40": 720, "41-50": 430,
            "51-60": 200, "61 and over": 100, "Unknown": 72}
GENDER_2023 = {"Male": 6155, "Female": 706, "Other [note 5]": 12, "Unknown": 49}
CONCERN_2023 = {"Islamist": 913, "Extreme Right-Wing": 1365, "Conflicted": 1120,
                "Vulnerability present but no ideology or CT risk": 2615, "High CT risk but no ideology": 60,
                "School Massacre": 210, "Incel": 140, "Other": 440, "Unknown": 59,
                "Mixed, unclear or unstable [note 6]": "[z]"}
EXPECTED = {  # what the figures above are in our categories (categories.json, 2023/24 lists)
    "sector": {"education": 2788, "police": 1921, "local_authority": 760, "health": 620, "community": 220,
               "friends_family": 200, "prisons": 130, "probation": 140, "other": 143},
    "age": {"10_or_under": 290, "11_15": 2480, "16_17": 920, "18_20": 700, "21_30": 1010, "31_40": 720,
            "41_50": 430, "51_60": 200, "over_60": 100, "unknown": 72},
    "gender": {"male": 6155, "female": 706, "other": 61},
    "concern": {"islamist": 913, "extreme_right_wing": 1365, "conflicted": 1120, "no_ideology": 2615,
                "high_ct_no_ideology": 60, "school_massacre": 210, "incel": 140, "other": 440, "not_known": 59},
}
HEADINGS = {  # how each table names its years: the releases have used all of these
    "sector": lambda y: f"April {y} to March {y + 1}",
    "age": lambda y: f"Year ending March {y + 1}",
    "gender": lambda y: f"{y}/{(y + 1) % 100:02d}",
    "concern": lambda y: f"April {y} to March {y + 1} [note 3]",
}


def _earlier(value, year):
    """An invented figure for an earlier year: a share of 2023/24's, or not available before 2019/20."""
    if isinstance(value, str):
        return 40 + year  # a category that existed then
    return "[x]" if year < 2017 and value < 100 else round(value * (0.6 + 0.04 * (year - 2015)))


def table_sheet(number, title, heading, rows, years=YEARS, heading_of=lambda y: f"April {y} to March {y + 1}",
                total=TOTAL_2023, last=2023):
    grid = [[f"Table {number}: {title}, England and Wales, year ending March {years[0] + 1} to year ending March "
             f"{years[-1] + 1}"],
            ["This worksheet contains one table. Some cells refer to notes which can be found in the notes worksheet."],
            ["Source: Home Office, Prevent Case Management Tracker"],
            [heading] + [heading_of(y) for y in years]]
    for label, value in rows.items():
        grid.append([label] + [value if y == last else _earlier(value, y) for y in years])
    grid.append(["Total"] + [total if y == last else sum(v for v in (
        _earlier(value, y) for value in rows.values()) if isinstance(v, int)) for y in years])
    grid += [[], ["[note 3] Categories changed in the year ending March 2022."]]
    return grid


def workbook(*, without=(), year_columns=YEARS, extra_rows=None, total=TOTAL_2023):
    """The sheets of a 2023/24 release: [(name, rows)]. ``without`` leaves tables out; ``extra_rows`` adds
    rows to the type of concern table."""
    concern = {**CONCERN_2023, **(extra_rows or {})}
    sheets = [
        ("Cover_sheet", [["Individuals referred to and supported through the Prevent Programme, April 2023 to March "
                          "2024"], ["Data tables"], ["Published 5 December 2024"]]),
        ("Contents", [["Table number", "Table title"], ["Table 1", "Individuals discussed at a Channel panel"],
                      ["Table 2", "Individuals referred to Prevent, by sector of referral"]]),
        ("Notes", [["Note number", "Note text"], ["[note 3]", "Categories changed."]]),
        # Not referrals: the same categories counted at Channel panels, before the referrals' own table.
        ("Table_1", table_sheet(1, "Individuals discussed at a Channel panel, by sector of referral",
                                "Sector of referral", {k: v // 7 for k, v in SECTOR_2023.items()},
                                total=sum(v // 7 for v in SECTOR_2023.values()))),
    ]
    tables = {
        "sector": ("Table_2", table_sheet(2, "Individuals referred to Prevent, by sector of referral",
                                          "Sector of referral", SECTOR_2023, year_columns, HEADINGS["sector"],
                                          total)),
        "age": ("Table_3", table_sheet(3, "Individuals referred to Prevent, by age", "Age group", AGE_2023,
                                       year_columns, HEADINGS["age"], total)),
        "gender": ("Table_4", table_sheet(4, "Individuals referred to Prevent, by gender", "Gender", GENDER_2023,
                                          year_columns, HEADINGS["gender"], total)),
        "concern": ("Table_5", table_sheet(5, "Individuals referred to Prevent, by type of concern",
                                           "Type of concern [note 2]", concern, year_columns, HEADINGS["concern"],
                                           total)),
    }
    sheets += [sheet for name, sheet in tables.items() if name not in without]
    sheets.append(("Table_6", table_sheet(6, "Individuals referred to Prevent, by region", "Region",
                                          {"North East": 400, "London": 1200})))
    return sheets


def xlsx(sheets) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods(sheets, *, doctype=False) -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes one: numbers as floats with their shown text, empty
    cells and rows repeated out to the sheet's edge, spaces as text:s."""
    tables = []
    for name, rows in sheets:
        xml_rows = []
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, int):
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{value}" '
                                 f'calcext:value-type="float"><text:p>{value:,}</text:p></table:table-cell>')
                elif value in (None, ""):
                    cells.append("<table:table-cell/>")
                else:
                    text = escape(str(value)).replace("  ", ' <text:s/>')
                    cells.append(f'<table:table-cell office:value-type="string" calcext:value-type="string">'
                                 f'<text:p>{text}</text:p></table:table-cell>')
            cells.append(f'<table:table-cell table:number-columns-repeated="{1024 - len(row)}"/>')
            xml_rows.append(f'<table:table-row table:style-name="ro1">{"".join(cells)}</table:table-row>')
        xml_rows.append('<table:table-row table:number-rows-repeated="1048000">'
                        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
        tables.append(f'<table:table table:name="{escape(name)}"><table:table-column table:number-columns-repeated='
                      f'"1024"/>{"".join(xml_rows)}</table:table>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               + ('<!DOCTYPE x [<!ENTITY boom "boom">]>' if doctype else "")
               + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
               'office:version="1.3"><office:body><office:spreadsheet>' + "".join(tables)
               + "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
