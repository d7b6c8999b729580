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
from django.db.models import Count, F, Min
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from prevent_hub.core.dates import end_of_day
from prevent_hub.core.permissions import has_perm

from . import categories
from .disclosure import Shown, Table, show_all
from .models import MonthlyCount, NationalRelease, Referral

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


def zeros_small() -> bool:
    """Whether zero counts are hidden like small ones (STATS_SUPPRESS_ZEROS); by default 0 is shown as 0."""
    return settings.STATS_SUPPRESS_ZEROS


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



def district_key(text) -> str:
    """Districts are typed by people: "rugby " and "Rugby" are one district."""
    return " ".join(str(text or "").split()).casefold()


def _count(querysets, group: tuple, **filters) -> Counter:
    counts = Counter()
    for queryset in querysets:
        for row in queryset.filter(**filters).values(*group).annotate(n=Count("pk")).order_by():
            counts[tuple(row[name] for name in group)] += row["n"]
    return counts


def _districts(querysets) -> tuple[Counter, dict]:
    """Referrals by (financial year, district key), and each district's name as it was first written
    (the spelling of its earliest record), so a name is shown as people wrote it, never re-cased."""
    counts, first = Counter(), {}
    for queryset in querysets:
        for row in (queryset.values("financial_year", "district")
                    .annotate(n=Count("pk"), first=Min("created_at")).order_by()):
            key = district_key(row["district"])
            counts[(row["financial_year"], key)] += row["n"]
            written = " ".join(str(row["district"] or "").split())
            if key not in first or (row["first"], written) < first[key]:
                first[key] = (row["first"], written)
    return counts, {key: written for key, (_, written) in first.items()}


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
    national_uploaded: bool = False  # from the Home Office's data tables, uploaded; else from the release text
    referrals: int = 0  # the year's total, known to be 0 or not (0 is never hidden)

    @property
    def year_label(self) -> str:
        return categories.financial_year_label(self.year)

    def table(self, key) -> Shown:
        return next(t for t in self.tables if t.key == key)

    def as_dict(self) -> dict:
        return {"partnership": self.partnership.slug, "financial_year": self.year_label,
                "suppressed": not self.unsuppressed, "threshold": self.threshold,
                "tables": [t.as_dict() for t in self.tables], "funnel": self.funnel, "changes": self.changes,
                "national_source": self.national_release, "no_referrals": self.referrals == 0}


# Bump when the report's contents or rules change, so no report cached by older code is served.
REPORT_CACHE_SCHEMA = 2


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
            threshold(), zeros_small(), _fingerprint(partnership))


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
        Referral, MonthlyCount, NationalRelease, Case, PanelDecisionRecord, PanelListing, Meeting,
        PanelListing.objects.filter(partnership=partnership, meeting__starts_at__lte=timezone.now()),
    ])


KEEP = {"concern": {"islamist", "extreme_right_wing"}}  # the ideology split: left shown where another choice protects


def _statistics_report(partnership, year: int, *, unsuppressed: bool, as_of=None, recorded_before=None) -> Report:
    t = threshold()
    sources = _sources(partnership, as_of, recorded_before)
    dims = categories.dimensions()
    report = Report(partnership, year, unsuppressed, t)
    national = national_figures_for(partnership, year)
    report.national_release, report.national_uploaded = national["release"], national["uploaded"]
    national_figures = national["figures"]

    # One query per source for each of: months and stages, and every breakdown, of every year at once.
    counts = {"months": _count(sources, ("financial_year", "month", "stage_reached"))}
    for key in DIMENSION_OF:
        dim = dims[DIMENSION_OF[key]]
        counts[key] = Counter()
        for (fy, code), n in _count(sources, ("financial_year", key)).items():
            counts[key][(fy, dim.fit(code, fy))] += n
    counts["district"], district_names = _districts(sources)
    hand = {(c.month.year if c.month.month >= 4 else c.month.year - 1, c.month.month): c
            for c in MonthlyCount.objects.filter(partnership=partnership, **(
                {"month__lte": as_of, "created_at__lt": recorded_before or end_of_day(as_of)} if as_of else {}))}
    # Every district the partnership has ever recorded, in alphabetical order, so that a district's
    # row (or its place in the list) never says it had referrals this year.
    districts = sorted((key for key in district_names if key), key=lambda key: (key, district_names[key]))

    data_years = {fy for fy, *_ in counts["months"]} | {fy for fy, _ in hand}
    series_years = list(range(min(data_years), max(data_years) + 1)) if data_years else []  # a gap year is zeros
    # Every year's tables are protected together (they share the year's total); each year's are protected
    # the same way whichever year's page shows them, so the year before and the series agree with that
    # year's own page.
    families = {fy: _family(fy, counts, hand, districts, district_names, dims, t, not unsuppressed)
                for fy in sorted(set(series_years) | {year, year - 1})}
    now, before = families[year], families[year - 1]
    report.referrals = sum(c.referrals for (fy, _), c in hand.items() if fy == year) + sum(
        n for (fy, *_), n in counts["months"].items() if fy == year)
    report.tables += [now["months"], before["months"]]
    report.changes = _changes(now["months"], before["months"])
    report.tables.append(now["funnel"])
    report.funnel = _funnel(now["funnel"], national_figures)
    for key, _title in BREAKDOWNS:
        shown = now[key]
        if key == "district":
            shown.national = None  # no national figures by district
        else:
            dim = dims[DIMENSION_OF[key]]
            shown.national = _national_shares(shown, dim, year, national_figures)
        report.tables.append(shown)
    for key, dim_name in (("age_band", "age"), ("concern", "concern")):
        report.tables.append(_series(key, dims[dim_name], series_years, {fy: f[key] for fy, f in families.items()}))
    return report


