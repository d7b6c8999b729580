"""The statistics a partnership sees for one financial year, built from three sources:

- referral records imported from another case system (``Referral``);
- this product's Channel cases, through the Channel de-identified feed;
- monthly counts typed in by hand (``MonthlyCount``), which add to totals but have no breakdowns.

Counting happens in the database, a fixed number of queries however many referrals there are.
Every table is then shown through ``disclosure.show``: protected unless the reader is on the case team.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F
from django.db.models.functions import ExtractMonth

from prevent_hub.core.permissions import has_perm

from . import categories
from .disclosure import Shown, Table, show
from .models import MonthlyCount, Referral

MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]  # a financial year's months in order
MONTH_NAMES = {m: dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)}
BREAKDOWNS = (("sector", "Sector of referral"), ("age_band", "Age at referral"), ("gender", "Gender"),
              ("concern", "Type of concern"), ("district", "District"))
DIMENSION_OF = {"sector": "sector", "age_band": "age", "gender": "gender", "concern": "concern"}
BY_HAND = "Counted by month only (no breakdown)"


def sees_unsuppressed(user, partnership) -> bool:
    """Users with case access see the partnership's own figures in full; everyone else sees them protected."""
    return has_perm(user, "channel.view_all_cases", partnership)


def threshold() -> int:
    return settings.STATS_SUPPRESSION_THRESHOLD


def _sources(partnership):
    """Both sources of referral-level records, with the same field names."""
    from prevent_hub.channel.selectors import deidentified_queryset

    imported = (Referral.objects.filter(partnership=partnership)
                .annotate(month=ExtractMonth("referral_date"), stage_reached=F("stage")))
    return [imported, deidentified_queryset(partnership)]


def _count(querysets, group: tuple, **filters) -> Counter:
    counts = Counter()
    for queryset in querysets:
        for row in queryset.filter(**filters).values(*group).annotate(n=Count("pk")).order_by():
            counts[tuple(row[name] for name in group)] += row["n"]
    return counts


@dataclass
class Report:
    partnership: object
    year: int
    unsuppressed: bool
    threshold: int
    tables: list[Shown] = field(default_factory=list)
    funnel: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    charts: dict = field(default_factory=dict)
    national_release: str = ""

    @property
    def year_label(self) -> str:
        return categories.financial_year_label(self.year)

    def table(self, key) -> Shown:
        return next(t for t in self.tables if t.key == key)

    def as_dict(self) -> dict:
        return {"partnership": self.partnership.slug, "financial_year": self.year_label,
                "suppressed": not self.unsuppressed, "threshold": self.threshold,
                "tables": [t.as_dict() for t in self.tables], "funnel": self.funnel, "changes": self.changes,
                "national_source": self.national_release}


