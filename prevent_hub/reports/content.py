"""What a report says, built from live data as of a day, in a neutral form that each renderer
(Word, PDF, Excel) writes out. Every figure comes from the same selectors the pages use, and the
referral figures through the statistics' disclosure control: reports go to boards.
"""
import datetime as dt
from dataclasses import dataclass, field

from prevent_hub.core.dates import end_of_day
from prevent_hub.plans import schedule

from .choices import ReportKind


@dataclass
class Block:
    kind: str  # "heading", "paragraph", "bullets", "table" or "chart"
    text: str = ""
    level: int = 1
    items: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    chart: object = None  # for charts: a core.charts.Chart, drawn as SVG in the PDF and as a PNG in Word
    sheet: str = ""  # the data pack's sheet for a table


@dataclass
class Content:
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text, level=1):
        self.blocks.append(Block("heading", clean(text), level=level))

    def paragraph(self, text):
        self.blocks.append(Block("paragraph", clean(text)))

    def bullets(self, items):
        if items:
            self.blocks.append(Block("bullets", items=[clean(item) for item in items]))

    def table(self, columns, rows, sheet, empty="None."):
        if rows:
            self.blocks.append(Block("table", columns=list(columns), rows=[[clean(c) for c in r] for r in rows],
                                     sheet=sheet))
        else:
            self.paragraph(empty)

    def chart(self, chart):
        """A bar chart (core.charts.Chart); its figures are always also in the table that follows it (the
        alternative text says so)."""
        if chart.bars:
            self.blocks.append(Block("chart", text=chart.title, chart=chart))

    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "table"]


def clean(value) -> str:
    """Text fit for Word and PDF: line and paragraph breaks kept, other control characters dropped."""
    text = str(value).replace("\x0b", "\n").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)


def year_label(start: dt.date) -> str:
    """2018 for a year starting in January, 2018/19 for one starting later."""
    return str(start.year) if start.month == 1 else f"{start.year}/{(start.year + 1) % 100:02d}"


def period_of(kind: str, partnership, as_of: dt.date) -> tuple[dt.date, dt.date]:
    if kind == ReportKind.QUARTERLY:
        period = schedule.period_containing(as_of, partnership.year_start_month)
        return period.start, period.end
    start = dt.date(as_of.year if as_of.month >= partnership.year_start_month else as_of.year - 1,
                    partnership.year_start_month, 1)
    return start, dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)


def _date(day) -> str:
    return f"{day:%-d %B %Y}" if day else ""


def _plan_section(doc, version, as_of, *, since_last_quarter=True):
    from prevent_hub.plans.charts import rag_by_theme
    from prevent_hub.plans.selectors import dashboard

    data = dashboard(version, as_of)
    doc.heading("Progress on the action plan")
    states = data["states"]
    counts = {rag: sum(1 for s in states if s.rag == rag) for rag in ("red", "amber", "green")}
    doc.paragraph(f"{version.plan.title} ({version.label}): {len(states)} actions on {_date(as_of)}, in "
                  f"{data['period'].label}. {counts['green']} green, {counts['amber']} amber, {counts['red']} red and "
                  f"{len(states) - sum(counts.values())} not rated.")
    rows = [[f"{row['theme'].number}. {row['theme'].title}", row["red"], row["amber"], row["green"], row["none"], row["total"]]
            for row in data["themes"]]
    # Every rating, by theme (the same chart as the dashboard's).
    doc.chart(rag_by_theme(data["themes"]))
    doc.table(["Theme", "Red", "Amber", "Green", "Not rated", "Actions"], rows, "Progress by theme")
    doc.heading("Exceptions and mitigations", 2)
    exceptions = [s for s in states if s.rag in ("red", "amber")]
    from prevent_hub.plans.models import MitigatingAction

    # The latest mitigation of each exception recorded by the end of the as-of day, in one query.
    mitigations = {}
    for m in (MitigatingAction.objects.filter(action__in=[s.action for s in exceptions], created_at__lt=end_of_day(as_of))
              .order_by("created_at", "pk")):
        mitigations[m.action_id] = f"{m.text} ({m.owner_text}, by {_date(m.due_date)})"
    doc.table(["Ref", "Key action", "Status", "Why", "Mitigation"],
              [[s.action.ref, s.action.text, s.status_label, s.reason, mitigations.get(s.action.pk, "")] for s in exceptions],
              "Exceptions", empty="No action is rated red or amber.")
    if since_last_quarter:
        doc.heading("Changes since the last quarter", 2)
        doc.table(["Ref", "Key action", "Was", "Now"],
                  [[s.action.ref, s.action.text, s.previous_status_label, s.status_label] for s in data["changed"]],
                  "Changes", empty="No action changed status this quarter.")
    doc.heading("Deadlines coming up", 2)
    upcoming = []
    for state in data["due_soon"]:
        for checkpoint in state.schedule.due_soon:
            upcoming.append([_date(checkpoint.date), state.action.ref, state.action.text, checkpoint.label])
    doc.table(["Due", "Ref", "Key action", "What"], sorted(upcoming), "Deadlines", empty="Nothing falls due soon.")
    return data


