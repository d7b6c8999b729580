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
from pathlib import Path

from django.conf import settings
from django.db.models import Count, F
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from prevent_hub.core.dates import end_of_day
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


def _sources(partnership, as_of=None, recorded_before=None):
    """Both sources of referral-level records, with the same field names; with ``as_of``, only referrals
    made by that day and recorded by its end, or by ``recorded_before`` when given (so a report of a
    past period made today counts what was entered since about it, and one made as known on a past
    day can be made again)."""
    from prevent_hub.channel.selectors import deidentified_queryset

    imported = (Referral.objects.filter(partnership=partnership)
                .annotate(month=ExtractMonth("referral_date"), stage_reached=F("stage")))
    channel = deidentified_queryset(partnership)
    if as_of is not None:
        end = recorded_before or end_of_day(as_of)
        imported = imported.filter(referral_date__lte=as_of, created_at__lt=end)
        channel = channel.filter(received_on__lte=as_of, created_at__lt=end)
    return [imported, channel]



def district_name(text) -> str:
    """Districts are typed by people: "rugby " and "Rugby" are one district."""
    return " ".join(str(text or "").split()).title()


def _count(querysets, group: tuple, **filters) -> Counter:
    counts = Counter()
    for queryset in querysets:
        for row in queryset.filter(**filters).values(*group).annotate(n=Count("pk")).order_by():
            counts[tuple(district_name(row[name]) if name == "district" else row[name] for name in group)] += row["n"]
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


# Bump when the report's contents or rules change, so no report cached by older code is served.
REPORT_CACHE_SCHEMA = 1


def statistics_report(partnership, year: int, *, unsuppressed: bool, as_of=None, recorded_before=None,
                      key: tuple | None = None) -> Report:
    """Every table the statistics page shows for the financial year starting in April ``year``
    (as it stood at the end of ``as_of``, if given; counting what was recorded by ``recorded_before``
    instead of by the end of that day, when given).

    The report is cached under a fingerprint of everything it is computed from, so a cached report is
    served only while none of its sources has changed: at national scale this saves a dozen grouped
    queries over tens of thousands of rows and the disclosure checks on every page view. ``key`` is
    ``report_key`` for the same arguments, when the caller has it already.
    """
    from prevent_hub.core.caching import get_or_build

    report = get_or_build("insights:report", key or report_key(partnership, year, unsuppressed=unsuppressed, as_of=as_of,
                                                                recorded_before=recorded_before),
                          lambda: _statistics_report(partnership, year, unsuppressed=unsuppressed, as_of=as_of,
                                                     recorded_before=recorded_before))
    report.partnership = partnership  # the current record, not the pickled copy
    return report


def report_key(partnership, year: int, *, unsuppressed: bool, as_of=None, recorded_before=None) -> tuple:
    """What a report is cached under: its arguments, the settings and code it depends on, its sources' fingerprint."""
    return (REPORT_CACHE_SCHEMA, _inputs_version(), partnership.pk, year, unsuppressed, as_of, recorded_before,
            threshold(), _fingerprint(partnership))


def _inputs_version() -> str:
    """The category lists, the national figures and the code that turns records into a report, as deployed:
    a release that changes any of them (a disclosure fix, say) changes every key."""
    from prevent_hub.channel import selectors as channel_selectors
    from prevent_hub.core.caching import code_digest

    from . import disclosure

    return code_digest(categories.DATA / "categories.json", categories.DATA / "national.json", Path(__file__),
                       disclosure, categories, channel_selectors)


def _fingerprint(partnership) -> tuple:
    """The write counts of every source (``core.caching.fingerprint``), and the panel listings whose meeting
    has started as they stand now: a case counts as discussed once its panel has met, with no write."""
    from prevent_hub.channel.models import Case, PanelDecisionRecord, PanelListing
    from prevent_hub.core.caching import fingerprint
    from prevent_hub.governance.models import Meeting

    return fingerprint(partnership.pk, [
        Referral, MonthlyCount, Case, PanelDecisionRecord, PanelListing, Meeting,
        PanelListing.objects.filter(partnership=partnership, meeting__starts_at__lte=timezone.now()),
    ])