def _family(year, counts, hand, districts, district_names, dims, t, hide) -> dict:
    """Every table of one financial year, protected together: the months, the funnel and the breakdowns
    all add up to the year's total, and the referrals counted by month only are a row of each breakdown."""
    label = categories.financial_year_label(year)
    by_hand = [c for (fy, _), c in hand.items() if fy == year]
    months = {m: sum(n for (fy, mm, _), n in counts["months"].items() if fy == year and mm == m)
              + sum(c.referrals for c in by_hand if c.month.month == m) for m in MONTHS}
    tables = [Table(
        key=f"months_{year}", title=f"Referrals by month, {label}",
        row_labels=[f"Q{q} ({', '.join(MONTH_NAMES[m][:3] for m in MONTHS[3 * (q - 1):3 * q])})" for q in range(1, 5)],
        col_labels=["1st month", "2nd month", "3rd month"],
        cells=[[months[m] for m in MONTHS[3 * (q - 1):3 * q]] for q in range(1, 5)], row_header="Quarter",
        links={"total": (4, 3)})]

    # The funnel: referrals, discussed at a panel (including those adopted), adopted. Those referred but
    # not discussed, and those discussed but not adopted, add up with them: never shown, but protected too.
    stages = Counter()
    for (fy, _, stage), n in counts["months"].items():
        if fy == year:
            stages[stage] += n
    total = sum(months.values())
    discussed = stages["discussed_at_panel"] + stages["adopted"] + sum(c.discussed_at_panel for c in by_hand)
    adopted = stages["adopted"] + sum(c.adopted for c in by_hand)
    tables.append(Table(key="funnel", title="From referral to Channel support",
                        row_labels=["Not discussed at a panel", "Discussed, not adopted", "Adopted as a Channel case"],
                        col_labels=["Referrals"], cells=[[total - discussed], [discussed - adopted], [adopted]],
                        row_header="Stage", groups=[("Discussed at a Channel panel", [1, 2])], implicit={0, 1},
                        total_label="Referrals", links={"total": (4, 0)}))

    hand_total = sum(c.referrals for c in by_hand)
    for key, title in BREAKDOWNS:
        if key == "district":
            codes = [*districts, ""]
            labels = [district_names[code] for code in districts] + ["Not recorded"]
            year_counts = Counter({code: n for (fy, code), n in counts["district"].items() if fy == year})
            tables.append(_breakdown(key, f"{title}, {label}", title, codes, labels, year_counts, hand_total, []))
            continue
        dim = dims[DIMENSION_OF[key]]
        year_counts = Counter({code: n for (fy, code), n in counts[key].items() if fy == year})
        if key in ("age_band", "concern"):
            tables.append(_grouped_table(key, dim, year, year_counts, hand_total))
        else:
            codes, labels = _categories(dim, year, year_counts)
            tables.append(_breakdown(key, f"{title}, {label}", title, codes, labels, year_counts, hand_total,
                                     [f"Categories as the Home Office used them in {label}."]))
    shown = {table.key: result for table, result in zip(tables, show_all(tables, t, hide_small=hide,
                                                                         zeros_small=zeros_small()), strict=True)}
    # The funnel as it reads: referrals, then discussed, then adopted.
    shown["months"] = shown.pop(f"months_{year}")
    shown["funnel"] = shown["funnel"].reordered([2, 1, 0])
    return shown


def _categories(dim, year, counts):
    scheme = dim.scheme_for(year)
    codes = [c.code for c in scheme.categories] + sorted(code for code in counts if scheme.get(code) is None)
    return codes, [dim.category_label(code, year) for code in codes]


def _breakdown(key, title, row_header, codes, labels, counts, by_hand, notes, groups=(), keep=()):
    """A one-column breakdown. Referrals counted by month only are a row of their own, the same in every
    breakdown of the year (linked, so it is shown or hidden alike in all of them)."""
    cells = [[counts.get(code, 0)] for code in codes]
    labels = list(labels)
    links = {}
    if by_hand:
        links["by_hand"] = (len(cells), 0)
        labels.append(BY_HAND)
        cells.append([by_hand])
    links["total"] = (len(cells) + len(groups), 0)
    return Table(key=key, title=title, row_labels=labels, col_labels=["Referrals"], cells=cells, row_header=row_header,
                 notes=notes, groups=list(groups), keep=set(keep), links=links)


