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
    kind: str  # "heading", "paragraph", "bullets", "table", "chart" or "narratives"
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

    def narratives(self, items, sheet, empty="No update was given."):
        """What owners reported, one item per action ({"ref", "title", "status", "who", "text"}): Word gives
        each in full, the PDF a summary, the data pack a row."""
        if items:
            self.blocks.append(Block("narratives", items=[{k: clean(v) for k, v in item.items()} for item in items],
                                     sheet=sheet, columns=["Ref", "Key action", "Status", "Reported by", "Update"],
                                     rows=[[clean(item[k]) for k in ("ref", "title", "status", "who", "text")]
                                           for item in items]))
        else:
            self.paragraph(empty)

    def chart(self, chart):
        """A bar chart (core.charts.Chart); its figures are always also in the table that follows it (the
        alternative text says so)."""
        if chart.bars:
            self.blocks.append(Block("chart", text=chart.title, chart=chart))

    def tables(self) -> list[Block]:
        """The blocks the data pack has a sheet for: every table, and the owners' updates."""
        return [b for b in self.blocks if b.kind in ("table", "narratives")]


def clean(value) -> str:
    """Text fit for Word and PDF: line and paragraph breaks kept, other control characters dropped."""
    text = str(value).replace("\x0b", "\n").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 meeting', '2 meetings', '1,234 people': counts read as people write them."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def year_label(start: dt.date) -> str:
    """2018 for a year starting in January, 2018/19 for one starting later."""
    return str(start.year) if start.month == 1 else f"{start.year}/{(start.year + 1) % 100:02d}"


def period_of(kind: str, partnership, day: dt.date) -> tuple[dt.date, dt.date]:
    """The quarter (quarterly update) or the partnership's year (annual report) that contains ``day``."""
    if kind == ReportKind.QUARTERLY:
        period = schedule.period_containing(day, partnership.year_start_month)
        return period.start, period.end
    start = dt.date(day.year if day.month >= partnership.year_start_month else day.year - 1,
                    partnership.year_start_month, 1)
    return start, dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)


@dataclass
class Scope:
    """What a report covers: events dated in the period, as recorded before ``recorded_before``.

    ``status_day`` is the day actions' status and what is overdue are read on: the period's end, or
    for a period still running, the day the report was asked for.
    """

    start: dt.date
    end: dt.date
    status_day: dt.date
    recorded_before: dt.datetime

    @classmethod
    def of(cls, run) -> "Scope":
        return cls(run.period_start, run.period_end, run.as_of, run.recorded_before or end_of_day(run.as_of))

    @property
    def known_on(self) -> dt.date:
        """The day of the cut-off, as the report states it."""
        from django.utils import timezone

        return timezone.localtime(self.recorded_before - dt.timedelta(microseconds=1)).date()


def _date(day) -> str:
    return f"{day:%-d %B %Y}" if day else ""


def _own_words(doc, run, where: str):
    """The coordinator's commentary and highlights (at the top) or case study (at the end), when written."""
    if where == "top":
        if run.commentary.strip():
            doc.heading("The Prevent Officer's commentary")
            for paragraph in run.commentary.split("\n\n"):
                if paragraph.strip():
                    doc.paragraph(paragraph.strip())
        highlights = [line.strip(" -•*\t") for line in run.highlights.splitlines() if line.strip(" -•*\t")]
        if highlights:
            doc.heading("Highlights")
            doc.bullets(highlights)
    elif run.case_study.strip():
        doc.heading("Case study")
        for paragraph in run.case_study.split("\n\n"):
            if paragraph.strip():
                doc.paragraph(paragraph.strip())


def _update_item(action, update) -> dict:
    who = update.author_name + (f" for {update.on_behalf_of}" if update.on_behalf_of else "")
    return {"ref": action.ref, "title": action.text,
            "status": f"{update.get_rag_display()}: {update.get_status_display()}", "who": who,
            "text": update.narrative}