def _statistics_report(partnership, year: int, *, unsuppressed: bool, as_of=None, recorded_before=None) -> Report:
    t = threshold()
    hide = not unsuppressed
    sources = _sources(partnership, as_of, recorded_before)
    dims = categories.dimensions()
    report = Report(partnership, year, unsuppressed, t)
    national = categories.national_figures().get(year, {})
    report.national_release = national.get("release", "")
    national_figures = national.get("figures", {})

    # One query per source: months and stages, this year and last (monthly grid, quarters, funnel).
    by_month = _count(sources, ("financial_year", "month", "stage_reached"), financial_year__in=(year - 1, year))
    hand = {(c.month.year if c.month.month >= 4 else c.month.year - 1, c.month.month): c
            for c in MonthlyCount.objects.filter(partnership=partnership, **(
                {"month__lte": as_of, "created_at__lt": recorded_before or end_of_day(as_of)} if as_of else {}))}
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
    # Every district the partnership has ever recorded, in alphabetical order, so that a district's
    # row (or its place in the list) never says it had referrals this year.
    districts = sorted(set(_count(_sources(partnership), ("district",)).keys()) - {("",)})
    for key, title in BREAKDOWNS:
        counts = Counter()
        for values, n in groups.items():
            code = values[[k for k, _ in BREAKDOWNS].index(key)]
            counts[dims[DIMENSION_OF[key]].fit(code, year) if key in DIMENSION_OF else code] += n
        if key in ("concern", "age_band"):
            continue  # below, with the series they share their groups with
        if key in DIMENSION_OF:
            codes, labels = _categories(dims[DIMENSION_OF[key]], year, counts)
        else:
            codes = [d for (d,) in districts] + [""]
            labels = [code or "Not recorded" for code in codes]
        notes = [f"Categories as the Home Office used them in {report.year_label}."] if key in DIMENSION_OF else []
        shown = show(_breakdown(key, f"{title}, {report.year_label}", title, codes, labels, counts, by_hand_total, notes),
                     t, hide_small=hide)
        shown.national = _national_shares(shown, codes, DIMENSION_OF.get(key), national_figures)
        report.tables.append(shown)

    # Age and type of concern, each year with subtotals for the groups that are comparable across
    # years; each series shows those subtotals exactly as each year's own table shows them, so putting
    # the two side by side gives nothing away. One query per source and dimension for every year.
    for key, dim_name in (("age_band", "age"), ("concern", "concern")):
        dim = dims[dim_name]
        by_year = Counter()
        for (fy, code), n in _count(sources, ("financial_year", key)).items():
            by_year[(fy, dim.fit(code, fy))] += n
        data_years = {fy for fy, _ in by_year} | {fy for fy, _ in hand}
        years = list(range(min(data_years), max(data_years) + 1)) if data_years else []  # a gap year is zeros
        tables = {}
        for fy in sorted(set(years) | {year}):
            counts = Counter({code: n for (y, code), n in by_year.items() if y == fy})
            hand_n = sum(c.referrals for (y, _), c in hand.items() if y == fy)
            tables[fy] = show(_grouped_table(key, dim, fy, counts, hand_n), t, hide_small=hide)
        now = tables[year]
        now.national = _national_shares(now, _categories(dim, year, Counter())[0], dim_name, national_figures)
        report.tables.insert(next(i for i, tb in enumerate(report.tables) if tb.key == "district"), now)
        report.tables.append(_series(key, dim, years, tables))
    return report


def _categories(dim, year, counts):
    scheme = dim.scheme_for(year)
    codes = [c.code for c in scheme.categories] + sorted(code for code in counts if scheme.get(code) is None)
    return codes, [dim.category_label(code, year) for code in codes]


def _breakdown(key, title, row_header, codes, labels, counts, by_hand, notes, groups=()):
    """A one-column breakdown. Referrals counted by month only are a row of their own, always hidden:
    the year's total less the other rows would otherwise give it away in some table."""
    cells = [[counts.get(code, 0)] for code in codes]
    labels = list(labels)
    hide = set()
    if by_hand:
        hide.add(len(cells))
        labels.append(BY_HAND)
        cells.append([by_hand])
    return Table(key=key, title=title, row_labels=labels, col_labels=["Referrals"], cells=cells, row_header=row_header,
                 notes=notes, groups=list(groups), always_hide=hide)


def _grouped_table(key, dim, year, counts, by_hand) -> Table:
    codes, labels = _categories(dim, year, counts)
    label = categories.financial_year_label(year)
    groups = []
    for basis_code, basis_label in dim.basis:
        members = [i for i, code in enumerate(codes) if dim.basis_of(code, year) == basis_code]
        if members:
            groups.append((f"All: {basis_label}", members))
    return _breakdown(key, f"{dim.label}, {label}", dim.label, codes, labels, counts, by_hand,
                      [f"Categories as the Home Office used them in {label}; the \"All:\" rows group them as in "
                       "the series for every year."], groups)


def _series(key, dim, years, tables) -> Shown:
    """Every year on one basis: each year's group subtotals and total, exactly as its own table shows them."""
    columns = [label for _, label in dim.basis]
    display, values, rows = [], [], []
    for fy in years:
        table = tables[fy]
        by_label = {label: i for i, label in enumerate(table.row_labels)}
        entries = [by_label.get(f"All: {label}") for label in columns] + [len(table.row_labels) - 1]
        display.append(["0" if i is None else table.display[i][0] for i in entries])
        values.append([0 if i is None else table.values[i][0] for i in entries])
        rows.append(categories.financial_year_label(fy))
    return Shown(f"series_{key}", f"{dim.label}, every year on one basis", rows, [*columns, "Total"], display,
                 values, "Financial year",
                 ["Each year's categories are mapped to these groups (see the user guide), so years before and after "
                  "the Home Office's changes of category can be compared. There is no total across years: each "
                  "year is as that year's own table shows it."], any(t.suppressed for t in tables.values()))


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


def records_in_month(partnership, month: dt.date) -> int:
    """Referral records and Channel cases received in ``month``."""
    from prevent_hub.channel.models import Case

    return (Referral.objects.filter(partnership=partnership, referral_date__year=month.year,
                                    referral_date__month=month.month).count()
            + Case.objects.filter(partnership=partnership, received_on__year=month.year,
                                  received_on__month=month.month).count())


FIRST_YEAR = 2015  # the Home Office's series starts in 2015/16


def years_offered(today: dt.date) -> list[int]:
    """Every financial year from 2015/16 to this one, newest first: the same for everyone and every
    partnership, since a list of only the years with referrals would say something about them."""
    return list(range(categories.financial_year(today), FIRST_YEAR - 1, -1))

