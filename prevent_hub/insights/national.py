"""England and Wales figures from the Home Office's data tables ("Individuals referred to and supported
through the Prevent Programme": an .ods, sometimes an .xlsx, with one sheet per table), for the statistics
page's England and Wales column (docs/architecture.md, "Referral statistics").

Tables are found by what they say, not by sheet names, which change between releases: a sheet holds a
table of referrals by sector of referral, age, gender or type of concern when a heading row has, first,
a heading naming one of them ("Sector of referral") and then financial years ("April 2023 to March 2024",
"Year ending March 2024", "2023/24"); the rows below it are categories, down to a blank row. A sheet whose
title (the text above its heading row) speaks of Channel panels, adoptions or percentages is some other
count of the same categories and is passed over. Each row's label is matched to the year's categories
(labels and aliases in categories.json, footnote markers such as "[note 3]" dropped); a label of another
year's list (a table spanning the Home Office's changes) counts towards its group of the crosswalk.

Everything the file lacks or has wrong is reported together, naming the table and what is missing, and
nothing is kept unless every table was read.
"""
import re
from dataclasses import dataclass, field

from prevent_hub.core import tabular

from . import categories

MAX_BYTES = 20 * 1024 * 1024
DIMENSIONS = ("sector", "age", "gender", "concern")
WHAT = {"sector": "sector of referral", "age": "age", "gender": "gender", "concern": "type of concern"}
HEADINGS = {  # a table's first heading, as compared (categories.normalise)
    "sector": ("sector of referral", "referral sector", "sector", "referring sector", "sector of referrer"),
    "age": ("age", "age group", "age at referral", "age band", "age of individual", "age at time of referral"),
    "gender": ("gender", "sex"),
    "concern": ("type of concern", "concern type", "concern", "type of ideology", "ideology"),
}
# Counts of the same categories that are not referrals (or not counts).
NOT_REFERRALS = ("channel", "discussed", "adopted", "panel", "percentage", "proportion", "%", "rate per",
                 "outcome", "exit", "left")
TOTALS = {"total", "all", "all referrals", "total referrals", "england and wales", "all individuals",
          "total individuals", "all ages", "all sectors"}
NOT_AVAILABLE = {"[x]", "[z]", "[c]", "[u]", "[low]", "..", ".", "-", "–", "—", "x", "z", "c", "n/a", "na", ":", "*"}


class NationalTablesError(ValueError):
    """The file is not the Home Office's data tables for the year, or lacks something: every problem, each a
    sentence naming the table and what is missing."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass
class Found:
    dimension: str
    sheet: str
    title: str
    header_row: int  # as a person numbers rows (1 first)
    label_column: int
    years: dict  # financial year -> column
    rows: list = field(default_factory=list)  # (row number, label, {year: text})

    @property
    def name(self) -> str:
        return f"the table of referrals by {WHAT[self.dimension]} (sheet '{self.sheet}')"


def financial_year_of(text: str) -> int | None:
    """The financial year a column heading names, by the year it starts: "April 2023 to March 2024",
    "Year ending March 2024", "YE Mar 2024", "2023/24", "2023-24", "2023 to 2024". The heading must be that and
    no more (notes aside): a title that mentions years is not a heading."""
    text = re.sub(r"\[[^\]]*\]", "", str(text).lower())  # [note 2]
    text = re.sub(r"\((?:p|r|provisional|revised)\)", "", text)  # (provisional)
    text = " ".join(text.replace("\n", " ").split()).strip(" *")
    text = re.sub(r"^(?:financial year|fy)\s*", "", text)
    match = re.fullmatch(r"(?:year ending|ye|year to)\s*(?:31(?:st)?\s*)?(?:mar|march)\s*(\d{4})", text)
    if match:
        return int(match.group(1)) - 1
    match = re.fullmatch(r"(?:apr|april)\s*(\d{4})\s*(?:to|-|–)\s*(?:mar|march)\s*(\d{4})", text)
    if match and int(match.group(2)) == int(match.group(1)) + 1:
        return int(match.group(1))
    match = re.fullmatch(r"(\d{4})\s*(?:/|-|–|to)\s*(\d{2}|\d{4})", text)
    if match:
        start, end = int(match.group(1)), match.group(2)
        if (int(end) if len(end) == 4 else start // 100 * 100 + int(end)) == start + 1:
            return start
    return None


def label_of(text: str) -> str:
    """A row's label without footnote markers ("Other [note 3]", "Education (1)", "Police*", "Health²")."""
    text = re.sub(r"\[[^\]]*\]", "", str(text))
    text = re.sub(r"\(\d+\)\s*$", "", text)
    text = re.sub(r"[\*†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*$", "", text)
    text = re.sub(r"(?<=\d)\s*(?:-|–)\s*(?=\d)", " to ", text)  # "11-15" as "11 to 15"
    return " ".join(text.split())


def find_tables(sheets) -> dict[str, Found]:
    """The first table of referrals by each dimension, in workbook order."""
    found = {}
    for sheet in sheets:
        table = _table_in(sheet)
        if table is not None and table.dimension not in found:
            found[table.dimension] = table
    return found


