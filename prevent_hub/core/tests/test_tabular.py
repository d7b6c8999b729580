"""core.tabular: reading, validating and writing CSV/XLSX tables safely (SEC-12, SEC-14). No database."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevent_hub.core import tabular
from prevent_hub.core.tabular import (
    CellError,
    CleanRow,
    Column,
    RawRow,
    Table,
    TableError,
    TableSpec,
    neutralise,
    parse_bool,
    parse_date,
    parse_email,
    parse_int,
    read_table,
    write_csv,
    write_xlsx,
)

MB = 1024 * 1024
LIMIT = 2 * MB

SECTORS = {
    "Local authority": "local_authority",
    "Education and childcare": "education",
    "Health": "health",
    "local_authority": "local_authority",
    "education": "education",
    "health": "health",
}

SPEC = TableSpec(
    columns=(
        Column(
            "name", "Name", aliases=("Organisation", "Organisation name"), required=True, unique=True, max_length=30
        ),
        Column("short_name", "Short name", aliases=("Acronym",), max_length=10),
        Column("sector", "Sector", required=True, choices=SECTORS),
        Column("specified", "Specified authority", aliases=("Specified",), parse=parse_bool),
        Column("since", "Member since", parse=parse_date),
        Column("staff", "Staff", parse=parse_int(0, 100_000)),
    )
)


def read(content, name="file.csv", **kwargs):
    data = content.encode() if isinstance(content, str) else content
    return read_table(data, name, max_bytes=kwargs.pop("max_bytes", LIMIT), **kwargs)


def xlsx(rows, *, title="Sheet", extra_sheet_first=False, string_cells=False) -> bytes:
    """Build a workbook with openpyxl; ``string_cells`` forces every str to a string cell (no formulas)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if string_cells and isinstance(value, str):
                cell.data_type = "s"
    if extra_sheet_first:
        other = workbook.create_sheet("Active but second")
        other["A1"] = "Wrong sheet"
        workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_of(content, name="file.csv", spec=SPEC, **kwargs):
    return [str(e) for e in spec.validate(read(content, name), **kwargs).errors]


def zip_bytes(entries, *, content_types=True) -> bytes:
    """A ZIP with the given {name: bytes or (size, byte)} entries, deflated as hard as possible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        for name, content in entries.items():
            if isinstance(content, tuple):
                size, byte = content
                with archive.open(name, "w", force_zip64=True) as part:
                    chunk = byte * MB
                    for _ in range(size // MB):
                        part.write(chunk)
                    part.write(byte * (size % MB))
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


# --- Reading: good files ---------------------------------------------------------------------------


def test_a_csv_reads_into_headings_and_rows_numbered_as_a_person_sees_them():
    table = read("Name , Sector\n Rugby Borough Council ,Local authority\n\n,\nWarwick College,Education\n")
    assert table.headers == ["Name", "Sector"]
    assert table.format == "csv"
    assert table.rows == [
        RawRow(2, {"Name": "Rugby Borough Council", "Sector": "Local authority"}),
        RawRow(5, {"Name": "Warwick College", "Sector": "Education"}),  # blank rows 3 and 4 skipped
    ]


def test_a_cell_spanning_lines_is_one_row_and_short_rows_are_padded():
    table = read('Name,Notes,Sector\n"Rugby","line one\nline two"\nWarwick,,Health\n')
    assert table.rows == [
        RawRow(2, {"Name": "Rugby", "Notes": "line one\nline two", "Sector": ""}),
        RawRow(3, {"Name": "Warwick", "Notes": "", "Sector": "Health"}),
    ]


def test_a_utf8_bom_does_not_end_up_in_the_first_heading():
    table = read("\ufeffName,Sector\nA,Health\n".encode())
    assert table.headers == ["Name", "Sector"]


def test_a_windows_1252_csv_with_pound_and_accent_is_read():
    data = "Name,Notes\nCafé Society,Costs £5\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read(data).rows == [RawRow(2, {"Name": "Café Society", "Notes": "Costs £5"})]


def test_utf16_tab_separated_text_from_excel_is_read():
    data = "Name\tSector\r\nCafé\tHealth\r\n".encode("utf-16")
    assert read(data, "export.txt").rows == [RawRow(2, {"Name": "Café", "Sector": "Health"})]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(delimiter):
    content = delimiter.join(["Name", "Sector"]) + "\n" + delimiter.join(["A, B and C", "Health"]) + "\n"
    assert read(content).rows == [RawRow(2, {"Name": "A, B and C", "Sector": "Health"})]


def test_a_comma_in_a_quoted_heading_does_not_confuse_the_delimiter():
    assert read('"Name, full";Sector\nA;B\n').headers == ["Name, full", "Sector"]
    assert read('"Name, full",Sector\nA,B\n').headers == ["Name, full", "Sector"]


def test_leading_whitespace_is_stripped_but_a_leading_tab_or_cr_is_kept_for_validation():
    table = read('Name,Notes\n"  Rugby  ","\tTabbed"\n"\u00a0x","\r\nCR first"\n')
    assert table.rows[0].values == {"Name": "Rugby", "Notes": "\tTabbed"}
    assert table.rows[1].values == {"Name": "x", "Notes": "\r\nCR first"}


def test_an_xlsx_reads_its_first_worksheet_with_cells_converted_to_text():
    content = xlsx(
        [
            [" Name ", "When", "Stamp", "Count", "Ratio", "Whole float", "Flag", "Empty", "Money"],
            [
                "  Rugby  ",
                dt.date(2018, 3, 31),
                dt.datetime(2018, 3, 31, 14, 30),
                42,
                0.5,
                3.0,
                True,
                None,
                Decimal("1.50"),
            ],
            ["Warwick", dt.datetime(2019, 1, 2), dt.datetime(2019, 1, 2, 9, 5, 7), -7, 1e-7, 12.0, False, None, None],
        ],
        extra_sheet_first=True,
    )
    table = read(content, "orgs.xlsx")
    assert table.format == "xlsx"
    assert table.headers == ["Name", "When", "Stamp", "Count", "Ratio", "Whole float", "Flag", "Empty", "Money"]
    assert table.rows[0] == RawRow(
        2,
        {
            "Name": "Rugby",
            "When": "2018-03-31",
            "Stamp": "2018-03-31 14:30:00",
            "Count": "42",
            "Ratio": "0.5",
            "Whole float": "3",
            "Flag": "TRUE",
            "Empty": "",
            "Money": "1.5",
        },
    )
    assert table.rows[1].values["When"] == "2019-01-02"
    assert table.rows[1].values["Stamp"] == "2019-01-02 09:05:07"
    assert table.rows[1].values["Count"] == "-7"
    assert table.rows[1].values["Ratio"] == "1e-07"
    assert table.rows[1].values["Flag"] == "FALSE"


def test_xlsx_blank_rows_are_skipped_but_numbering_stays_true():
    content = xlsx([["Name", "Sector"], ["A", "Health"], [None, None], ["  ", None], ["B", "Health"]])
    assert [r.number for r in read(content, "x.xlsx").rows] == [2, 5]


def test_an_xlsx_is_recognised_by_content_whatever_its_name():
    content = xlsx([["Name"], ["A"]])
    assert read(content, "upload.csv").rows == [RawRow(2, {"Name": "A"})]


def test_rows_beyond_the_sheets_declared_dimension_are_still_read():
    """The <dimension> element is the file's own claim; we read the rows that are really there."""
    content = xlsx([["Name"], ["A"], ["B"], ["C"]])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="A1:A4"\s*/>', b'<dimension ref="A1:A2"/>', body)
                assert b'ref="A1:A2"' in body
            target.writestr(item, body)
    assert [r.values["Name"] for r in read(out.getvalue(), "x.xlsx").rows] == ["A", "B", "C"]


