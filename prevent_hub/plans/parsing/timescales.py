"""Read a plan's "Timescale" cell into structure, keeping the words as written.

One cell can hold several things: "Pilot session in August 2017 – roll out from
September 2017" is a due date and a start; "Annual review ... Quarterly
monitoring ..." is two cadences; "July 2018 (Last reviewed in July 2017)" is a
due date and a piece of history. A month on its own means its last day.
"""
import calendar
import datetime as dt
import re

from ..choices import Cadence, TimescaleKind
from .schema import ParsedTimescale

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {calendar.month_name[number].lower(), calendar.month_abbr[number].lower()}
}
MONTHS["sept"] = 9
_MONTH = r"(?P<month>%s)\.?" % "|".join(sorted(MONTHS, key=len, reverse=True))
MONTH_YEAR = re.compile(rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.I)

CADENCE_WORDS = [
    (Cadence.BIANNUAL, r"bi-?annual(?:ly)?|twice (?:a|per) year|six[- ]monthly|half[- ]yearly"),
    (Cadence.FORTNIGHTLY, r"fortnightly|every (?:two|2) weeks"),
    (Cadence.WEEKLY, r"weekly|every week"),
    (Cadence.MONTHLY, r"monthly|every month"),
    (Cadence.QUARTERLY, r"quarterly|every quarter"),
    (Cadence.TERMLY, r"termly|every term|each term"),
    (Cadence.ANNUAL, r"annual(?:ly)?|yearly|every year|each year"),
]
CADENCE = re.compile("|".join(f"(?P<{c.value}>\\b(?:{words})\\b)" for c, words in CADENCE_WORDS), re.I)
SEASON = re.compile(r"\bevery (?P<season>spring|summer|autumn|winter)\b", re.I)
ONGOING = re.compile(r"\b(ongoing|on-going|regular(?:ly)?|as required|continuous(?:ly)?)\b", re.I)
FROM = re.compile(r"\b(?:from|starting|beginning|commencing)\s+(?:in\s+)?$", re.I)
HISTORY = re.compile(r"^\s*\(?\s*(last|previous(?:ly)?|first)\b", re.I)
TARGET = re.compile(r"\b(?P<count>\d+)\s+(?P<unit>[a-z]+(?:\s[a-z]+)?)\s+(?:delivered|held|completed|run)\b", re.I)
# Where one cell holds two statements: a dash, brackets, or a capitalised cadence word mid-sentence.
SPLIT = re.compile(r"\s+[–—-]\s+|\s*[()]\s*|(?<=[a-z])\s+(?=(?:%s)\b)" % "|".join(
    w.title() for w in ("weekly", "monthly", "quarterly", "termly", "annual", "annually", "bi-annual")
))


# 2018-03-31 (a date cell from a spreadsheet) or 31/03/2018 (UK order).
NUMERIC_DATE = re.compile(r"\b(?:(?P<iy>(?:19|20)\d\d)-(?P<im>\d{1,2})-(?P<id>\d{1,2})|(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>(?:19|20)\d\d))\b")


def _numeric_date(match: re.Match) -> dt.date | None:
    year, month, day = (match["iy"], match["im"], match["id"]) if match["iy"] else (match["y"], match["m"], match["d"])
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _date(match: re.Match, *, start: bool) -> dt.date | None:
    """The date a match names, or None for an impossible one ("31 June 2018")."""
    year, month = int(match["year"]), MONTHS[match["month"].lower().rstrip(".")]
    if match["day"]:
        try:
            return dt.date(year, month, int(match["day"]))
        except ValueError:
            return None
    return dt.date(year, month, 1) if start else month_end(year, month)


def parse_timescale(text: str) -> list[ParsedTimescale]:
    """Return the parts of a timescale cell, in the order written. Empty text gives no parts."""
    text = " ".join((text or "").split())
    if not text:
        return []
    parts: list[ParsedTimescale] = []
    for clause in (c.strip(" ;,.") for c in SPLIT.split(text) if c and c.strip(" ;,.")):
        parts.extend(_parse_clause(clause))
    _attach_starts_to_cadences(parts)
    _attach_seasons_to_cadences(parts)
    return parts or [ParsedTimescale(kind=TimescaleKind.UNPARSED, text=text, uncertain=True)]