def _plan_section(doc, version, scope: Scope, *, since_last_quarter=True):
    from prevent_hub.plans.charts import rag_by_theme
    from prevent_hub.plans.selectors import dashboard

    data = dashboard(version, scope.status_day, recorded_before=scope.recorded_before)
    doc.heading("Progress on the action plan")
    states = data["states"]
    counts = {rag: sum(1 for s in states if s.rag == rag) for rag in ("red", "amber", "green")}
    doc.paragraph(f"{version.plan.title} ({version.label}): {plural(len(states), 'action')} on "
                  f"{_date(scope.status_day)}, in {data['period'].label}. {counts['green']} green, {counts['amber']} amber, "
                  f"{counts['red']} red and {len(states) - sum(counts.values())} not rated.")
    rows = [[f"{row['theme'].number}. {row['theme'].title}", row["red"], row["amber"], row["green"], row["none"], row["total"]]
            for row in data["themes"]]
    # Every rating, by theme (the same chart as the dashboard's).
    doc.chart(rag_by_theme(data["themes"]))
    doc.table(["Theme", "Red", "Amber", "Green", "Not rated", "Actions"], rows, "Progress by theme")
    if since_last_quarter:
        doc.heading("Updates from owners", 2)
        updated = [s for s in states if s.updated_this_period]
        doc.paragraph(f"{plural(len(updated), 'action')} of {len(states)} had an update for {data['period'].label}.")
        doc.narratives([_update_item(s.action, s.latest_update) for s in updated], "Updates",
                       empty="No owner has sent an update for this period.")
    doc.heading("Exceptions and mitigations", 2)
    exceptions = [s for s in states if s.rag in ("red", "amber")]
    from prevent_hub.plans.models import MitigatingAction

    # The latest mitigation of each exception recorded by the cut-off, in one query.
    mitigations = {}
    for m in (MitigatingAction.objects.filter(action__in=[s.action for s in exceptions],
                                              created_at__lt=scope.recorded_before).order_by("created_at", "pk")):
        mitigations[m.action_id] = f"{m.text} ({m.owner_text}, by {_date(m.due_date)})"
    doc.table(["Ref", "Key action", "Status", "Why", "Mitigation"],
              [[s.action.ref, s.action.text, s.status_label, s.reason, mitigations.get(s.action.pk, "")] for s in exceptions],
              "Exceptions", empty="No action is rated red or amber.")
    if since_last_quarter:
        doc.heading("Changes since the last quarter", 2)
        doc.table(["Ref", "Key action", "Was", "Now"],
                  [[s.action.ref, s.action.text, s.previous_status_label, s.status_label] for s in data["changed"]],
                  "Changes", empty="No action changed status this quarter.")
    return data


def _year_narratives(doc, version, scope: Scope):
    """Each action's latest update in the year, theme by theme: what happened, in the owners' words."""
    from prevent_hub.plans.models import ProgressUpdate

    latest = {}
    for update in (ProgressUpdate.objects.filter(action__plan_version=version, period_start__gte=scope.start,
                                                 period_start__lte=scope.end, created_at__lt=scope.recorded_before)
                   .order_by("period_start", "created_at")):
        latest[update.action_id] = update
    doc.heading("What happened, theme by theme", 2)
    for theme, actions in _themes(version):
        doc.heading(f"{theme.number}. {theme.title}", 3)
        items = [_update_item(action, latest[action.pk]) for action in actions if action.pk in latest]
        doc.narratives(items, f"Theme {theme.number} updates", empty="No update was given for this theme's actions.")


def _training_section(doc, partnership, scope: Scope, title):
    from prevent_hub.training.models import TrainingSession
    from prevent_hub.training.selectors import coverage, sectors_chart

    data = coverage(partnership, scope.start, scope.end, recorded_before=scope.recorded_before)
    sessions = TrainingSession.objects.filter(partnership=partnership, date__gte=scope.start, date__lte=scope.end,
                                              created_at__lt=scope.recorded_before).count()
    doc.heading(title)
    doc.paragraph(f"{plural(data['total'], 'person', 'people')} trained from {_date(scope.start)} to {_date(scope.end)}, "
                  f"at {plural(sessions, 'session')} and by e-learning.")
    doc.chart(sectors_chart(data["sectors"]))
    doc.table(["Sector", "People trained"], [[r["sector"], f"{r['trained']:,}"] for r in data["sectors"]], "Training by sector")
    doc.table(["Course", "People trained"], [[r["course"].name, f"{r['trained']:,}"] for r in data["courses"] if r["trained"]],
              "Training by course", empty="No training recorded in the period.")
    return data