def _training_section(doc, partnership, start, end, title="Training", as_of=None):
    from prevent_hub.training.selectors import coverage, sectors_chart

    data = coverage(partnership, start, end, recorded_before=end_of_day(as_of or end))
    doc.heading(title)
    doc.paragraph(f"{data['total']:,} people trained from {_date(start)} to {_date(end)} (attendances and e-learning "
                  "completions).")
    doc.chart(sectors_chart(data["sectors"]))
    doc.table(["Sector", "People trained"], [[r["sector"], f"{r['trained']:,}"] for r in data["sectors"]], "Training by sector")
    doc.table(["Course", "People trained"], [[r["course"].name, f"{r['trained']:,}"] for r in data["courses"] if r["trained"]],
              "Training by course", empty="No training recorded in the period.")
    return data


def _referral_section(doc, partnership, year, national: bool, as_of=None):
    from prevent_hub.insights import charts
    from prevent_hub.insights.selectors import statistics_report

    # Reports leave the panel: always protected. Only referrals made and recorded by the as-of day.
    report = statistics_report(partnership, year, unsuppressed=False, as_of=as_of)
    doc.heading(f"Referrals, {report.year_label}")
    doc.paragraph(f"Counts below {report.threshold} are shown as \"<{report.threshold}\", and some others as \"[c]\" "
                  "so that a small number cannot be worked out.")
    doc.table(["Quarter", "Referrals", "A year before", "On previous quarter", "On a year before"],
              [[c["quarter"], c["referrals"], c["year_ago"], _pct(c["quarter_on_quarter"]), _pct(c["year_on_year"])]
               for c in report.changes], "Referrals by quarter")
    columns = ["Stage", "Referrals", "Of all referrals"] + (["England and Wales"] if national else [])
    doc.table(columns, [[f["stage"], f["count"], _pct(f["share"], sign=False)]
                        + ([_pct(f["national_share"], sign=False)] if national else []) for f in report.funnel], "Funnel")
    sector = report.table("sector")
    doc.chart(charts.chart(report, "sector", "Referrals by sector"))
    rows = []
    for i, label in enumerate(sector.row_labels):
        row = [label, sector.display[i][0]]
        if national:
            share = (sector.national or [None] * len(sector.row_labels))[i] if i < len(sector.national or []) else None
            row.append(_pct(share, sign=False))
        rows.append(row)
    doc.table(["Sector", "Referrals"] + (["England and Wales share"] if national else []), rows, "Referrals by sector")
    return report


def _pct(value, sign=True) -> str:
    if value is None:
        return "–"
    return f"{'+' if sign and value > 0 else ''}{value}%"


def _attendance_section(doc, partnership, as_of):
    from prevent_hub.governance.selectors import attendance_compliance

    data = attendance_compliance(partnership, as_of, recorded_before=end_of_day(as_of))
    summary = data["summary"]
    doc.heading("Strategy Group attendance")
    doc.paragraph(f"{data['meetings']} meetings from {_date(data['start'])} to {_date(min(data['end'], as_of))}. "
                  f"Compliance counts the specified authorities only: {summary['at_least_half']} of "
                  f"{summary['authorities']} attended at least half the meetings they could.")
    doc.table(["Specified authority", "Attended", "Meetings", "Rate", "Prevent lead"],
              [[r.organisation.name, r.attended, r.meetings, "–" if r.rate is None else f"{r.rate}%",
                "None named" if r.no_lead else ""] for r in data["rows"]], "Attendance")
    if data["others"]:
        doc.paragraph("Other members, not specified authorities: their attendance is not counted in compliance.")
        doc.table(["Other member", "Attended", "Meetings", "Rate"],
                  [[r.organisation.name, r.attended, r.meetings, "–" if r.rate is None else f"{r.rate}%"]
                   for r in data["others"]], "Other members")


