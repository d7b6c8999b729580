"""Read, validate and write tables (CSV and Excel .xlsx) safely.

Framework-free: pure Python and openpyxl, plus Django's gettext for messages
(which falls back to English when Django is not configured). Nothing here
touches the database: callers parse and validate with this module, then apply
the clean rows in one transaction of their own, so a file is never half
imported.

Reading (``read_table``) checks the file before trusting it: the size limit is
enforced on the raw bytes before any parsing, the format is decided by content
(an .xlsx is a ZIP; a CSV must be text), and a ZIP is inspected for bombs
before openpyxl opens it. Problems with the file as a whole raise
``TableError`` with one clear sentence.

Validating (``TableSpec.validate``) matches headings to columns (by label, key
or alias, ignoring case, spaces and punctuation), then checks every cell and
collects every problem as a ``CellError`` naming the row, column and reason.
Cells that look like spreadsheet formulas are refused (CSV injection).

Writing (``write_csv``, ``write_xlsx``) neutralises every text cell that
starts with a formula character by prefixing a single quote, as OWASP advises,
and writes XLSX text as string cells, so an export never carries a formula.
Exports read back with the same spec give the same clean rows, except that
neutralised values keep their leading quote (``"=1+1"`` comes back as
``"'=1+1"``) and surrounding whitespace is stripped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import Any

__all__ = [
    "CellError",
    "GroupedCellError",
    "CleanRow",
    "Column",
    "RawRow",
    "Sheet",
    "Table",
    "TableError",
    "TableSpec",
    "PackageError",
    "ValidationResult",
    "check_package",
    "decode_text",
    "human_size",
    "neutralise",
    "normalise",
    "parse_bool",
    "parse_date",
    "parse_email",
    "parse_int",
    "read_table",
    "read_workbook",
    "rows_phrase",
    "write_csv",
    "write_xlsx",
]

# Zip-bomb guard for .xlsx files, checked with zipfile before openpyxl sees the file.
# zipfile stops reading an entry at its declared size (and then fails the CRC check), so the
# declared sizes in the central directory are a safe bound on what openpyxl can unpack.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_ABOVE_BYTES = 1024 * 1024
# A worksheet row is padded with empty cells up to its last cell, so a few cells far to the
# right (column XFD) would cost 16,384 cells a row. Bound the total cells looked at.
MAX_CELLS = 2_000_000

EXCEL_MAX_EXACT_INTEGER = 10**15

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
XLSX_EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm")

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection), plus NUL.
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# A cell starting with + or - is allowed on import only if it is a number or a telephone number.
_SIGNED_NUMBER_RE = re.compile(r"[+-][0-9 ().-]*")
# Characters XML 1.0 cannot hold (so no .xlsx can): C0 controls but tab, LF and CR; surrogates; U+FFFE/F.
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Control characters refused in CSV text (tab, LF and CR are fine).
_CSV_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Leading whitespace other than tab and CR: those are kept so validation can refuse them.
_LEADING_SPACE_RE = re.compile(r"^[^\S\t\r]+")
_NOT_ALNUM_RE = re.compile(r"[\W_]+")
_EMAIL_RE = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\.)"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)


def _(message: str) -> str:
    """Translate ``message``; plain English when Django is absent or not set up (e.g. a script)."""
    try:
        from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
        from django.utils.translation import gettext
    except ImportError:
        return message
    try:
        return gettext(message)
    except (AppRegistryNotReady, ImproperlyConfigured):
        return message


# ---------------------------------------------------------------------------------------------
# Data types


class TableError(ValueError):
    """The file as a whole cannot be read (empty, too large, not a spreadsheet, no headings...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawRow:
    """One data row as read: ``number`` is the row number a person sees (the header is row 1)."""

    number: int
    values: dict[str, str]


@dataclass
class Table:
    """A file's headings (stripped, as written) and its non-blank data rows."""

    headers: list[str]
    rows: list[RawRow]
    format: str = "csv"  # "csv" or "xlsx"


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # the column's label, or a heading from the file
    message: str

    def __post_init__(self):
        # Labels and messages may be lazy translations; keep plain strings so errors compare and sort.
        object.__setattr__(self, "column", str(self.column))
        object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        return _("Row %(row)s, column '%(column)s': %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    @property
    def rows_text(self) -> str:
        """The rows the problem is in, as a person reads them."""
        return f"{self.row:,}"


@dataclass(frozen=True)
class GroupedCellError(CellError):
    """One problem in many rows (the same unknown value in 2,500 of them): reported once, with its rows."""

    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        return _("Column '%(column)s', %(rows)s: %(message)s") % {
            "column": self.column, "rows": rows_phrase(self.rows), "message": self.message}

    @property
    def rows_text(self) -> str:
        return rows_phrase(self.rows, prefix=False)


def rows_phrase(rows, *, prefix: bool = True, most_runs: int = 6) -> str:
    """Row numbers in runs: "row 7", "rows 2–4, 9 (4 rows)", "rows 2–2,501 (2,500 rows)"; after ``most_runs``
    runs, "and N more"."""
    numbers = sorted(set(rows))
    runs = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = [f"{a:,}" if a == b else f"{a:,}–{b:,}" for a, b in runs[:most_runs]]
    rest = sum(b - a + 1 for a, b in runs[most_runs:])
    text = ", ".join(parts) + (_(" and %(n)s more") % {"n": f"{rest:,}"} if rest else "")
    if len(numbers) == 1:
        return (_("row %(rows)s") if prefix else "%(rows)s") % {"rows": text}
    count = _("%(n)s rows") % {"n": f"{len(numbers):,}"}
    return (_("rows %(rows)s (%(count)s)") if prefix else "%(rows)s (%(count)s)") % {"rows": text, "count": count}


@dataclass(frozen=True)
class CleanRow:
    number: int
    data: dict[str, Any]


@dataclass
class ValidationResult:
    rows: list[CleanRow]  # only rows that passed every check
    errors: list[CellError]  # every problem, sorted by row then column order
    warnings: list[str]  # e.g. headings that were not recognised and are ignored
    mapping: dict[str, str] = field(default_factory=dict)  # column key -> heading used

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Column:
    key: str  # internal name, e.g. "name"
    label: str  # heading used in exports and messages, e.g. "Name"
    aliases: tuple[str, ...] = ()  # other headings accepted, matched like ``normalise``
    required: bool = False  # the column must be present and every cell non-empty
    parse: Callable[[str], Any] | None = None  # raise ValueError("reason") for a bad value
    choices: Mapping[str, str] | None = None  # accepted value -> stored value, matched like ``normalise``
    unique: bool = False  # no two rows may share the value (ignoring case and repeated spaces)
    max_length: int | None = None


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[Column, ...]

    def match_headers(
        self, headers: Sequence[str], *, mapping: Mapping[str, str | None] | None = None
    ) -> tuple[dict[str, str], list[CellError]]:
        """Return (column key -> heading in the file, errors for headings that are missing).

        Headings match a column's label or key first, then its aliases. ``mapping`` (key ->
        heading, or None/"" to leave a column out) overrides the matching for the keys it names.
        """
        errors: list[CellError] = []
        by_key = {c.key: c for c in self.columns}
        present = {normalise(h) or h: h for h in headers if h}
        matched: dict[str, str] = {}
        skipped: set[str] = set()
        for key, heading in (mapping or {}).items():
            column = by_key.get(key)
            if column is None:
                errors.append(CellError(1, key, _("'%(key)s' is not a column of this table.") % {"key": key}))
            elif not heading:
                skipped.add(key)
            elif heading not in headers:
                message = _("The file has no column headed '%(heading)s'.") % {"heading": heading}
                errors.append(CellError(1, column.label, message))
                skipped.add(key)  # reported once, not again as missing
            else:
                matched[key] = heading
        claimed = set(matched.values())
        for use_aliases in (False, True):
            for column in self.columns:
                if column.key in matched or column.key in skipped:
                    continue
                names = column.aliases if use_aliases else (column.label, column.key)
                for name in names:
                    heading = present.get(normalise(name))
                    if heading is not None and heading not in claimed:
                        matched[column.key] = heading
                        claimed.add(heading)
                        break
        for column in self.columns:
            if column.required and column.key not in matched and not any(e.column == str(column.label) for e in errors):
                message = _("The column '%(label)s' is missing.") % {"label": column.label}
                errors.append(CellError(1, column.label, message))
        return {c.key: matched[c.key] for c in self.columns if c.key in matched}, errors

    def ignored_headers(self, headers: Sequence[str], matched: Mapping[str, str]) -> list[str]:
        """Headings in the file that no column uses."""
        used = set(matched.values())
        return [h for h in headers if h and h not in used]

    def validate(self, table: Table, *, mapping: Mapping[str, str | None] | None = None) -> ValidationResult:
        """Check every cell of ``table``; collect every error rather than stopping at the first."""
        matched, errors = self.match_headers(table.headers, mapping=mapping)
        warnings_ = [
            _("The column '%(heading)s' was not recognised and will be ignored.") % {"heading": h}
            for h in self.ignored_headers(table.headers, matched)
        ]
        columns = [c for c in self.columns if c.key in matched]
        choices = {c.key: _normalised_choices(c.choices) for c in columns if c.choices is not None}
        seen: dict[str, dict[Any, int]] = {c.key: {} for c in columns if c.unique}
        rows: list[CleanRow] = []
        for raw in table.rows:
            data: dict[str, Any] = {}
            row_ok = True
            for column in columns:
                text = raw.values.get(matched[column.key], "")
                try:
                    value = _clean_cell(column, text, choices.get(column.key))
                    if column.unique and value not in (None, ""):
                        _check_unique(seen[column.key], value, text, raw.number)
                except ValueError as problem:
                    errors.append(CellError(raw.number, column.label, str(problem)))
                    row_ok = False
                    continue
                data[column.key] = value
            if row_ok:
                rows.append(CleanRow(raw.number, data))
        order = {str(c.label): i for i, c in enumerate(self.columns)}
        errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
        return ValidationResult(rows=rows, errors=errors, warnings=warnings_, mapping=matched)


def _clean_cell(column: Column, text: str, choices: dict[str, str] | None) -> Any:
    """Return the cell's clean value or raise ValueError with the reason."""
    formula_problem = formula_error(text)
    if formula_problem:
        raise ValueError(formula_problem)
    if text == "":
        if column.required:
            raise ValueError(_("Enter a value."))
        return None if column.parse is not None else ""
    if column.max_length is not None and len(text) > column.max_length:
        raise ValueError(_("Use %(max)s characters or fewer.") % {"max": f"{column.max_length:,}"})
    if choices is not None:
        stored = choices.get(normalise(text))
        if stored is None:
            raise ValueError(_choice_message(column, text))
        text = stored
    if column.parse is not None:
        return column.parse(text)
    return text


def _check_unique(seen: dict[Any, int], value: Any, text: str, number: int) -> None:
    key = " ".join(value.split()).casefold() if isinstance(value, str) else value
    if key in seen:
        raise ValueError(
            _("'%(value)s' appears more than once (also on row %(row)s).") % {"value": text, "row": seen[key]}
        )
    seen[key] = number


def _normalised_choices(choices: Mapping[str, str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for accepted, stored in choices.items():
        result.setdefault(normalise(accepted), stored)
    return result


def _choice_message(column: Column, text: str) -> str:
    labels: dict[str, str] = {}
    for accepted, stored in column.choices.items():
        labels.setdefault(stored, str(accepted))  # the first accepted value for each stored value
    noun = str(column.label).lower()
    article = _("an") if noun[:1] in "aeiou" else _("a")
    return _("'%(value)s' is not %(article)s %(noun)s we know. Use one of: %(choices)s.") % {
        "value": text,
        "article": article,
        "noun": noun,
        "choices": ", ".join(labels.values()),
    }


def formula_error(text: str) -> str | None:
    """Return why ``text`` would be refused as a possible spreadsheet formula, or None if it is safe."""
    if not text:
        return None
    first = text[0]
    if first in ("+", "-") and _SIGNED_NUMBER_RE.fullmatch(text):
        return None  # "-5", "+44 1926 410410"
    if first in FORMULA_CHARACTERS:
        shown = {"\t": _("a tab"), "\r": _("a carriage return"), "\0": _("a NUL character")}.get(first, f"'{first}'")
        return _("Cells must not start with %(char)s (this looks like a spreadsheet formula).") % {"char": shown}
    return None


def normalise(text: str) -> str:
    """Lower-case ``text`` and keep only letters and digits: "Local_Authority " -> "localauthority"."""
    return _NOT_ALNUM_RE.sub("", str(text).casefold())


def human_size(size: int) -> str:
    """Return a size in bytes as people write it: 2097152 -> "2 MB", 1536 -> "1.5 KB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            amount = f"{size / scale:.1f}".removesuffix(".0")
            return f"{amount} {unit}"
    return _("%(size)s bytes") % {"size": size} if size != 1 else _("1 byte")


# ---------------------------------------------------------------------------------------------
# Parsers: each takes the cell's text and returns the clean value or raises ValueError("reason").


_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(_("Use yes or no."))


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
_ISO_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def parse_date(text: str) -> dt.date:
    """Accept 2018-03-31, 31/03/2018, 31/3/2018, 31-03-2018, 3 March 2018 or 3 Mar 2018."""
    value = " ".join(text.split())
    iso_datetime = _ISO_DATETIME_RE.fullmatch(value)
    if iso_datetime:  # a spreadsheet date cell with a time of day
        value = iso_datetime.group(1)
    value = re.sub(r"(?i)\bsept\b", "Sep", value)
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("Enter a real date, for example 31/03/2018."))


def parse_int(min_value: int | None = None, max_value: int | None = None) -> Callable[[str], int]:
    """Return a parser for whole numbers, optionally between ``min_value`` and ``max_value``."""

    def parse(text: str) -> int:
        value = text.replace(",", "").strip()
        if not re.fullmatch(r"[+-]?\d+(\.0*)?", value):
            raise ValueError(_("Enter a whole number."))
        number = int(value.split(".")[0])
        too_small = min_value is not None and number < min_value
        too_big = max_value is not None and number > max_value
        if (too_small or too_big) and min_value is not None and max_value is not None:
            raise ValueError(_("Enter a number between %(min)s and %(max)s.") % {"min": min_value, "max": max_value})
        if too_small:
            raise ValueError(_("Enter a number that is %(min)s or more.") % {"min": min_value})
        if too_big:
            raise ValueError(_("Enter a number that is %(max)s or less.") % {"max": max_value})
        return number

    return parse


def parse_email(text: str) -> str:
    """Accept an address like name@example.com; return it with the domain in lower case."""
    value = text.strip()
    if len(value) > 254 or not _EMAIL_RE.fullmatch(value):
        raise ValueError(_("Enter an email address in the correct format, like name@example.com."))
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


# ---------------------------------------------------------------------------------------------
# Reading


def read_table(data: bytes, filename: str, *, max_bytes: int, max_rows: int = 50_000) -> Table:
    """Read a CSV or .xlsx file's first sheet into headings and non-blank rows, or raise TableError."""
    if not data:
        raise TableError(_("The file is empty."))
    if len(data) > max_bytes:
        raise TableError(_("The file is larger than %(limit)s.") % {"limit": human_size(max_bytes)})
    if data.startswith(XLSX_MAGIC):
        rows = _read_xlsx(data)
        fmt = "xlsx"
    elif data.startswith(OLE2_MAGIC):
        raise TableError(
            _(
                "The file is an old Excel (.xls) file or has a password. "
                "Save it as an Excel workbook (.xlsx) or CSV without a password."
            )
        )
    elif filename.lower().endswith(XLSX_EXTENSIONS):
        raise _not_a_table()
    else:
        rows = _read_csv(data)
        fmt = "csv"
    try:
        return _build_table(rows, max_rows=max_rows, fmt=fmt)
    finally:
        rows.close()  # an .xlsx reader closes its workbook


def _not_a_table() -> TableError:
    return TableError(_("The file is not a CSV or Excel (.xlsx) file."))


def _too_large() -> TableError:
    return TableError(_("The spreadsheet is too large when uncompressed."))


def _build_table(rows: Iterator[Sequence[Any]], *, max_rows: int, fmt: str) -> Table:
    """Turn raw rows of text (row 1 first) into a Table, checking headings and row shapes."""
    first = next(rows, None)
    headers = [_text(h).strip() for h in first] if first is not None else []
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise TableError(_("The file has no header row."))
    seen: set[str] = set()
    for heading in headers:
        if not heading:
            continue
        key = normalise(heading) or heading.casefold()
        if key in seen:
            raise TableError(_("Column heading '%(heading)s' appears more than once.") % {"heading": heading})
        seen.add(key)
    width = len(headers)
    table_rows: list[RawRow] = []
    for index, cells in enumerate(rows, start=2):
        values = [_clean_value(_text(c)) for c in cells]
        if not any(values):
            continue
        if any(values[width:]):
            raise TableError(_("Row %(row)s has more cells than there are column headings.") % {"row": index})
        for position, heading in enumerate(headers):
            if not heading and position < len(values) and values[position]:
                raise TableError(
                    _("Row %(row)s has a value in column %(column)s, which has no heading.")
                    % {"row": index, "column": _column_letter(position + 1)}
                )
        if len(table_rows) >= max_rows:
            raise TableError(_("The file has more than %(max)s rows.") % {"max": f"{max_rows:,}"})
        padded = values + [""] * (width - len(values))
        table_rows.append(RawRow(index, {h: v for h, v in zip(headers, padded, strict=False) if h}))
    return Table(headers=headers, rows=table_rows, format=fmt)


def _clean_value(text: str) -> str:
    """Strip surrounding whitespace, but keep a leading tab or CR so validation can refuse it."""
    return _LEADING_SPACE_RE.sub("", text.rstrip())


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: Any) -> str:
    """Return a cell value as text: ISO dates, whole floats without ".0", TRUE/FALSE, None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        value = _round_to_second(value)
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _round_to_second(value: dt.datetime) -> dt.datetime:
    """Spreadsheet times are floats: 14:29:59.999999 means 14:30:00."""
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0)


# CSV


def _read_csv(data: bytes) -> Generator[list[str], None, None]:
    text = _decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise TableError(
                    _("Row %(row)s could not be read (%(reason)s).") % {"row": number + 1, "reason": error}
                ) from error
            number += 1
            for cell in cells:
                control = _CSV_CONTROL_RE.search(cell)
                if control:
                    raise TableError(
                        _("Row %(row)s contains a control character (U+%(code)04X), which is not allowed.")
                        % {"row": number, "code": ord(control.group())}
                    )
            yield cells

    return rows()


def _decode(data: bytes) -> str:
    try:
        return decode_text(data)
    except ValueError:
        raise _not_a_table() from None


def decode_text(data: bytes) -> str:
    """Decode text bytes as UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252; raise
    ValueError for bytes that are none of these or hold a NUL (a binary file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("not UTF-16 text") from None
        if "\0" in text:
            raise ValueError("a NUL character")
        return text
    if b"\0" in data:
        raise ValueError("a NUL byte")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("not text in a known encoding")


def _delimiter(text: str) -> str:
    """Comma, unless the heading line has none and has tabs or semicolons instead."""
    first_line = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*("|$)', "", first_line)
    if "," in unquoted:
        return ","
    tabs, semicolons = unquoted.count("\t"), unquoted.count(";")
    if tabs or semicolons:
        return "\t" if tabs >= semicolons else ";"
    return ","


# XLSX


def _read_xlsx(data: bytes) -> Generator[tuple, None, None]:
    _check_zip(data)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise _not_a_table() from error
    return _xlsx_rows(workbook)


def _xlsx_rows(workbook) -> Generator[tuple, None, None]:
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # don't trust the file's own idea of its size
        cells = 0
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # malformed worksheet XML
                raise _not_a_table() from error
            cells += max(len(row), 1)
            if cells > MAX_CELLS:
                raise _too_large()
            yield row
    finally:
        workbook.close()


def _check_zip(data: bytes, required: str = "[Content_Types].xml") -> None:
    """Refuse a ZIP that is not a workbook (it lacks ``required``) or that unpacks to too much (a zip bomb)."""
    try:
        check_package(data, manifest=required)
    except PackageError as error:
        raise (_too_large() if error.reason in PackageError.TOO_LARGE_REASONS else _not_a_table()) from error


class PackageError(ValueError):
    """Why a file is not an Office Open XML package we accept; ``reason`` is one of the names below."""

    NOT_ZIP = "not_zip"  # not a ZIP at all, or a damaged one
    NOT_PACKAGE = "not_package"  # a ZIP, but not Office Open XML (no [Content_Types].xml)
    NO_MAIN_PART = "no_main_part"  # a package, but not of the kind asked for (no word/document.xml, say)
    TOO_MANY_PARTS = "too_many_parts"
    TOO_LARGE = "too_large"  # unpacks to more than MAX_UNCOMPRESSED_BYTES
    OVERCOMPRESSED = "overcompressed"  # a part compressed more than MAX_COMPRESSION_RATIO: a zip bomb
    DTD = "dtd"  # an XML part declares a document type (entity expansion, external entities)
    UNREADABLE = "unreadable"  # a part cannot be read: encrypted, unknown compression, corrupt
    TOO_LARGE_REASONS = frozenset({TOO_MANY_PARTS, TOO_LARGE, OVERCOMPRESSED})

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_package(data: bytes, *, main_part: str | None = None, manifest: str = "[Content_Types].xml") -> None:
    """Raise PackageError unless ``data`` is an Office Open XML package (.xlsx, .docx, .pptx) safe to open,
    or with ``manifest="content.xml"`` an OpenDocument one (.ods).

    Checked with zipfile before any Office library sees the file: at most MAX_ZIP_ENTRIES parts,
    MAX_UNCOMPRESSED_BYTES in all, no part over RATIO_CHECK_ABOVE_BYTES compressed more than
    MAX_COMPRESSION_RATIO times, the ``manifest`` part and ``main_part`` if given, and no XML part
    with a document type declaration. zipfile stops reading an entry at its declared size (and then
    fails the CRC check), so the declared sizes in the central directory are a safe bound.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise PackageError(PackageError.NOT_ZIP) from error
    with archive:
        if len(entries) > MAX_ZIP_ENTRIES:
            raise PackageError(PackageError.TOO_MANY_PARTS)
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > RATIO_CHECK_ABOVE_BYTES and (
                entry.compress_size == 0 or entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise PackageError(PackageError.OVERCOMPRESSED)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise PackageError(PackageError.TOO_LARGE)
        names = {entry.filename for entry in entries}
        if manifest not in names:
            raise PackageError(PackageError.NOT_PACKAGE)
        if main_part is not None and main_part not in names:
            raise PackageError(PackageError.NO_MAIN_PART)
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                _check_xml_prolog(archive, entry)


# A part's prolog (XML declaration, comments, processing instructions) is read up to its first element.
XML_PROLOG_LIMIT = 64 * 1024


def _check_xml_prolog(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Refuse XML parts with a DTD (entity expansion, external entities): Office files never have one.

    A DTD can only come before the first element, but after any amount of comment: the prolog is read
    up to the first element, and a part whose first element is not within XML_PROLOG_LIMIT is refused.
    """
    try:
        with archive.open(entry) as part:
            head = part.read(XML_PROLOG_LIMIT)
    except Exception as error:  # encrypted entry, unsupported compression, corrupt data
        raise PackageError(PackageError.UNREADABLE) from error
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or _xml_prolog_declares(head, complete=entry.file_size <= len(head)):
        raise PackageError(PackageError.DTD)


def _xml_prolog_declares(head: bytes, *, complete: bool) -> bool:
    """Whether the XML before the first element declares anything (<!DOCTYPE ...>, in any letter case or
    encoding), or the first element is not in ``head`` although there is more to read."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    position, length = (1 if text.startswith("\ufeff") else 0), len(text)
    while position < length:
        if text[position].isspace():
            position += 1
        elif text.startswith("<?", position):
            end = text.find("?>", position + 2)
            if end < 0:
                return not complete
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            if end < 0:
                return not complete
            position = end + 3
        else:
            return text.startswith("<!", position)  # a declaration; anything else ends the prolog
    return not complete


# Workbooks: every sheet, as a grid of text (published statistics tables, not one table of records)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


@dataclass
class Sheet:
    """One sheet of a workbook: its name and its rows of text as a person sees them (row 1 first)."""

    name: str
    rows: list[list[str]]


def read_workbook(data: bytes, filename: str, *, max_bytes: int) -> list[Sheet]:
    """Every sheet of an Excel (.xlsx) or OpenDocument (.ods) workbook, or raise TableError.

    The same checks as ``read_table``: the size before parsing, the format by content, a ZIP inspected for
    bombs and XML parts with a DTD refused; an .ods is parsed without resolving entities or the network.
    """
    if not data:
        raise TableError(_("The file is empty."))
    if len(data) > max_bytes:
        raise TableError(_("The file is larger than %(limit)s.") % {"limit": human_size(max_bytes)})
    if not data.startswith(XLSX_MAGIC) or not _is_zip(data):
        raise TableError(_("The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet."))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "mimetype" in archive.namelist():
            with archive.open("mimetype") as part:
                is_ods = part.read(100).strip() == ODS_MIMETYPE
        else:
            is_ods = False
    try:
        _check_zip(data, required="content.xml" if is_ods else "[Content_Types].xml")
    except TableError as error:
        if error.message == _not_a_table().message:
            raise TableError(_("The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet.")) from error
        raise
    if is_ods:
        return _ods_sheets(data)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise TableError(_("The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet.")) from error
    sheets, cells = [], 0
    try:
        for worksheet in workbook.worksheets:
            worksheet.reset_dimensions()
            rows = []
            try:
                for row in worksheet.iter_rows(values_only=True):
                    cells += max(len(row), 1)
                    if cells > MAX_CELLS:
                        raise _too_large()
                    rows.append(_trimmed([_clean_value(_text(value)) for value in row]))
            except TableError:
                raise
            except Exception as error:  # malformed worksheet XML
                raise _not_a_table() from error
            sheets.append(Sheet(worksheet.title, _without_trailing_blank_rows(rows)))
    finally:
        workbook.close()
    return sheets


def _is_zip(data: bytes) -> bool:
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    return True


def _trimmed(values: list[str]) -> list[str]:
    while values and not values[-1]:
        values.pop()
    return values


def _without_trailing_blank_rows(rows: list[list[str]]) -> list[list[str]]:
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _ods_sheets(data: bytes) -> list[Sheet]:
    """The sheets of an .ods: rows and cells with their repeat counts, a cell's text as shown (its paragraphs,
    spaces and tabs), or its number where the text is empty. Repeats of empty rows and cells (a sheet's
    filler to its last row) are counted, never expanded, and everything is bounded by ``MAX_CELLS``."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise TableError(_("The file is not an OpenDocument (.ods) or Excel (.xlsx) spreadsheet.")) from error
    table_ns, text_ns, office_ns = (f"{{{_ODS[k]}}}" for k in ("table", "text", "office"))
    sheets, cells = [], 0
    for table in root.iter(f"{table_ns}table"):
        rows: list[list[str]] = []
        blank_rows = 0
        for row in table.iter(f"{table_ns}table-row"):
            row_repeat = int(row.get(f"{table_ns}number-rows-repeated", "1") or 1)
            values: list[str] = []
            blank_cells = 0
            for cell in row:
                if cell.tag not in (f"{table_ns}table-cell", f"{table_ns}covered-table-cell"):
                    continue
                repeat = int(cell.get(f"{table_ns}number-columns-repeated", "1") or 1)
                number = cell.get(f"{office_ns}value")
                if number is not None and cell.get(f"{office_ns}value-type") in ("float", "percentage", "currency"):
                    value = _text(float(number))
                else:
                    value = _clean_value(_ods_text(cell, text_ns))
                if not value:
                    blank_cells += repeat
                    continue
                cells += (blank_cells + repeat) * row_repeat
                if cells > MAX_CELLS:
                    raise _too_large()
                values += [""] * blank_cells + [value] * repeat
                blank_cells = 0
            if not values:
                blank_rows += row_repeat
                continue
            rows += [[] for _ in range(blank_rows)] + [list(values) for _ in range(row_repeat)]
            blank_rows = 0
            if len(rows) > MAX_CELLS:
                raise _too_large()
        sheets.append(Sheet(table.get(f"{table_ns}name", ""), rows))
    return sheets


def _ods_text(cell, text_ns: str) -> str:
    """A cell's paragraphs as text (its notes left out): spaces, tabs and line breaks as written."""
    def walk(element) -> str:
        parts = [element.text or ""]
        for child in element:
            if child.tag == f"{text_ns}s":
                parts.append(" " * int(child.get(f"{text_ns}c", "1") or 1))
            elif child.tag == f"{text_ns}tab":
                parts.append("\t")
            elif child.tag == f"{text_ns}line-break":
                parts.append("\n")
            elif isinstance(child.tag, str):
                parts.append(walk(child))
            parts.append(child.tail or "")
        return "".join(parts)

    return "\n".join(walk(p) for p in cell if p.tag in (f"{text_ns}p", f"{text_ns}h"))


# ---------------------------------------------------------------------------------------------
# Writing


def neutralise(value: Any) -> str:
    """Return ``value`` as text, prefixed with ``'`` if a spreadsheet could read it as a formula.

    Prefixes text that starts with = + - @ tab CR or NUL, or whose first non-space character is
    = + - @ (some programs trim spaces before evaluating). Negative numbers get the quote too:
    the simplest rule that is always safe.
    """
    text = _text(value)
    return "'" + text if _looks_like_formula(text) else text


def _looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_CHARACTERS) or text.lstrip().startswith(("=", "+", "-", "@"))


def _export_text(value: Any) -> str:
    """Text for an export cell: characters no spreadsheet can hold removed, then neutralised.

    The quote goes on if the text starts with a formula character before or after the removal,
    so "\\0x" and "\\x01=x" are both exported with a leading quote.
    """
    text = _text(value)
    cleaned = _XML_ILLEGAL_RE.sub("", text)
    return "'" + cleaned if _looks_like_formula(text) or _looks_like_formula(cleaned) else cleaned


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Return a UTF-8 CSV (with a BOM, so Excel reads it right) with a heading row of labels."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_export_text(c.label) for c in columns])
    for row in rows:
        writer.writerow([_export_text(row.get(c.key)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, sheet_title: str) -> bytes:
    """Return an .xlsx workbook: bold frozen headings, text as string cells, dates as date cells.

    Rows are streamed (openpyxl write-only mode); the first 100 size the column widths.
    Timezone-aware datetimes are written as their clock time (Excel has no time zones):
    convert them to local time first.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    rows = iter(rows)
    sample = list(islice(rows, 100))
    for position, column in enumerate(columns, start=1):
        longest = max(
            [len(_text(column.label))] + [max(map(len, _text(r.get(column.key)).splitlines() or [""])) for r in sample]
        )
        sheet.column_dimensions[_column_letter(position)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_export_text(column.label))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, WriteOnlyCell, row.get(c.key)) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, cell_class, value: Any):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return cell_class(sheet, value=value)
    if isinstance(value, int) and abs(value) >= EXCEL_MAX_EXACT_INTEGER:
        value = str(value)  # Excel keeps 15 significant digits: long reference numbers stay text
    elif isinstance(value, (int, Decimal)) or (isinstance(value, float) and math.isfinite(value)):
        return cell_class(sheet, value=value)
    if isinstance(value, dt.datetime):
        cell = cell_class(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, dt.date):
        cell = cell_class(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    cell = cell_class(sheet, value=_export_text(value))
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", _XML_ILLEGAL_RE.sub("", str(title)))
    cleaned = " ".join(cleaned.split()).strip("'").strip()[:31].strip()
    return cleaned or "Sheet1"