# --- Reading: bad files ------------------------------------------------------------------------


def message_of(content, name="file.csv", **kwargs) -> str:
    with pytest.raises(TableError) as caught:
        read(content, name, **kwargs)
    assert isinstance(caught.value, ValueError)
    return caught.value.message


def test_an_empty_file_is_refused():
    assert message_of(b"") == "The file is empty."
    assert message_of(b"", "x.xlsx") == "The file is empty."


def test_a_file_over_the_limit_is_refused_before_parsing_with_a_readable_limit():
    assert message_of(b"\0" * (LIMIT + 1)) == "The file is larger than 2 MB."  # garbage, but size comes first
    assert message_of(b"a" * 2000, max_bytes=1536) == "The file is larger than 1.5 KB."
    assert message_of(b"a" * 600, max_bytes=500) == "The file is larger than 500 bytes."
    assert read(b"Name\n" + b"a\n" * 10, max_bytes=25).rows[-1].number == 11  # exactly at the limit is fine


@pytest.mark.parametrize(
    "name,content",
    [
        ("garbage.csv", bytes(range(256)) * 8),
        ("garbage.xlsx", bytes(range(256)) * 8),
        ("fake.xlsx", b"<html><body>not a spreadsheet</body></html>"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("bad-bytes.csv", b"Name\n\x81\x8d\x8f\x90\x9d\n"),  # neither UTF-8 nor Windows-1252
        ("notes.xlsx", zip_bytes({"notes.txt": b"hello"}, content_types=False)),
        ("letter.xlsx", zip_bytes({"word/document.xml": b'<?xml version="1.0"?><document/>'})),
        ("truncated.xlsx", xlsx([["Name"], ["A"]])[:400]),
        ("xxe.xlsx", zip_bytes({"xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'})),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(name, content):
    assert message_of(content, name) == "The file is not a CSV or Excel (.xlsx) file."


def test_an_old_xls_or_password_protected_workbook_gets_its_own_message():
    message = message_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls")
    assert "old Excel (.xls) file or has a password" in message


def test_a_zip_bomb_is_refused_before_openpyxl_unpacks_it():
    bomb = zip_bytes({"xl/worksheets/sheet1.xml": (60 * MB, b"\0")})
    assert len(bomb) < 200 * 1024
    assert message_of(bomb, "bomb.xlsx") == "The spreadsheet is too large when uncompressed."


def test_a_single_overcompressed_part_is_refused_even_under_the_total():
    bomb = zip_bytes({"xl/sharedStrings.xml": (5 * MB, b"a")})
    assert message_of(bomb, "bomb.xlsx") == "The spreadsheet is too large when uncompressed."


def test_many_small_parts_adding_up_to_more_than_50_mb_are_refused():
    parts = {f"xl/media/image{i}.bin": (MB, b"\0") for i in range(51)}  # 1 MB each: under the ratio rule
    bomb = zip_bytes(parts)
    assert message_of(bomb, "bomb.xlsx", max_bytes=10 * MB) == "The spreadsheet is too large when uncompressed."


@pytest.mark.parametrize("part", [
    b'<?xml version="1.0"?><!-- ' + b"x" * 8000 + b' --><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',  # past 4 KB
    b'<?xml version="1.0"?>\n<!doctype x SYSTEM "http://attacker.example/x.dtd"><x/>',  # lower case
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16"),  # another encoding
    b'<?xml version="1.0"?><!-- ' + b"x" * (70 * 1024) + b" --><x/>",  # no first element in 64 KB
])
def test_a_document_type_anywhere_before_the_first_element_is_refused(part):
    with pytest.raises(tabular.PackageError) as refused:
        tabular.check_package(zip_bytes({"xl/workbook.xml": part}))
    assert refused.value.reason == tabular.PackageError.DTD
    refused_import = message_of(zip_bytes({"xl/workbook.xml": part}), "dtd.xlsx")
    assert refused_import == "The file is not a CSV or Excel (.xlsx) file."


def test_a_package_is_checked_for_the_main_part_of_its_kind():
    workbook = xlsx([["Name"], ["A"]])
    tabular.check_package(workbook, main_part="xl/workbook.xml")
    with pytest.raises(tabular.PackageError) as refused:
        tabular.check_package(workbook, main_part="word/document.xml")
    assert refused.value.reason == tabular.PackageError.NO_MAIN_PART


def test_a_zip_with_too_many_entries_is_refused():
    parts = {f"xl/media/p{i}.bin": b"x" for i in range(1_001)}
    assert message_of(zip_bytes(parts), "many.xlsx") == "The spreadsheet is too large when uncompressed."


def test_a_workbook_padded_with_cells_far_to_the_right_is_refused(monkeypatch):
    """Each row is padded out to its last cell; a sheet of cells at column 16,000 must not cost billions."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Name"
    sheet.cell(row=1, column=16_000, value="Far")
    for row in range(2, 100):
        sheet.cell(row=row, column=16_000, value=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(read(buffer.getvalue(), "wide.xlsx").rows) == 98  # 1.6 million cells: under the limit
    monkeypatch.setattr(tabular, "MAX_CELLS", 1_000_000)
    assert message_of(buffer.getvalue(), "wide.xlsx") == "The spreadsheet is too large when uncompressed."


@pytest.mark.parametrize(
    "name,content",
    [
        ("blank.csv", "\n\n"),
        ("commas.csv", ",,,\nA,B\n"),
        ("blank.xlsx", xlsx([])),
        ("late.xlsx", xlsx([[None], ["A"]])),
    ],
)
def test_a_file_without_a_heading_row_is_refused(name, content):
    assert message_of(content, name) == "The file has no header row."


def test_more_rows_than_the_limit_are_refused_and_blank_rows_do_not_count():
    assert len(read("Name\nA\n\n\nB\nC\n", max_rows=3).rows) == 3
    assert message_of("Name\nA\nB\nC\nD\n", max_rows=3) == "The file has more than 3 rows."
    assert message_of(xlsx([["Name"]] + [["x"]] * 4), "big.xlsx", max_rows=3) == "The file has more than 3 rows."
    assert message_of("Name\n" + "a\n" * 50_001) == "The file has more than 50,000 rows."


def test_a_row_with_more_cells_than_headings_is_refused_but_trailing_empty_cells_are_fine():
    assert read("Name,Sector\nA,Health,,\n").rows == [RawRow(2, {"Name": "A", "Sector": "Health"})]
    assert (
        message_of("Name,Sector\nA,Health\nB,Health,oops\n") == "Row 3 has more cells than there are column headings."
    )
    assert (
        message_of(xlsx([["Name"], ["A", "oops"]]), "x.xlsx") == "Row 2 has more cells than there are column headings."
    )


def test_a_value_under_a_blank_heading_is_refused():
    assert read("Name,,Sector\nA,,Health\n").rows == [RawRow(2, {"Name": "A", "Sector": "Health"})]
    assert message_of("Name,,Sector\nA,x,Health\n") == "Row 2 has a value in column B, which has no heading."


@pytest.mark.parametrize("headings", ["Name,Sector,Name", "Name,Sector,NAME ", "E-mail,Email"])
def test_a_heading_that_appears_twice_is_refused(headings):
    repeated = headings.split(",")[-1].strip()
    assert message_of(headings + "\n") == f"Column heading '{repeated}' appears more than once."


def test_nul_bytes_mean_the_csv_is_not_text_and_other_control_characters_are_named():
    assert message_of(b"Name\nA\0B\n") == "The file is not a CSV or Excel (.xlsx) file."
    assert message_of(b"Name\nA\nB\x0bC\n") == "Row 3 contains a control character (U+000B), which is not allowed."


def test_a_csv_the_csv_module_cannot_parse_names_the_row():
    content = "Name\nA\n" + "x" * 140_000 + "\n"
    assert message_of(content).startswith("Row 3 could not be read (field larger than field limit")


# --- Validation ----------------------------------------------------------------------------------


def test_a_good_file_validates_into_clean_typed_rows():
    result = SPEC.validate(
        read(
            "Organisation name,ACRONYM,sector,Specified,Member since,Staff\n"
            "Rugby Borough Council,RBC,LOCAL AUTHORITY,yes,3 March 2018,1200\n"
            "Warwick College,,education_and_childcare,N,31/3/2018,\n"
            "NHS Trust,,Health,,,\n"
        )
    )
    assert result.ok and result.errors == [] and result.warnings == []
    assert result.mapping == {
        "name": "Organisation name",
        "short_name": "ACRONYM",
        "sector": "sector",
        "specified": "Specified",
        "since": "Member since",
        "staff": "Staff",
    }
    assert result.rows == [
        CleanRow(
            2,
            {
                "name": "Rugby Borough Council",
                "short_name": "RBC",
                "sector": "local_authority",
                "specified": True,
                "since": dt.date(2018, 3, 3),
                "staff": 1200,
            },
        ),
        CleanRow(
            3,
            {
                "name": "Warwick College",
                "short_name": "",
                "sector": "education",
                "specified": False,
                "since": dt.date(2018, 3, 31),
                "staff": None,
            },
        ),
        CleanRow(
            4,
            {
                "name": "NHS Trust",
                "short_name": "",
                "sector": "health",
                "specified": None,
                "since": None,
                "staff": None,
            },
        ),
    ]


def test_a_good_xlsx_validates_the_same_way():
    content = xlsx(
        [
            ["Name", "Sector", "Specified authority", "Member since", "Staff"],
            ["Rugby", "Local authority", True, dt.datetime(2018, 3, 3), 1200],
            ["Warwick", "health", "No", "2018-03-31", 12.0],
        ]
    )
    result = SPEC.validate(read(content, "orgs.xlsx"))
    assert result.errors == []
    assert [r.data for r in result.rows] == [
        {"name": "Rugby", "sector": "local_authority", "specified": True, "since": dt.date(2018, 3, 3), "staff": 1200},
        {"name": "Warwick", "sector": "health", "specified": False, "since": dt.date(2018, 3, 31), "staff": 12},
    ]


@pytest.mark.parametrize(
    "heading", ["Organisation", "organisation name", "ORGANISATION-NAME", " Organisation_Name ", "name"]
)
def test_headings_match_labels_keys_and_aliases_ignoring_case_spaces_and_punctuation(heading):
    result = SPEC.validate(read(f"{heading},Sector\nRugby,Health\n"))
    assert result.errors == [] and result.rows[0].data["name"] == "Rugby"


def test_a_label_beats_another_columns_alias():
    spec = TableSpec(columns=(Column("person", "Lead", aliases=("Name",)), Column("name", "Name")))
    matched, errors = spec.match_headers(["Name", "Lead"])
    assert matched == {"person": "Lead", "name": "Name"} and errors == []


def test_a_missing_required_column_is_an_error_on_row_1_and_unknown_columns_are_warnings():
    result = SPEC.validate(read("Name,Colour\nRugby,Blue\n"))
    assert [str(e) for e in result.errors] == [
        "Row 1, column 'Sector': The column 'Sector' is missing.",
    ]
    assert result.errors[0] == CellError(1, "Sector", "The column 'Sector' is missing.")
    assert result.warnings == ["The column 'Colour' was not recognised and will be ignored."]


def test_an_optional_column_that_is_absent_is_left_out_of_the_data():
    result = SPEC.validate(read("Name,Sector\nRugby,Health\n"))
    assert result.rows == [CleanRow(2, {"name": "Rugby", "sector": "health"})]


def test_a_mapping_supplies_headings_that_are_not_recognised():
    table = read("Org,Kind,Acronym\nRugby,Health,RBC\n")
    assert [str(e) for e in SPEC.validate(table).errors] == [
        "Row 1, column 'Name': The column 'Name' is missing.",
        "Row 1, column 'Sector': The column 'Sector' is missing.",
    ]
    result = SPEC.validate(table, mapping={"name": "Org", "sector": "Kind"})
    assert result.errors == [] and result.warnings == []
    assert result.rows == [CleanRow(2, {"name": "Rugby", "short_name": "RBC", "sector": "health"})]
    skipped = SPEC.validate(table, mapping={"name": "Org", "sector": "Kind", "short_name": None})
    assert skipped.rows == [CleanRow(2, {"name": "Rugby", "sector": "health"})]
    assert skipped.warnings == ["The column 'Acronym' was not recognised and will be ignored."]


def test_a_bad_mapping_is_reported():
    table = read("Org,Kind\nRugby,Health\n")
    errors = [str(e) for e in SPEC.validate(table, mapping={"name": "Organisation", "colour": "Kind"}).errors]
    assert errors == [
        "Row 1, column 'Name': The file has no column headed 'Organisation'.",
        "Row 1, column 'Sector': The column 'Sector' is missing.",
        "Row 1, column 'colour': 'colour' is not a column of this table.",
    ]


@pytest.mark.parametrize(
    "value", ["Local authority", "local_authority", "LOCAL AUTHORITY", " local-authority ", "LocalAuthority"]
)
def test_choices_match_ignoring_case_spaces_and_punctuation(value):
    result = SPEC.validate(read(f"Name,Sector\nRugby,{value}\n"))
    assert result.errors == [] and result.rows[0].data["sector"] == "local_authority"


def test_each_kind_of_cell_error_names_row_column_and_reason():
    content = (
        "Name,Short name,Sector,Specified,Member since,Staff\n"
        "Rugby Borough Council,RBC,Spaceport,maybe,31/02/2018,lots\n"  # row 2
        ",TOOLONGACRONYM,,yes,2018-01-01,-1\n"  # row 3
        "rugby  borough council,,Health,no,,100001\n"  # row 4
    )
    assert errors_of(content) == [
        "Row 2, column 'Sector': 'Spaceport' is not a sector we know. "
        "Use one of: Local authority, Education and childcare, Health.",
        "Row 2, column 'Specified authority': Use yes or no.",
        "Row 2, column 'Member since': Enter a real date, for example 31/03/2018.",
        "Row 2, column 'Staff': Enter a whole number.",
        "Row 3, column 'Name': Enter a value.",
        "Row 3, column 'Short name': Use 10 characters or fewer.",
        "Row 3, column 'Sector': Enter a value.",
        "Row 3, column 'Staff': Enter a number between 0 and 100000.",
        "Row 4, column 'Name': 'rugby  borough council' appears more than once (also on row 2).",
        "Row 4, column 'Staff': Enter a number between 0 and 100000.",
    ]


def test_rows_with_errors_are_left_out_of_the_clean_rows():
    result = SPEC.validate(read("Name,Sector\nGood,Health\nBad,Moon\nAlso good,Health\n"))
    assert [r.number for r in result.rows] == [2, 4]
    assert not result.ok


def test_long_limits_are_written_with_thousands_separators():
    spec = TableSpec(columns=(Column("notes", "Notes", max_length=1_000),))
    assert errors_of("Notes\n" + "x" * 1001 + "\n", spec=spec) == [
        "Row 2, column 'Notes': Use 1,000 characters or fewer."
    ]


def test_duplicates_compare_parsed_values():
    spec = TableSpec(columns=(Column("email", "Email", parse=parse_email, unique=True),))
    assert errors_of("Email\nA@Example.COM\nA@example.com\n", spec=spec) == [
        "Row 3, column 'Email': 'A@example.com' appears more than once (also on row 2)."
    ]


def test_an_article_fits_the_noun_in_choice_errors():
    spec = TableSpec(columns=(Column("area", "Area", choices={"North": "n"}),))
    assert errors_of("Area\nSouth\n", spec=spec) == [
        "Row 2, column 'Area': 'South' is not an area we know. Use one of: North."
    ]


@pytest.mark.parametrize(
    "cell,shown",
    [
        ('"=HYPERLINK(""http://x"")"', "'='"),
        ("=1+1", "'='"),
        ("+SUM(1)", "'+'"),
        ("-2+3", "'-'"),
        ("-cmd", "'-'"),
        ("@SUM(A1)", "'@'"),
        ('"\t=1+1"', "a tab"),
        ('"\tRugby"', "a tab"),
        ('"\r=1+1"', "a carriage return"),
    ],
)
def test_cells_that_look_like_formulas_are_refused(cell, shown):
    assert errors_of(f"Name,Sector\n{cell},Health\n") == [
        f"Row 2, column 'Name': Cells must not start with {shown} (this looks like a spreadsheet formula)."
    ]


@pytest.mark.parametrize(
    "value", ["+44 1926 410410", "-5", "01926 410410", "+44 (0)1926 410-410", "-1.5", "-", "Rugby = best"]
)
def test_numbers_and_telephone_numbers_starting_with_a_sign_are_not_formulas(value):
    spec = TableSpec(columns=(Column("phone", "Telephone"),))
    result = spec.validate(read(f"Telephone\n{value}\n"))
    assert result.errors == [] and result.rows[0].data == {"phone": value}


def test_formula_cells_in_an_xlsx_are_refused_too():
    content = xlsx(
        [
            ["Name", "Sector"],
            ["=cmd|' /C calc'!A0", "Health"],
            ["@SUM(A1)", "Health"],
            ["\t=1", "Health"],
            ["+1 (", "Health"],
        ],
        string_cells=True,
    )
    assert errors_of(content, "orgs.xlsx") == [
        "Row 2, column 'Name': Cells must not start with '=' (this looks like a spreadsheet formula).",
        "Row 3, column 'Name': Cells must not start with '@' (this looks like a spreadsheet formula).",
        "Row 4, column 'Name': Cells must not start with a tab (this looks like a spreadsheet formula).",
    ]


def test_a_formula_in_an_ignored_column_does_not_matter():
    assert errors_of("Name,Sector,Scratch\nRugby,Health,=1+1\n") == []


def test_a_cell_error_reads_as_a_sentence():
    error = CellError(4, "Sector", "'Spaceport' is not a sector we know.")
    assert str(error) == "Row 4, column 'Sector': 'Spaceport' is not a sector we know."


def test_validation_works_on_a_table_built_by_hand():
    table = Table(headers=["Name", "Sector"], rows=[RawRow(7, {"Name": "Rugby", "Sector": "Health"})])
    assert SPEC.validate(table).rows == [CleanRow(7, {"name": "Rugby", "sector": "health"})]


# --- Parsers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("No", False),
        ("n", False),
        ("false", False),
        ("0", False),
    ],
)
def test_parse_bool_accepts_yes_and_no_in_their_usual_forms(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "", "yess"])
def test_parse_bool_refuses_anything_else(text):
    with pytest.raises(ValueError, match="^Use yes or no.$"):
        parse_bool(text)


@pytest.mark.parametrize(
    "text",
    [
        "2018-03-31",
        "31/03/2018",
        "31/3/2018",
        "31-03-2018",
        "31.03.2018",
        "31 March 2018",
        "31 Mar 2018",
        "31  march 2018",
        "2018-03-31 14:30:00",
        "2018-03-31T00:00",
    ],
)
def test_parse_date_accepts_iso_uk_and_written_dates(text):
    assert parse_date(text) == dt.date(2018, 3, 31)


def test_parse_date_accepts_short_days_and_sept():
    assert parse_date("3 March 2018") == parse_date("3 Mar 2018") == parse_date("3/3/2018") == dt.date(2018, 3, 3)
    assert parse_date("1 Sept 2020") == dt.date(2020, 9, 1)


@pytest.mark.parametrize("text", ["31/02/2018", "2018-13-01", "03/31/2018", "31/03/18", "yesterday", "", "March 2018"])
def test_parse_date_refuses_unreal_or_ambiguous_dates(text):
    with pytest.raises(ValueError, match=r"^Enter a real date, for example 31/03/2018\.$"):
        parse_date(text)


def test_parse_int_checks_whole_numbers_and_limits():
    assert parse_int()("1,234") == 1234
    assert parse_int()("-5") == -5
    assert parse_int()("12.0") == 12
    for text in ("1.5", "ten", "", "1e3"):
        with pytest.raises(ValueError, match="^Enter a whole number.$"):
            parse_int()(text)
    with pytest.raises(ValueError, match="^Enter a number between 1 and 10.$"):
        parse_int(1, 10)("11")
    with pytest.raises(ValueError, match="^Enter a number that is 1 or more.$"):
        parse_int(1)("0")
    with pytest.raises(ValueError, match="^Enter a number that is 10 or less.$"):
        parse_int(max_value=10)("11")
    assert parse_int(1, 10)("10") == 10


@pytest.mark.parametrize(
    "text,expected",
    [
        ("alex@example.com", "alex@example.com"),
        ("Alex.Smith+prevent@Warwickshire.GOV.UK", "Alex.Smith+prevent@warwickshire.gov.uk"),
    ],
)
def test_parse_email_accepts_addresses(text, expected):
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "alex",
        "alex@",
        "@example.com",
        "alex@example",
        "a b@example.com",
        "alex..s@example.com",
        ".a@example.com",
        "alex@-example.com",
        "alex@example.123",
        "x@" + "a" * 250 + ".com",
    ],
)
def test_parse_email_refuses_malformed_addresses(text):
    with pytest.raises(ValueError, match="^Enter an email address in the correct format, like name@example.com.$"):
        parse_email(text)


def test_human_size():
    assert tabular.human_size(2 * MB) == "2 MB"
    assert tabular.human_size(10 * MB) == "10 MB"
    assert tabular.human_size(1536) == "1.5 KB"
    assert tabular.human_size(512) == "512 bytes"


# --- Writing -------------------------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "\0x",
    "  =1+1",
    "=cmd|' /C calc'!A0",
    "-2+3",
    "+44 1926 410410",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_anything_a_spreadsheet_could_evaluate(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value,expected",
    [
        ("Rugby", "Rugby"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (12, "12"),
        (-5, "'-5"),
        (dt.date(2018, 3, 31), "2018-03-31"),
        (True, "TRUE"),
        ("'=already", "'=already"),
    ],
)
def test_neutralise_leaves_safe_values_alone(value, expected):
    assert neutralise(value) == expected


EXPORT_COLUMNS = (
    Column("name", "Name"),
    Column("sector", "Sector"),
    Column("since", "Member since"),
    Column("staff", "Staff"),
)


def test_write_csv_writes_a_bom_labels_and_neutralised_cells():
    rows = [{"name": value, "sector": "Health"} for value in DANGEROUS] + [
        {"name": 'Line one\nline two, "quoted"', "since": dt.date(2018, 3, 31), "staff": 1200}
    ]
    body = write_csv(EXPORT_COLUMNS, rows)
    assert body.startswith(b"\xef\xbb\xbfName,Sector,Member since,Staff\r\n")
    table = read_table(body, "export.csv", max_bytes=LIMIT)
    names = [r.values["Name"] for r in table.rows]
    assert names[: len(DANGEROUS)] == ["'" + v.replace("\0", "") for v in DANGEROUS]  # NUL dropped, quote kept
    assert all(name.startswith("'") for name in names[: len(DANGEROUS)])
    assert table.rows[-1].values == {
        "Name": 'Line one\nline two, "quoted"',
        "Sector": "",
        "Member since": "2018-03-31",
        "Staff": "1200",
    }


def test_every_csv_cell_starting_with_a_formula_character_is_prefixed():
    import csv

    body = write_csv(EXPORT_COLUMNS, [{"name": v, "sector": v, "since": v, "staff": v} for v in DANGEROUS])
    cells = [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")) for cell in row]
    assert len(cells) == 4 * (len(DANGEROUS) + 1)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "\0")]


def test_write_xlsx_writes_every_text_cell_as_a_neutralised_string():
    rows = [{"name": value, "sector": value} for value in DANGEROUS]
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="Organisations")))
    sheet = workbook.active
    assert sheet.title == "Organisations"
    for row in sheet.iter_rows(min_row=2, max_col=2):
        for cell in row:
            assert cell.data_type == "s", cell.coordinate
            assert cell.value.startswith("'"), cell.value
    # NUL cannot be stored in XML; a bare CR comes back as CR or LF depending on the XML library.
    expected = ["'" + v.replace("\0", "").replace("\r", "\n") for v in DANGEROUS]
    assert [c.value.replace("\r", "\n") for c in sheet["A"][1:]] == expected


def test_write_xlsx_has_a_bold_frozen_header_sized_columns_and_real_dates():
    rows = [
        {"name": "Rugby Borough Council and friends", "sector": "Health", "since": dt.date(2018, 3, 31), "staff": 1200},
        {"name": "B", "since": dt.datetime(2019, 1, 2, 9, 30), "staff": 2.5},
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="Orgs"))).active
    assert [c.value for c in sheet[1]] == ["Name", "Sector", "Member since", "Staff"]
    assert all(c.font.bold for c in sheet[1]) and all(c.data_type == "s" for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == len("Rugby Borough Council and friends") + 2
    assert sheet.column_dimensions["B"].width == 8
    assert sheet["C2"].value == dt.datetime(2018, 3, 31) and sheet["C2"].is_date
    assert sheet["C3"].value == dt.datetime(2019, 1, 2, 9, 30) and sheet["C3"].is_date
    assert (sheet["D2"].value, sheet["D2"].data_type) == (1200, "n")
    assert sheet["D3"].value == 2.5
    assert sheet["B3"].value is None


def test_exports_drop_characters_no_spreadsheet_can_hold():
    rows = [{"name": "A\x01B\x1fC\ufffe", "sector": "\x00=1"}]
    assert read_table(write_csv(EXPORT_COLUMNS, rows), "e.csv", max_bytes=LIMIT).rows[0].values["Name"] == "ABC"
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="x"))).active
    assert (sheet["A2"].value, sheet["B2"].value) == ("ABC", "'=1")


def test_sheet_titles_are_made_valid():
    body = write_xlsx(EXPORT_COLUMNS, [], sheet_title="'Orgs: [North/South] * a very long name indeed'")
    assert openpyxl.load_workbook(io.BytesIO(body)).sheetnames == ["Orgs North South a very long na"]
    assert openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, [], sheet_title="??"))).sheetnames == ["Sheet1"]


def test_write_xlsx_streams_rows_from_a_generator():
    rows = ({"name": f"Org {i}", "staff": i} for i in range(250))
    table = read_table(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="x"), "x.xlsx", max_bytes=LIMIT)
    assert len(table.rows) == 250 and table.rows[-1] == RawRow(
        251, {"Name": "Org 249", "Sector": "", "Member since": "", "Staff": "249"}
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_read_back_with_the_same_spec_gives_the_same_clean_rows(fmt):
    rows = [
        {
            "name": "Rugby Borough Council",
            "short_name": "RBC",
            "sector": "Local authority",
            "specified": "Yes",
            "since": dt.date(2018, 3, 3),
            "staff": 1200,
        },
        {
            "name": "Warwick College",
            "short_name": "",
            "sector": "Education and childcare",
            "specified": "No",
            "since": None,
            "staff": None,
        },
        {
            "name": "=Sneaky",
            "short_name": "-1",
            "sector": "Health",
            "specified": True,
            "since": dt.date(2020, 2, 29),
            "staff": 0,
        },
    ]
    body = write_csv(SPEC.columns, rows) if fmt == "csv" else write_xlsx(SPEC.columns, rows, sheet_title="Orgs")
    result = SPEC.validate(read_table(body, f"export.{fmt}", max_bytes=LIMIT))
    assert result.errors == [] and result.warnings == []
    assert [r.data for r in result.rows] == [
        {
            "name": "Rugby Borough Council",
            "short_name": "RBC",
            "sector": "local_authority",
            "specified": True,
            "since": dt.date(2018, 3, 3),
            "staff": 1200,
        },
        {
            "name": "Warwick College",
            "short_name": "",
            "sector": "education",
            "specified": False,
            "since": None,
            "staff": None,
        },
        {
            "name": "'=Sneaky",
            "short_name": "'-1",
            "sector": "health",
            "specified": True,
            "since": dt.date(2020, 2, 29),
            "staff": 0,
        },
    ]


PLAIN_SPEC = TableSpec(columns=(Column("a", "A", required=True), Column("b", "B"), Column("c", "C")))
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co"), blacklist_characters="\u2028\u2029"),
    max_size=40,
)
table_rows = st.lists(
    st.fixed_dictionaries({"a": cell_text.filter(lambda s: s.strip()), "b": cell_text, "c": cell_text}),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=table_rows, fmt=st.sampled_from(["csv", "xlsx"]))
def test_any_text_round_trips_through_an_export(rows, fmt):
    """Whatever the text, an export reads back and validates cleanly: neutralised, then stripped, nothing else."""
    body = (
        write_csv(PLAIN_SPEC.columns, rows) if fmt == "csv" else write_xlsx(PLAIN_SPEC.columns, rows, sheet_title="T")
    )
    result = PLAIN_SPEC.validate(read_table(body, f"t.{fmt}", max_bytes=10 * MB))
    assert result.errors == []
    assert [r.number for r in result.rows] == list(range(2, len(rows) + 2))
    assert [r.data for r in result.rows] == [{k: neutralise(v).strip() for k, v in row.items()} for row in rows]


def test_a_20000_row_workbook_is_read_in_full():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Completions")
    sheet.append(["Name", "Email", "Course", "Completed", "Score"])
    for i in range(20_000):
        sheet.append(
            [f"Learner {i}", f"learner{i}@example.com", "Prevent awareness", dt.date(2024, 1, 1 + i % 28), i % 100]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    spec = TableSpec(
        columns=(
            Column("name", "Name", required=True),
            Column("email", "Email", parse=parse_email, unique=True),
            Column("course", "Course"),
            Column("completed", "Completed", parse=parse_date),
            Column("score", "Score", parse=parse_int(0, 100)),
        )
    )
    table = read_table(buffer.getvalue(), "completions.xlsx", max_bytes=10 * MB)
    assert len(table.rows) == 20_000 and table.rows[-1].number == 20_001
    result = spec.validate(table)
    assert result.errors == [] and len(result.rows) == 20_000
    assert result.rows[-1].data == {
        "name": "Learner 19999",
        "email": "learner19999@example.com",
        "course": "Prevent awareness",
        "completed": dt.date(2024, 1, 1 + 19_999 % 28),
        "score": 99,
    }


def test_lazy_translated_labels_and_choices_work(settings):
    from django.utils.translation import gettext_lazy

    spec = TableSpec(
        columns=(
            Column("name", gettext_lazy("Name"), required=True),
            Column("sector", gettext_lazy("Sector"), choices={gettext_lazy("Health"): "health"}),
        )
    )
    result = spec.validate(read("Name,Sector\nRugby,health\n,Moon\n"))
    assert [str(e) for e in result.errors] == [
        "Row 3, column 'Name': Enter a value.",
        "Row 3, column 'Sector': 'Moon' is not a sector we know. Use one of: Health.",
    ]
    assert result.rows == [CleanRow(2, {"name": "Rugby", "sector": "health"})]
    body = write_xlsx(spec.columns, [{"name": "Rugby"}], sheet_title=gettext_lazy("Organisations"))
    assert openpyxl.load_workbook(io.BytesIO(body)).active["A1"].value == "Name"
    assert write_csv(spec.columns, []).decode("utf-8-sig") == "Name,Sector\r\n"


def test_a_control_character_cannot_hide_a_formula_from_the_export_quote():
    rows = [{"name": "\x01=1+1", "sector": "\x00Rugby"}]
    csv_row = read_table(write_csv(EXPORT_COLUMNS, rows), "e.csv", max_bytes=LIMIT).rows[0].values
    assert (csv_row["Name"], csv_row["Sector"]) == ("'=1+1", "'Rugby")
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="x"))).active
    assert (sheet["A2"].value, sheet["B2"].value) == ("'=1+1", "'Rugby")


def test_long_integers_are_exported_to_xlsx_as_text_so_excel_keeps_every_digit():
    rows = [{"name": "A", "staff": 123456789012345678}, {"name": "B", "staff": 99}]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="x"))).active
    assert (sheet["D2"].value, sheet["D2"].data_type) == ("123456789012345678", "s")
    assert (sheet["D3"].value, sheet["D3"].data_type) == (99, "n")


def test_the_module_works_without_django_settings():
    """Framework-free: plain English messages when Django is not configured (e.g. a script)."""
    import os
    import subprocess
    import sys

    code = (
        "from prevent_hub.core.tabular import *\n"
        "spec = TableSpec(columns=(Column('name', 'Name', required=True),))\n"
        "result = spec.validate(read_table(b'Name\\n=1\\n', 'a.csv', max_bytes=100))\n"
        "print(result.errors[0])\n"
        "try:\n    read_table(b'', 'a.csv', max_bytes=100)\nexcept TableError as e:\n    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=os.getcwd()
    )
    assert done.stdout.splitlines() == [
        "Row 2, column 'Name': Cells must not start with '=' (this looks like a spreadsheet formula).",
        "The file is empty.",
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_no_exported_cell_ever_starts_with_a_formula_character(values):
    """SEC-12: whatever the text (NUL, controls, bidi overrides, surrogates), exports open safely."""
    import csv

    dangerous = ("=", "+", "-", "@", "\t", "\r", "\0")
    rows = [{"name": value, "sector": "x"} for value in values]
    cells = [
        c
        for row in csv.reader(io.StringIO(write_csv(EXPORT_COLUMNS, rows).decode("utf-8-sig"), newline=""))
        for c in row
    ]
    assert not [c for c in cells if c.startswith(dangerous) or c.lstrip().startswith(dangerous)]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_COLUMNS, rows, sheet_title="x"))).active
    for cell in sheet["A"][1:]:
        assert cell.value is None or (cell.data_type == "s" and not cell.value.lstrip().startswith(dangerous))