def statistics_report(partnership, year: int, *, unsuppressed: bool) -> Report:
    """Every table the statistics page shows for the financial year starting in April ``year``."""
    t = threshold()
    hide = not unsuppressed
    sources = _sources(partnership)
    dims = categories.dimensions()
    report = Report(partnership, year, unsuppressed, t)
    national = categories.national_figures().get(year, {})
    report.national_release = national.get("release", "")
    national_figures = national.get("figures", {})

    # One query per source: months and stages, this year and last (monthly grid, quarters, funnel).
    by_month = _count(sources, ("financial_year", "month", "stage_reached"), financial_year__in=(year - 1, year))
    hand = {(c.month.year if c.month.month >= 4 else c.month.year - 1, c.month.month): c
            for c in MonthlyCount.objects.filter(partnership=partnership)}
    months = {fy: {m: sum(n for (y, mm, _), n in by_month.items() if y == fy and mm == m)
                   + (hand[(fy, m)].referrals if (fy, m) in hand else 0) for m in MONTHS} for fy in (year - 1, year)}

    grids = {}
    for fy in (year - 1, year):
        grids[fy] = show(Table(
            key=f"months_{fy}", title=f"Referrals by month, {categories.financial_year_label(fy)}",
            row_labels=[f"Q{q} ({', '.join(MONTH_NAMES[m][:3] for m in MONTHS[3 * (q - 1):3 * q])})" for q in range(1, 5)],
            col_labels=["1st month", "2nd month", "3rd month"],
            cells=[[months[fy][m] for m in MONTHS[3 * (q - 1):3 * q]] for q in range(1, 5)], row_header="Quarter"),
            t, hide_small=hide)
    report.tables.append(grids[year])
    report.tables.append(grids[year - 1])
    report.changes = _changes(grids[year], grids[year - 1])

    # The funnel: referrals, discussed at a panel (including those adopted), adopted.
    stages = Counter()
    for (fy, _, stage), n in by_month.items():
        if fy == year:
            stages[stage] += n
    total = sum(months[year].values())
    discussed = stages["discussed_at_panel"] + stages["adopted"] + sum(
        c.discussed_at_panel for (fy, _), c in hand.items() if fy == year)
    adopted = stages["adopted"] + sum(c.adopted for (fy, _), c in hand.items() if fy == year)
    funnel = show(Table(key="funnel", title="From referral to Channel support", row_labels=[
        "Referrals", "Discussed at a Channel panel", "Adopted as a Channel case"], col_labels=["Referrals"],
        cells=[[total], [discussed], [adopted]], row_header="Stage", with_totals=False), t, hide_small=hide)
    report.tables.append(funnel)
    report.funnel = _funnel(funnel, national_figures)

    # One query per source: every breakdown of this year at once.
    groups = _count(sources, ("sector", "age_band", "gender", "concern", "district"), financial_year=year)
    by_hand_total = sum(c.referrals for (fy, _), c in hand.items() if fy == year)
    for key, title in BREAKDOWNS:
        counts = Counter()
        for values, n in groups.items():
            counts[values[[k for k, _ in BREAKDOWNS].index(key)]] += n
        if key in DIMENSION_OF:
            dim = dims[DIMENSION_OF[key]]
            scheme = dim.scheme_for(year)
            codes = [c.code for c in scheme.categories] + sorted(code for code in counts if scheme.get(code) is None)
            labels = [dim.category_label(code, year) for code in codes]
        else:
            codes = sorted(counts, key=lambda d: (-counts[d], d or ""))
            labels = [code or "Not recorded" for code in codes]
        cells = [[counts.get(code, 0)] for code in codes]
        if by_hand_total:
            labels.append(BY_HAND)
            cells.append([by_hand_total])
        notes = [f"Categories as the Home Office used them in {report.year_label}."] if key in DIMENSION_OF else []
        shown = show(Table(key=key, title=f"{title}, {report.year_label}", row_labels=labels, col_labels=["Referrals"],
                           cells=cells, row_header=title, notes=notes), t, hide_small=hide)
        shown.national = _national_shares(shown, codes, DIMENSION_OF.get(key), national_figures)
        report.tables.append(shown)

    # The series on the consistent basis, every year on record: one query per source.
    series = _count(sources, ("financial_year", "concern"))
    known = {fy for fy, _ in series} | {fy for fy, _ in hand} | {year}
    years = list(range(min(known), max(known) + 1))  # a year with no referrals is a zero, not a gap
    concern = dims["concern"]
    basis_codes = [code for code, _ in concern.basis]
    cells = []
    for fy in years:
        row = Counter()
        for (y, code), n in series.items():
            if y == fy:
                row[concern.basis_of(code, fy)] += n
        hand_n = sum(c.referrals for (y, _), c in hand.items() if y == fy)
        cells.append([row.get(code, 0) for code in basis_codes] + ([hand_n] if hand else []))
    report.tables.append(show(Table(
        key="series", title="Referrals by type of concern, every year on one basis",
        row_labels=[categories.financial_year_label(fy) for fy in years],
        col_labels=[concern.basis_label_of(code) for code in basis_codes] + (["Counted by month only"] if hand else []),
        cells=cells, row_header="Financial year",
        notes=["Each year's categories are mapped to these groups (see the user guide), so years before and after "
               "the Home Office's changes of category can be compared."]), t, hide_small=hide))
    return report


def _changes(this_year: Shown, last_year: Shown) -> list[dict]:
    """Quarter on quarter and year on year, worked out only from figures that are shown."""
    def pct(new, old):
        if new is None or old is None or old == 0:
            return None
        return round(100 * (new - old) / old, 1)

    rows = []
    for q in range(4):
        current, year_ago = this_year.value(q, 3), last_year.value(q, 3)
        previous = this_year.value(q - 1, 3) if q else last_year.value(3, 3)
        rows.append({"quarter": f"Q{q + 1}", "referrals": this_year.display[q][3], "year_ago": last_year.display[q][3],
                     "quarter_on_quarter": pct(current, previous), "year_on_year": pct(current, year_ago)})
    return rows


def _funnel(funnel: Shown, national: dict) -> list[dict]:
    referrals = funnel.value(0, 0)
    national_total = national.get(("total", "total"), {}).get("count")
    result = []
    for row, code in enumerate(("total", "discussed_at_panel", "adopted")):
        value = funnel.value(row, 0)
        share = round(100 * value / referrals, 1) if value is not None and referrals else None
        figure = national.get(("total", "total") if code == "total" else ("stage", code))
        national_share = round(100 * figure["count"] / national_total, 1) if figure and national_total else None
        result.append({"stage": funnel.row_labels[row], "count": funnel.display[row][0], "share": share,
                       "national_share": national_share, "national_source": figure["source"] if figure else ""})
    return result


def _national_shares(shown: Shown, codes: list, dimension: str | None, national: dict) -> list:
    """England and Wales share per row, where the Home Office's figures for that category are on file."""
    total = national.get(("total", "total"), {}).get("count")
    shares = []
    for code in codes:
        figure = national.get((dimension, code)) if dimension else None
        shares.append(round(100 * figure["count"] / total, 1) if figure and total else None)
    return shares + [None] * (len(shown.row_labels) - len(shares))


def years_on_record(partnership) -> list[int]:
    """Financial years with any referral, newest first (for the year picker)."""
    from prevent_hub.channel.selectors import deidentified_queryset

    years = set(Referral.objects.filter(partnership=partnership).values_list("financial_year", flat=True).distinct())
    years |= set(deidentified_queryset(partnership).values_list("financial_year", flat=True).distinct())
    years |= {categories.financial_year(m) for m in MonthlyCount.objects.filter(partnership=partnership)
              .values_list("month", flat=True)}
    return sorted(years, reverse=True)