def _table_in(sheet) -> Found | None:
    for index, row in enumerate(sheet.rows[:40]):
        years = {}
        for column, text in enumerate(row):
            year = financial_year_of(text) if text else None
            if year is not None:
                years.setdefault(year, column)
        if not years:
            continue
        label_column = next((c for c, text in enumerate(row) if text and financial_year_of(text) is None), None)
        if label_column is None or label_column > min(years.values()):
            return None
        title = " ".join(" ".join(cells) for cells in sheet.rows[:index]).lower()
        if any(word in title for word in NOT_REFERRALS):
            return None
        heading = categories.normalise(label_of(row[label_column]))
        dimension = next((d for d in DIMENSIONS if heading in HEADINGS[d]), None)
        if dimension is None:
            return None
        table = Found(dimension, sheet.name, title, index + 1, label_column, years)
        for number, cells in enumerate(sheet.rows[index + 1:], start=index + 2):
            label = cells[label_column] if label_column < len(cells) else ""
            if not label:
                break  # the table ends at a blank row (notes follow)
            table.rows.append((number, label, {year: cells[col] if col < len(cells) else ""
                                               for year, col in years.items()}))
        return table
    return None


def read(data: bytes, filename: str, year: int) -> dict:
    """The England and Wales figures for the financial year ``year`` in a Home Office data tables file:
    {"title": ..., "total": n, "<dimension>": {code or "basis:<group>": n, "total": n}}; or raise
    NationalTablesError (or tabular.TableError for a file that is not a spreadsheet)."""
    sheets = tabular.read_workbook(data, filename, max_bytes=MAX_BYTES)
    tables = find_tables(sheets)
    label = categories.financial_year_label(year)
    if not tables:
        raise NationalTablesError([
            "The file has none of the Home Office's tables of referrals by sector of referral, age, gender or type "
            "of concern. Each is a sheet with a heading row that names what its rows are (for example 'Sector of "
            "referral') and then has a column for each financial year (for example 'April 2023 to March 2024')."])
    problems = []
    missing = [WHAT[d] for d in DIMENSIONS if d not in tables]
    if missing:
        problems.append(f"The file has no table of referrals by {_and(missing, 'or')} (it has tables by "
                        f"{_and([WHAT[d] for d in DIMENSIONS if d in tables])}).")
    figures = {"title": _title(sheets, filename)}
    without_year = [table for table in tables.values() if year not in table.years]
    if without_year and len(without_year) == len(tables):  # the wrong year (or file): said once
        have = sorted({y for table in tables.values() for y in table.years})
        problems.append(f"The tables have no column for {label} (April {year} to March {year + 1}); they have "
                        f"{_span(have)}.")
    else:
        problems += [f"{_first_upper(table.name)} has no column for {label} (April {year} to March {year + 1}); "
                     f"it has {_span(sorted(table.years))}." for table in without_year]
    for dimension in DIMENSIONS:
        table = tables.get(dimension)
        if table is None or year not in table.years:
            continue
        counts, table_problems = _counts(table, year)
        problems += table_problems
        figures[dimension] = counts
    if problems:
        raise NationalTablesError(problems)
    totals = [figures[d].get("total") for d in DIMENSIONS if figures[d].get("total") is not None]
    if not totals:
        totals = [sum(v for k, v in figures["sector"].items() if k != "total")]
    figures["total"] = totals[0]
    return figures


def _counts(table: Found, year: int) -> tuple[dict, list[str]]:
    dim = categories.dimension(table.dimension)
    scheme = dim.scheme_for(year)
    label = categories.financial_year_label(year)
    counts, problems, unknown, total = {}, [], [], None
    for _number, text, values in table.rows:
        name = label_of(text)
        value = values[year].strip()
        if value.lower() in NOT_AVAILABLE or value == "":
            continue  # not available, not applicable or withheld: shown as "–"
        try:
            count = int(float(value.replace(",", "")))
        except ValueError:
            problems.append(f"In {table.name}, the row '{name}' has '{value}' for {label}, which is not a number.")
            continue
        if categories.normalise(name) in TOTALS:
            total = count
            continue
        category = scheme.match(name)
        if category is not None:
            counts[category.code] = counts.get(category.code, 0) + count
            continue
        # A category of another year's list (a table across the Home Office's changes): towards its group.
        other = next((c for s in dim.schemes for c in [s.match(name)] if c is not None), None)
        basis = other.basis if other else next((code for code, basis_label in dim.basis
                                                if categories.normalise(basis_label) == categories.normalise(name)),
                                               None)
        if basis is None:
            unknown.append(name)
            continue
        counts[f"basis:{basis}"] = counts.get(f"basis:{basis}", 0) + count
    if unknown:
        problems.append(f"{_first_upper(table.name)} has {'rows' if len(unknown) > 1 else 'a row'} "
                        f"{_and([repr(u) for u in unknown])} that {'are' if len(unknown) > 1 else 'is'} not "
                        f"{_article(dim.label.lower())} category of {label} or of any year's list. Expected: "
                        f"{', '.join(c.label for c in scheme.categories)}.")
    elif total is not None and sum(counts.values()) != total:
        problems.append(f"In {table.name}, the rows add up to {sum(counts.values()):,} for {label}, but its total "
                        f"is {total:,}.")
    if total is not None:
        counts["total"] = total
    return counts, problems


def _title(sheets, filename: str) -> str:
    """The release's name: the cover sheet's first line where it names the programme, else the file's name."""
    for sheet in sheets[:2]:
        for row in sheet.rows[:5]:
            for text in row:
                if "prevent" in text.lower():
                    return " ".join(text.split())[:300]
    return filename[:300]


def _span(years: list[int]) -> str:
    first, last = categories.financial_year_label(years[0]), categories.financial_year_label(years[-1])
    return first if first == last else f"{first} to {last}"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