def _parse_clause(clause: str) -> list[ParsedTimescale]:
    if HISTORY.match(clause):
        dates = list(MONTH_YEAR.finditer(clause))
        date = _date(dates[-1], start=True) if dates else None  # None: flagged for a person to check
        return [ParsedTimescale(kind=TimescaleKind.HISTORY, text=clause, start_date=date, uncertain=date is None)]
    found: list[ParsedTimescale] = []
    cadences = list(CADENCE.finditer(clause))
    for match, label in zip(cadences, _cadence_labels(clause, cadences)):
        cadence = next(name for name, value in match.groupdict().items() if value)
        found.append(ParsedTimescale(kind=TimescaleKind.CADENCE, text=label, cadence=cadence))
    season = SEASON.search(clause)
    if season:
        if found:
            found[-1].season = season["season"].lower()
        else:
            found.append(ParsedTimescale(kind=TimescaleKind.CADENCE, text=clause, cadence=Cadence.ANNUAL,
                                         season=season["season"].lower()))
    for match in [*MONTH_YEAR.finditer(clause), *NUMERIC_DATE.finditer(clause)]:
        is_start = bool(FROM.search(clause[: match.start()]))
        date = _date(match, start=is_start) if "month" in match.re.groupindex else _numeric_date(match)
        if date is None:
            found.append(ParsedTimescale(kind=TimescaleKind.UNPARSED, text=clause, uncertain=True))
            continue
        target = TARGET.search(clause[: match.start()])
        if is_start:
            found.append(ParsedTimescale(kind=TimescaleKind.START, text=clause, start_date=date))
        elif target:
            found.append(ParsedTimescale(kind=TimescaleKind.TARGET, text=clause, due_date=date,
                                         count=int(target["count"]), unit=target["unit"].lower()))
        else:
            found.append(ParsedTimescale(kind=TimescaleKind.DUE, text=clause, due_date=date))
    if not found and ONGOING.search(clause):
        found.append(ParsedTimescale(kind=TimescaleKind.ONGOING, text=clause))
    if not found:
        # Words that belong to the statement before ("Summary reported to ...") are kept there.
        return [ParsedTimescale(kind=TimescaleKind.UNPARSED, text=clause, uncertain=True)]
    return found


SENTENCE_START = re.compile(r"(?<=[a-z])\s+(?=[A-Z])")


def _cadence_labels(clause: str, cadences: list[re.Match]) -> list[str]:
    """Give each cadence in a run-on clause its own words.

    'Monthly data collection Summary reported to the Group quarterly' becomes
    'Monthly data collection' and 'Summary reported to the Group quarterly'.
    """
    if len(cadences) < 2:
        return [clause] * len(cadences)
    cuts = [0]
    for first, second in zip(cadences, cadences[1:]):
        between = list(SENTENCE_START.finditer(clause, first.end(), second.start()))
        cuts.append(between[0].end() if between else cuts[-1])
    cuts.append(len(clause))
    labels = [clause[a:b].strip() for a, b in zip(cuts, cuts[1:])]
    return [label or clause for label in labels]


def _attach_starts_to_cadences(parts: list[ParsedTimescale]) -> None:
    """'Bi-annual meetings from November 2017' is one cadence that starts then, not two things."""
    for index, part in enumerate(parts):
        if part.kind != TimescaleKind.START:
            continue
        cadence = next((p for p in reversed(parts[:index]) if p.kind == TimescaleKind.CADENCE and p.text in part.text), None)
        if cadence is not None and cadence.start_date is None:
            cadence.start_date = part.start_date
            part.kind = ""  # merged
    parts[:] = [p for p in parts if p.kind]


def _attach_seasons_to_cadences(parts: list[ParsedTimescale]) -> None:
    """'Annually - every spring' is one annual cadence in spring."""
    merged: list[ParsedTimescale] = []
    for part in parts:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and part.kind == previous.kind == TimescaleKind.CADENCE
            and part.season and not previous.season
            and part.cadence == previous.cadence == Cadence.ANNUAL
        ):
            previous.season = part.season
            previous.text = f"{previous.text} – {part.text}"
            continue
        merged.append(part)
    parts[:] = merged
