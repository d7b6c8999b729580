"""Reads for governance: attendance compliance, the reporting-lines diagram, calendars."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from prevent_hub.directory.models import Organisation
from prevent_hub.directory.selectors import with_lead_status
from prevent_hub.plans import schedule

from .choices import ATTENDED, GroupKind, MeetingStatus
from .models import Attendance, Group, Meeting, ReportingLine, Seat


def last_four_quarters(as_of: dt.date, year_start_month: int) -> tuple[dt.date, dt.date]:
    """The four reporting periods ending with the one that contains ``as_of``."""
    current = schedule.period_containing(as_of, year_start_month)
    first = schedule.period_containing(schedule.add_months(current.start, -9), year_start_month)
    return first.start, current.end


@dataclass
class ComplianceRow:
    organisation: Organisation
    attended: int
    meetings: int
    no_lead: bool

    @property
    def rate(self) -> int | None:
        """Per cent of meetings attended (in person or by a deputy), rounded; None when there were none."""
        return round(100 * self.attended / self.meetings) if self.meetings else None


def attendance_compliance(partnership, as_of: dt.date, recorded_before=None) -> dict:
    """Strategy Group attendance per organisation over the last four quarters, with no-lead flags.

    Compliance counts specified authorities only (the Prevent duty is theirs): ``rows`` lists every
    one of them, and ``summary`` counts them. Any other organisation in the directory may hold a seat
    (a council's team, CAVA, a faiths forum): those that hold one or attended are ``others``, shown
    apart and never counted in compliance. Meetings count once held (or, before the minutes are in,
    once past).
    """
    start, end = last_four_quarters(as_of, partnership.year_start_month)
    meetings = Meeting.objects.filter(
        partnership=partnership, group__kind=GroupKind.STRATEGY_GROUP,
        starts_at__date__gte=start, starts_at__date__lte=min(end, as_of),
    ).exclude(status=MeetingStatus.CANCELLED)
    if recorded_before is not None:
        meetings = meetings.filter(created_at__lt=recorded_before)
    dates = {m.pk: m.starts_at.date() for m in meetings.only("pk", "starts_at")}
    attended: dict[int, set[int]] = {}
    registers = Attendance.objects.filter(meeting__in=meetings, status__in=ATTENDED)
    if recorded_before is not None:  # a report as of a day counts the registers entered by then
        registers = registers.filter(created_at__lt=recorded_before)
    for org_id, meeting_id in registers.values_list("organisation", "meeting"):
        attended.setdefault(org_id, set()).add(meeting_id)
    # An organisation is measured against the meetings held while it had a seat (all of them
    # when its seat has no dates, or when it has no seat but is a specified authority).
    windows: dict[int, list[tuple]] = {}
    for org_id, seat_start, seat_end in Seat.objects.filter(
            group__partnership=partnership, group__kind=GroupKind.STRATEGY_GROUP).exclude(organisation=None).values_list(
            "organisation", "start_date", "end_date"):
        windows.setdefault(org_id, []).append((seat_start, seat_end))
    organisations = with_lead_status(
        Organisation.objects.filter(partnership=partnership).filter(
            Q(is_specified_authority=True) | Q(pk__in=attended.keys()) | Q(pk__in=windows.keys())),
        as_of,
    ).select_related("partnership").order_by("name")
    rows, others = [], []
    for org in organisations:
        eligible = {pk for pk, day in dates.items() if _seated_on(day, windows.get(org.pk))}
        row = ComplianceRow(organisation=org, attended=len(attended.get(org.pk, set()) & eligible),
                            meetings=len(eligible), no_lead=org.is_specified_authority and not org.has_current_lead)
        (rows if org.is_specified_authority else others).append(row)
    measured = [row for row in rows if row.rate is not None]
    summary = {
        "authorities": len(rows),
        "at_least_half": sum(1 for row in measured if row.rate >= 50),
        "below_half": sum(1 for row in measured if row.rate < 50),
        "no_lead": sum(1 for row in rows if row.no_lead),
    }
    return {"start": start, "end": end, "meetings": len(dates), "rows": rows, "others": others, "summary": summary}


def _seated_on(day, windows) -> bool:
    if not windows:
        return True
    return any((start is None or start <= day) and (end is None or day <= end) for start, end in windows)


@dataclass
class Box:
    group: Group
    x: int
    y: int
    width: int = 200
    height: int = 48


def reporting_diagram(partnership) -> dict:
    """Lay the groups out in rows by how far up the reporting chain they are (boards at the top)."""
    groups = list(Group.objects.filter(partnership=partnership).select_related("partnership").order_by("name"))
    lines = list(ReportingLine.objects.filter(partnership=partnership)
                 .select_related("from_group__partnership", "to_group__partnership"))
    parents = {g.pk: [line.to_group_id for line in lines if line.from_group_id == g.pk] for g in groups}
    level: dict[int, int] = {}

    def depth(pk, seen=()):
        # A group's row is one below the highest group it reports to; loops are cut.
        if pk in level:
            return level[pk]
        ups = [p for p in parents[pk] if p not in seen]
        level[pk] = 0 if not ups else 1 + max(depth(p, (*seen, pk)) for p in ups)
        return level[pk]

    for group in groups:
        depth(group.pk)
    rows: dict[int, list[Group]] = {}
    for group in groups:
        rows.setdefault(level[group.pk], []).append(group)
    boxes, gap_x, gap_y = {}, 30, 90
    width = max((len(r) for r in rows.values()), default=1) * (200 + gap_x) + gap_x
    for row, members in sorted(rows.items()):
        offset = (width - len(members) * (200 + gap_x) + gap_x) // 2
        for index, group in enumerate(members):
            boxes[group.pk] = Box(group=group, x=offset + index * (200 + gap_x), y=20 + row * gap_y)
    arrows = [
        {"x1": boxes[line.from_group_id].x + 100, "y1": boxes[line.from_group_id].y,
         "x2": boxes[line.to_group_id].x + 100, "y2": boxes[line.to_group_id].y + 48, "line": line}
        for line in lines
    ]
    height = 20 + (max(rows, default=0) + 1) * gap_y
    return {"boxes": list(boxes.values()), "arrows": arrows, "width": width, "height": height, "lines": lines}


def visible_meetings(user, partnership_ids):
    """Meetings for a calendar: every group's, in the partnerships the user works in."""
    return (Meeting.objects.filter(partnership_id__in=partnership_ids).exclude(status=MeetingStatus.CANCELLED)
            .select_related("group", "partnership").order_by("starts_at"))