def _calendar_section(doc, partnership, start, end, as_of):
    from prevent_hub.governance.choices import MeetingStatus
    from prevent_hub.governance.models import Meeting, Obligation

    doc.heading("Coming up")
    known = end_of_day(as_of)
    items = [[_date(o.due_date), o.title, o.group.name if o.group else ""] for o in
             Obligation.objects.filter(partnership=partnership, due_date__gte=start, due_date__lte=end,
                                       created_at__lt=known).select_related("group").order_by("due_date")]
    items += [[_date(m.starts_at.date()), f"{m.group} meets", m.location] for m in
              Meeting.objects.filter(partnership=partnership, starts_at__date__gte=start, starts_at__date__lte=end,
                                     created_at__lt=known)
              .exclude(status=MeetingStatus.CANCELLED).select_related("group").order_by("starts_at")]
    doc.table(["Date", "What", "Group or where"], items, "Calendar", empty="Nothing is due in the next quarter.")


def quarterly(partnership, version, as_of: dt.date, *, progress=lambda *_: None) -> Content:
    period = schedule.period_containing(as_of, partnership.year_start_month)
    doc = Content(f"Prevent Officer update: {period.label}", f"{partnership.name}. Figures as of {_date(as_of)}.")
    progress(10, "Action plan")
    if version is not None:
        _plan_section(doc, version, as_of)
    progress(35, "Training")
    _training_section(doc, partnership, period.start, min(period.end, as_of), "Training this quarter", as_of)
    progress(55, "Referrals")
    from prevent_hub.insights.categories import financial_year

    _referral_section(doc, partnership, financial_year(as_of), national=False, as_of=as_of)
    progress(75, "Governance")
    _attendance_section(doc, partnership, as_of)
    following = schedule.period_containing(period.end + dt.timedelta(days=1), partnership.year_start_month)
    _calendar_section(doc, partnership, as_of + dt.timedelta(days=1), following.end, as_of)
    return doc


def annual(partnership, version, as_of: dt.date, *, progress=lambda *_: None) -> Content:
    start, end = period_of(ReportKind.ANNUAL, partnership, as_of)
    doc = Content(f"Prevent annual report {year_label(start)}",
                  f"{partnership.name}, for the Safer Communities and safeguarding boards. Figures as of {_date(as_of)}.")
    progress(10, "Action plan")
    if version is not None:
        _plan_section(doc, version, as_of, since_last_quarter=False)
        doc.heading("Each theme's outcomes", 2)
        for theme, actions in _themes(version):
            doc.heading(f"{theme.number}. {theme.title}", 3)
            doc.bullets(sorted({outcome for action in actions for outcome in action.outcomes}))
        later = (version.plan.versions.filter(year_start__gt=version.year_start or 0, created_at__lt=end_of_day(as_of))
                 .order_by("year_start").first())
        doc.heading("The plan refresh", 2)
        doc.paragraph(f"The plan was refreshed into {later.label}, with {later.actions.count()} actions." if later else
                      "The plan has not yet been refreshed for the next year.")
    progress(35, "Training")
    _training_section(doc, partnership, start, min(end, as_of), "Training this year", as_of)
    progress(55, "Referrals")
    from prevent_hub.insights.categories import financial_year

    _referral_section(doc, partnership, financial_year(min(end, as_of)), national=True, as_of=as_of)
    progress(75, "Membership and attendance")
    _attendance_section(doc, partnership, as_of)
    return doc


def _themes(version):
    from prevent_hub.plans.exporters import version_rows

    return version_rows(version)


def action_plan(partnership, version, tag: str = "", *, progress=lambda *_: None) -> Content:
    from prevent_hub.plans.exporters import ACTION_COLUMNS

    title = f"{version.plan.title} ({version.label})"
    doc = Content(title + (f": actions tagged {tag}" if tag else ""), partnership.name)
    progress(30, "Actions")
    for theme, actions in _themes(version):
        chosen = [a for a in actions if not tag or tag.lower() in (t.lower() for t in a.tags)]
        if not chosen:
            continue
        doc.heading(f"{theme.number}. {theme.title}")
        doc.table(list(ACTION_COLUMNS), [[f"{a.ref} {a.text}", a.who_text, a.timescale_text, "; ".join(a.outcomes), a.notes]
                                        for a in chosen], f"Theme {theme.number}")
    return doc