def _grouped_table(key, dim, year, counts, by_hand) -> Table:
    codes, labels = _categories(dim, year, counts)
    label = categories.financial_year_label(year)
    groups = []
    for basis_code, basis_label in dim.basis:
        members = [i for i, code in enumerate(codes) if dim.basis_of(code, year) == basis_code]
        if members:
            groups.append((f"All: {basis_label}", members))
    keep = [i for i, code in enumerate(codes) if dim.basis_of(code, year) in KEEP.get(dim.name, ())]
    return _breakdown(key, f"{dim.label}, {label}", dim.label, codes, labels, counts, by_hand,
                      [f"Categories as the Home Office used them in {label}; the \"All:\" rows group them as in "
                       "the series for every year."], groups, keep)


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


def national_figures_for(partnership, year: int) -> dict:
    """England and Wales figures for a financial year: {"release", "uploaded", "figures": {(dimension, code):
    {"count", "source"}}}. Those of the Home Office's data tables uploaded for the year, where there are; the
    figures shipped in data/national.json fill what they lack (the funnel's, from the release text)."""
    shipped = categories.national_figures().get(year, {})
    result = {"release": shipped.get("release", ""), "uploaded": False, "figures": dict(shipped.get("figures", {}))}
    upload = NationalRelease.objects.filter(partnership=partnership, financial_year=year).first()
    if upload is not None:
        source = f"{upload.title} ({upload.filename})"
        result.update(release=upload.title, uploaded=True)
        result["figures"][("total", "total")] = {"count": upload.figures["total"], "source": source}
        for dimension, counts in upload.figures.items():
            if isinstance(counts, dict):
                for code, count in counts.items():
                    result["figures"][(dimension, code)] = {"count": count, "source": source}
    return result


def _national_shares(shown: Shown, dim, year: int, national: dict) -> list:
    """England and Wales share per row, where the Home Office's figures for it are on file: a category's
    own figure; for an "All:" row, the sum of its categories' figures (where every one is known, or the table
    counted some under an older list's label). Shares are of the table's own total where it gives one."""
    total = (national.get((dim.name, "total")) or national.get(("total", "total")) or {}).get("count")
    if not total:
        return [None] * len(shown.row_labels)
    scheme = dim.scheme_for(year)
    by_label = {category.label: category.code for category in scheme.categories}
    basis_by_label = {label: code for code, label in dim.basis}

    def count(code):
        return (national.get((dim.name, code)) or {}).get("count")

    shares = []
    for label in shown.row_labels:
        figure = None
        if label == "Total":
            figure = total
        elif label.startswith("All: ") and label[5:] in basis_by_label:
            basis = basis_by_label[label[5:]]
            # Counted under an older list's label (a table across the Home Office's changes), and by category.
            grouped = count(f"basis:{basis}")
            members = [count(c.code) for c in scheme.categories if c.basis == basis]
            if grouped is not None or (members and None not in members):
                figure = (grouped or 0) + sum(m for m in members if m is not None)
        elif label in by_label:
            figure = count(by_label[label])
        shares.append(None if figure is None else round(100 * figure / total, 1))
    return shares


def records_in_month(partnership, month: dt.date) -> int:
    """Referral records and Channel cases received in ``month``."""
    from prevent_hub.channel.models import Case

    return (Referral.objects.filter(partnership=partnership, referral_date__year=month.year,
                                    referral_date__month=month.month).count()
            + Case.objects.filter(partnership=partnership, received_on__year=month.year,
                                  received_on__month=month.month).count())


FIRST_YEAR = 2015  # the Home Office's series starts in 2015/16


def latest_year(partnership, today: dt.date) -> int:
    """The latest financial year with referral records, monthly counts or Channel cases (one query), no later
    than this one; this one if there are none."""
    from django.db.models import OuterRef, Subquery

    from prevent_hub.channel.models import Case
    from prevent_hub.directory.models import Partnership

    def newest(queryset, field):
        return Subquery(queryset.filter(partnership=OuterRef("pk")).order_by(f"-{field}").values(field)[:1])

    found = Partnership.objects.filter(pk=partnership.pk).annotate(
        referral_year=newest(Referral.objects.all(), "financial_year"),
        counted_month=newest(MonthlyCount.objects.all(), "month"),
        case_received=newest(Case.objects.all(), "received_on"),
    ).values("referral_year", "counted_month", "case_received").first() or {}
    years = [found.get("referral_year")] + [categories.financial_year(day) for day in
                                            (found.get("counted_month"), found.get("case_received")) if day]
    this_year = categories.financial_year(today)
    years = [year for year in years if year is not None and FIRST_YEAR <= year <= this_year]
    return max(years, default=this_year)


def years_offered(today: dt.date) -> list[int]:
    """Every financial year from 2015/16 to this one, newest first: the same for everyone and every
    partnership, since a list of only the years with referrals would say something about them."""
    return list(range(categories.financial_year(today), FIRST_YEAR - 1, -1))

