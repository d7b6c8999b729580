"""The schedule engine: reporting periods, and each action's check-points from its structured timescale.

Everything here is a pure function of dates, so the dashboard, the tests and
retrospective reports can ask "where did things stand on 15 January 2018?".
A check-point is a date by which something should have happened: a due date,
or one occurrence of a cadence (each quarterly newsletter, each monthly session).
"""
import calendar
import datetime as dt
from dataclasses import dataclass

from .choices import Cadence, TimescaleKind

DUE_SOON_DAYS = 30
# The last month of each season, for "every spring" and the like.
SEASON_END_MONTH = {"spring": 5, "summer": 8, "autumn": 11, "winter": 2}
# School terms end in December, at Easter (April) and in July.
TERM_END_MONTHS = (12, 4, 7)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter of the partnership's year."""

    start: dt.date
    end: dt.date
    number: int  # 1–4 within the partnership's year
    year_start: int  # calendar year the partnership's year starts in
    calendar_year: bool = False  # the partnership's year is January to December

    @property
    def label(self) -> str:
        if self.calendar_year:
            return f"Q{self.number} {self.year_start}"
        return f"Q{self.number} {self.year_start}/{str(self.year_start + 1)[-2:]}"

    def __str__(self):
        return f"{self.label} ({self.start:%-d %b %Y} – {self.end:%-d %b %Y})"


def period_containing(day: dt.date, year_start_month: int = 4) -> Period:
    offset = (day.month - year_start_month) % 12
    year_start = day.year if day.month >= year_start_month else day.year - 1
    first_month = add_months(dt.date(year_start, year_start_month, 1), (offset // 3) * 3)
    last = add_months(first_month, 2)
    return Period(start=first_month, end=month_end(last.year, last.month), number=offset // 3 + 1, year_start=year_start,
                  calendar_year=year_start_month == 1)


def periods_between(start: dt.date, end: dt.date, year_start_month: int = 4) -> list[Period]:
    periods, day = [], start
    while day <= end:
        period = period_containing(day, year_start_month)
        periods.append(period)
        day = period.end + dt.timedelta(days=1)
    return periods


def version_window(year_start: int | None, year_start_month: int = 4) -> tuple[dt.date, dt.date] | None:
    """The partnership year a plan version covers, e.g. 1 April 2017 – 31 March 2018."""
    if not year_start:
        return None
    start = dt.date(year_start, year_start_month, 1)
    end = add_months(start, 11)
    return start, month_end(end.year, end.month)


@dataclass(frozen=True)
class Checkpoint:
    date: dt.date
    label: str
    recurring: bool = False


def checkpoints(timescales, window_start: dt.date, window_end: dt.date, year_start_month: int = 4) -> list[Checkpoint]:
    """Every check-point of an action's timescale parts that falls in the window, in date order."""
    found: list[Checkpoint] = []
    for part in timescales:
        kind = part.kind
        if kind in (TimescaleKind.DUE, TimescaleKind.TARGET) and part.due_date:
            found.append(Checkpoint(part.due_date, part.text))
        elif kind == TimescaleKind.START and part.start_date:
            # "Roll out from September 2017": by the end of that month it should have begun.
            found.append(Checkpoint(month_end(part.start_date.year, part.start_date.month), part.text))
        elif kind == TimescaleKind.CADENCE:
            found.extend(
                Checkpoint(day, part.text, recurring=True)
                for day in occurrences(part.cadence, part.season, part.start_date or window_start, window_end, year_start_month)
            )
    return sorted((c for c in found if window_start <= c.date <= window_end), key=lambda c: c.date)


def occurrences(cadence: str, season: str, start: dt.date, end: dt.date, year_start_month: int) -> list[dt.date]:
    """The dates by which each occurrence of a cadence is due, from ``start`` to ``end``."""
    days: list[dt.date] = []
    if cadence == Cadence.WEEKLY or cadence == Cadence.FORTNIGHTLY:
        step = dt.timedelta(days=7 if cadence == Cadence.WEEKLY else 14)
        day = start + step - dt.timedelta(days=1)
        while day <= end:
            days.append(day)
            day += step
        return days
    if cadence == Cadence.MONTHLY:
        months = 1
    elif cadence == Cadence.QUARTERLY:
        return [p.end for p in periods_between(start, end, year_start_month)]
    elif cadence == Cadence.BIANNUAL:
        months = 6
    elif cadence == Cadence.TERMLY:
        month = dt.date(start.year, start.month, 1)
        while month <= end:
            if month.month in TERM_END_MONTHS:
                days.append(month_end(month.year, month.month))
            month = add_months(month, 1)
        return days
    elif cadence == Cadence.ANNUAL:
        if season:
            season_month = SEASON_END_MONTH[season]
            month = dt.date(start.year, start.month, 1)
            while month <= end:
                if month.month == season_month:
                    days.append(month_end(month.year, month.month))
                month = add_months(month, 1)
            return days
        months = 12
    else:
        return days
    # Every N months from the start month: each occurrence is due by the end of its span
    # (a monthly task by the end of that month, a twice-yearly one by the end of six months).
    month = add_months(dt.date(start.year, start.month, 1), months - 1)
    while month <= end:
        days.append(month_end(month.year, month.month))
        month = add_months(month, months)
    return days


@dataclass
class ScheduleState:
    """Where one action stands on a given day."""

    overdue: list[Checkpoint]
    due_soon: list[Checkpoint]
    next_due: Checkpoint | None
    ongoing: bool


def schedule_state(timescales, done_dates: set[dt.date], *, as_of: dt.date, window: tuple[dt.date, dt.date],
                   year_start_month: int = 4, tracking_from: dt.date | None = None) -> ScheduleState:
    """Overdue and due-soon check-points of an action on ``as_of``.

    A check-point marked done (or missed: already dealt with) is not overdue. Check-points
    before ``tracking_from`` (the day the plan was issued) were never asked for. For a
    cadence only its latest past occurrence can be overdue: older ones are history.
    """
    start, end = window
    points = [c for c in checkpoints(timescales, start, end, year_start_month)
              if tracking_from is None or c.date >= tracking_from]
    past = [c for c in points if c.date < as_of]
    latest_recurring: dict[str, Checkpoint] = {}
    for point in past:
        if point.recurring:
            latest_recurring[point.label] = point  # dates ascend, so the last one wins
    overdue = [c for c in past if not c.recurring] + list(latest_recurring.values())
    overdue = [c for c in overdue if c.date not in done_dates]
    soon_until = as_of + dt.timedelta(days=DUE_SOON_DAYS)
    upcoming = [c for c in points if as_of <= c.date and c.date not in done_dates]
    due_soon = [c for c in upcoming if c.date <= soon_until]
    # For a cadence, only its next occurrence is "due soon".
    seen_labels, first_soon = set(), []
    for point in due_soon:
        if point.recurring and point.label in seen_labels:
            continue
        seen_labels.add(point.label)
        first_soon.append(point)
    ongoing = any(t.kind == TimescaleKind.ONGOING for t in timescales)
    return ScheduleState(overdue=sorted(overdue, key=lambda c: c.date), due_soon=first_soon,
                         next_due=upcoming[0] if upcoming else None, ongoing=ongoing)