def _referral_section(doc, partnership, year, national: bool, scope: Scope):
    from prevent_hub.insights import charts
    from prevent_hub.insights.selectors import statistics_report

    # Reports leave the panel: always protected.
    report = statistics_report(partnership, year, unsuppressed=False, as_of=scope.status_day,
                               recorded_before=scope.recorded_before)
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


def _meetings_section(doc, partnership, scope: Scope):
    """The period's meetings of every group, with how many organisations attended and what was decided."""
    from django.db.models import Count, Q

    from prevent_hub.governance.choices import ATTENDED, MeetingStatus
    from prevent_hub.governance.models import Meeting, MeetingItem

    meetings = list(Meeting.objects.filter(partnership=partnership, starts_at__date__gte=scope.start,
                                           starts_at__date__lte=min(scope.end, scope.status_day),
                                           created_at__lt=scope.recorded_before)
                    .exclude(status=MeetingStatus.CANCELLED).select_related("group")
                    .annotate(present=Count("attendance", filter=Q(attendance__status__in=ATTENDED,
                                                                  attendance__created_at__lt=scope.recorded_before)),
                              listed=Count("attendance", filter=Q(attendance__created_at__lt=scope.recorded_before)))
                    .order_by("starts_at"))
    decisions = {}
    for item in (MeetingItem.objects.filter(meeting__in=meetings, created_at__lt=scope.recorded_before)
                 .order_by("created_at")):
        decisions.setdefault(item.meeting_id, []).append(item.text)
    doc.heading("Meetings this period")
    doc.paragraph(f"{plural(len(meetings), 'meeting')} from {_date(scope.start)} to "
                  f"{_date(min(scope.end, scope.status_day))}." if meetings else "No meeting was held in the period.")
    doc.table(["Date", "Group", "Organisations attending", "Decisions and actions"],
              [[_date(m.starts_at.date()), m.group.name, f"{m.present} of {m.listed}" if m.listed else "Not recorded",
                "; ".join(decisions.get(m.pk, []))] for m in meetings], "Meetings", empty="")


def _attendance_section(doc, partnership, scope: Scope):
    from prevent_hub.governance.selectors import attendance_compliance

    data = attendance_compliance(partnership, scope.status_day, recorded_before=scope.recorded_before)
    summary = data["summary"]
    doc.heading("Strategy Group attendance")
    doc.paragraph(f"{plural(data['meetings'], 'meeting')} from {_date(data['start'])} to "
                  f"{_date(min(data['end'], scope.status_day))}. Compliance counts the specified authorities only: "
                  f"{summary['at_least_half']} of {summary['authorities']} attended at least half the meetings they could.")
    doc.table(["Specified authority", "Attended", "Meetings", "Rate", "Prevent lead"],
              [[r.organisation.name, r.attended, r.meetings, "–" if r.rate is None else f"{r.rate}%",
                "None named" if r.no_lead else ""] for r in data["rows"]], "Attendance")
    if data["others"]:
        doc.paragraph("Other members, not specified authorities: their attendance is not counted in compliance.")
        doc.table(["Other member", "Attended", "Meetings", "Rate"],
                  [[r.organisation.name, r.attended, r.meetings, "–" if r.rate is None else f"{r.rate}%"]
                   for r in data["others"]], "Other members")


