"""Training coverage: people trained by sector, organisation, course and quarter, from head-counts and LMS completions.

Every figure is a database aggregate, so pages cost the same number of queries
whether the register holds a hundred rows or a hundred thousand.
"""
import datetime as dt
from collections import defaultdict

from django.db.models import BooleanField, Count, Sum, Value
from django.db.models.functions import TruncMonth

from prevent_hub.directory.choices import Sector
from prevent_hub.directory.models import Organisation
from prevent_hub.plans import schedule

from .models import Course, HeadCount, LmsCompletion


def _quarter(day: dt.date, year_start_month: int) -> str:
    return schedule.period_containing(day, year_start_month).label


def coverage(partnership, start: dt.date, end: dt.date, recorded_before=None) -> dict:
    """People trained between two dates, by sector, organisation, course and quarter (head-counts + completions).

    People count under the organisation they come from, and its sector (or, where it is not known, the
    sector recorded): a head-count's own organisation, never the session's host.

    ``recorded_before`` (a datetime) leaves out what was entered later, so a report as of a day says what
    was known that day.
    """
    # The session's partnership too, so the date range is looked up in this partnership's sessions only.
    counts = HeadCount.objects.filter(partnership=partnership, session__partnership=partnership,
                                      session__date__gte=start, session__date__lte=end)
    completions = LmsCompletion.objects.filter(partnership=partnership, completed_on__gte=start, completed_on__lte=end)
    if recorded_before is not None:
        counts = counts.filter(created_at__lt=recorded_before)
        completions = completions.filter(created_at__lt=recorded_before)
    # One grouped query per source; the four breakdowns are summed from its rows.
    # By month, not day: quarters are whole months, and a year of e-learning is thousands of days' rows.
    # A head-count's organisation and sector are its attendees' (where they work), not the session's host's.
    rows = [
        *counts.values_list("sector", "organisation", "session__course", TruncMonth("session__date"), "credited_to_host")
        .annotate(n=Sum("count")).order_by(),
        *completions.values_list("organisation__sector", "organisation", "course", TruncMonth("completed_on"),
                                 Value(False, output_field=BooleanField()))
        .annotate(n=Count("pk")).order_by(),
    ]
    by_sector: dict[str, int] = defaultdict(int)
    by_org: dict[int | None, int] = defaultdict(int)
    by_course: dict[int, int] = defaultdict(int)
    by_month: dict[dt.date, int] = defaultdict(int)
    credited_to_host = 0
    for sector, org_id, course_id, day, host, n in rows:
        by_sector[sector] += n
        by_org[org_id] += n
        by_course[course_id] += n
        by_month[day] += n
        credited_to_host += n if host else 0
    year_start_month = partnership.year_start_month
    by_quarter: dict[str, int] = {p.label: 0 for p in schedule.periods_between(start, end, year_start_month)}
    for day, n in by_month.items():
        by_quarter[_quarter(day, year_start_month)] = by_quarter.get(_quarter(day, year_start_month), 0) + n

    organisations = Organisation.objects.filter(partnership=partnership).select_related("partnership").order_by("name")
    courses = Course.objects.filter(partnership=partnership).select_related("partnership").order_by("name")
    org_rows = []
    for org in organisations:
        trained = by_org.get(org.pk, 0)
        if not trained and not org.is_specified_authority:
            continue
        # Counts are attendances and completions, not distinct people: someone trained twice counts twice,
        # so the share of the workforce is capped at 100%.
        percent = min(100, round(100 * trained / org.workforce_size)) if org.workforce_size else None
        org_rows.append({"organisation": org, "trained": trained, "coverage": percent})
    quarters = list(by_quarter.items())
    return {
        "start": start,
        "end": end,
        "total": sum(by_sector.values()),
        "sectors": [{"sector": label, "trained": by_sector.get(value, 0)} for value, label in Sector.choices],
        "organisations": org_rows,
        "courses": [{"course": c, "trained": by_course.get(c.pk, 0)} for c in courses],
        "quarters": [
            {"quarter": label, "trained": n, "change": (n - quarters[i - 1][1]) if i else None}
            for i, (label, n) in enumerate(quarters)
        ],
        "unassigned": by_org.get(None, 0),  # people whose organisation is not known (counted by sector)
        # From trainers' returns made before they named the attendees' organisation: under the host (migration 0004).
        "credited_to_host": credited_to_host,
    }


def quarters_chart(quarters: list[dict], title: str = "People trained per quarter"):
    """``coverage``'s quarters as a chart (core.charts)."""
    from prevent_hub.core.charts import simple

    return simple(title, [(q["quarter"], q["trained"], f"{q['trained']:,}") for q in quarters],
                  value_axis="People trained", category_axis="Quarter")


def sectors_chart(sectors: list[dict], title: str = "People trained by sector"):
    """``coverage``'s sectors as a chart (core.charts)."""
    from prevent_hub.core.charts import simple

    return simple(title, [(r["sector"], r["trained"], f"{r['trained']:,}") for r in sectors],
                  value_axis="People trained", category_axis="Sector")


def coverage_fingerprint(partnership) -> tuple:
    """The state of every table coverage is computed from (``core.caching.fingerprint``)."""
    from prevent_hub.core.caching import fingerprint

    from .models import TrainingSession

    return fingerprint(partnership.pk, [HeadCount, TrainingSession, LmsCompletion, Organisation, Course])


def authorities_without_training(partnership, as_of: dt.date) -> list[Organisation]:
    """Specified authorities with nobody trained in the last twelve months (seed action 3.5)."""
    since = as_of.replace(year=as_of.year - 1, day=28 if (as_of.month, as_of.day) == (2, 29) else as_of.day)
    trained = set(HeadCount.objects.filter(partnership=partnership, session__partnership=partnership,
                                           session__date__gt=since, session__date__lte=as_of)
                  .values_list("organisation", flat=True).distinct())
    trained |= set(LmsCompletion.objects.filter(partnership=partnership, completed_on__gt=since,
                                                completed_on__lte=as_of).values_list("organisation", flat=True)
                   .distinct())
    return list(Organisation.objects.filter(partnership=partnership, is_specified_authority=True)
                .exclude(pk__in=[pk for pk in trained if pk]).select_related("partnership").order_by("name"))