def _coming_up(doc, partnership, version, scope: Scope):
    """Everything due in the next period: plan check-points, obligations, meetings and terms-of-reference reviews."""
    from prevent_hub.governance.choices import MeetingStatus
    from prevent_hub.governance.models import Meeting, Obligation, TermsOfReference

    following = schedule.period_containing(scope.end + dt.timedelta(days=1), partnership.year_start_month)
    # While the period is still running, what is left of it is coming up too.
    start, end = min(scope.status_day + dt.timedelta(days=1), following.start), following.end
    before = scope.recorded_before
    items = []
    if version is not None:
        from prevent_hub.plans.models import Action

        actions = (Action.objects.filter(plan_version=version, created_at__lt=before).prefetch_related("timescales")
                   .order_by("sort_key"))
        for action in actions:
            for point in schedule.checkpoints(action.timescales.all(), start, end, partnership.year_start_month):
                items.append((point.date, f"{action.ref} {action.text}: {point.label}", "Action plan check-point"))
    items += [(o.due_date, o.title, o.group.name if o.group else o.owner_text) for o in
              Obligation.objects.filter(partnership=partnership, due_date__gte=start, due_date__lte=end,
                                        created_at__lt=before).select_related("group")]
    items += [(m.starts_at.date(), f"{m.group} meets", m.location) for m in
              Meeting.objects.filter(partnership=partnership, starts_at__date__gte=start, starts_at__date__lte=end,
                                     created_at__lt=before).exclude(status=MeetingStatus.CANCELLED).select_related("group")]
    items += [(t.next_review, f"Review of the {t.group}'s terms of reference", t.group.name) for t in
              TermsOfReference.objects.filter(partnership=partnership, next_review__gte=start, next_review__lte=end,
                                              created_at__lt=before).select_related("group")]
    doc.heading(f"Coming up to {_date(end)}")
    doc.table(["Date", "What", "Group, owner or where"], [[_date(day), what, where] for day, what, where in sorted(items)],
              "Coming up", empty=f"Nothing is due by {_date(end)}.")


def quarterly(run, *, progress=lambda *_: None) -> Content:
    partnership, version, scope = run.partnership, run.plan_version, Scope.of(run)
    period = schedule.period_containing(scope.start, partnership.year_start_month)
    doc = Content(f"Prevent Officer update: {period.label}",
                  f"{partnership.name}. {_date(scope.start)} to {_date(scope.end)}, as recorded on "
                  f"{_date(scope.known_on)}.")
    _own_words(doc, run, "top")
    progress(10, "Action plan")
    if version is not None:
        _plan_section(doc, version, scope)
    progress(30, "Meetings")
    _meetings_section(doc, partnership, scope)
    progress(40, "Training")
    _training_section(doc, partnership, scope, "Training this quarter")
    progress(55, "Referrals")
    from prevent_hub.insights.categories import financial_year

    _referral_section(doc, partnership, financial_year(scope.end), national=False, scope=scope)
    progress(70, "Governance")
    _attendance_section(doc, partnership, scope)
    _coming_up(doc, partnership, version, scope)
    _own_words(doc, run, "end")
    return doc


def annual(run, *, progress=lambda *_: None) -> Content:
    partnership, version, scope = run.partnership, run.plan_version, Scope.of(run)
    doc = Content(f"Prevent annual report {year_label(scope.start)}",
                  f"{partnership.name}, for the Safer Communities and safeguarding boards. {_date(scope.start)} to "
                  f"{_date(scope.end)}, as recorded on {_date(scope.known_on)}.")
    _own_words(doc, run, "top")
    progress(10, "Action plan")
    if version is not None:
        _plan_section(doc, version, scope, since_last_quarter=False)
        _year_narratives(doc, version, scope)
        later = (version.plan.versions.filter(year_start__gt=version.year_start or 0, created_at__lt=scope.recorded_before)
                 .order_by("year_start").first())
        doc.heading("The plan refresh", 2)
        doc.paragraph(f"The plan was refreshed into {later.label}, with {plural(later.actions.count(), 'action')}."
                      if later else "The plan has not yet been refreshed for the next year.")
    progress(30, "Meetings")
    _meetings_section(doc, partnership, scope)
    progress(40, "Training")
    _training_section(doc, partnership, scope, "Training this year")
    progress(55, "Referrals")
    from prevent_hub.insights.categories import financial_year

    _referral_section(doc, partnership, financial_year(scope.end), national=True, scope=scope)
    progress(75, "Membership and attendance")
    _attendance_section(doc, partnership, scope)
    _own_words(doc, run, "end")
    return doc


def _themes(version):
    from prevent_hub.plans.exporters import version_rows

    return version_rows(version)


def action_plan(run, *, progress=lambda *_: None) -> Content:
    from prevent_hub.plans.exporters import ACTION_COLUMNS

    partnership, version, tag = run.partnership, run.plan_version, run.tag
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
