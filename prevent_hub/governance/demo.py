"""The seed plan's groups and reporting lines (its Figure 1), seats and yearly obligations, as demo data."""
import datetime as dt

from django.db import transaction
from django.db.models import Q

from prevent_hub.core.dates import nth_weekday
from prevent_hub.core.services import object_create
from prevent_hub.directory.models import Organisation, Person
from prevent_hub.plans.models import Action

from .choices import GroupKind, SeatRole
from .models import Group, Obligation, ReportingLine, Seat, TermsOfReference

GROUPS = [
    # name, short name, kind, cadence, secure, chair, purpose
    ("Warwickshire Prevent Strategy Group", "PSG", GroupKind.STRATEGY_GROUP, "quarterly", False, "Phil Evans",
     "Owns the action plan, monitors progress and agrees mitigating actions."),
    ("Warwickshire Channel Panel", "Channel Panel", GroupKind.CHANNEL_PANEL, "monthly", True, "Dan Green",
     "Reviews referred cases and agrees support plans."),
    ("Schools Prevent Forum", "Schools Forum", GroupKind.FORUM, "biannual", False, None,
     "Sharing of ideas and resources between schools (action 4.3)."),
    ("FE Prevent Forum", "FE Forum", GroupKind.FORUM, "termly", False, None,
     "Sharing of ideas and resources between further education colleges (action 4.4)."),
    ("Safer Warwickshire Partnership Board", "SWPB", GroupKind.BOARD, "", False, None, ""),
    ("Warwickshire Safeguarding Children's Board", "WSCB", GroupKind.BOARD, "", False, None, ""),
    ("Warwickshire Safeguarding Adults Board", "WSAB", GroupKind.BOARD, "", False, None, ""),
    ("Regional Prevent meetings", "Regional", GroupKind.REGIONAL, "quarterly", False, None,
     "The Prevent Officer meets counterparts in other local authorities (action 6.2)."),
]
LINES = [
    ("Warwickshire Channel Panel", "Warwickshire Prevent Strategy Group"),
    ("Schools Prevent Forum", "Warwickshire Prevent Strategy Group"),
    ("FE Prevent Forum", "Warwickshire Prevent Strategy Group"),
    ("Warwickshire Prevent Strategy Group", "Safer Warwickshire Partnership Board"),
    ("Warwickshire Prevent Strategy Group", "Warwickshire Safeguarding Children's Board"),
    ("Warwickshire Prevent Strategy Group", "Warwickshire Safeguarding Adults Board"),
    ("Regional Prevent meetings", "Warwickshire Prevent Strategy Group"),
]
# The Strategy Group's members as the seed plan lists them ("currently comprising representatives from
# the following agencies"), by their names in the directory (directory/demo/warwickshire.json). Many are
# not specified authorities (council teams, CCGs, CAVA, EQUIP, the Faiths Forum, Youth Justice): any
# organisation in the directory can hold a seat. Every specified authority has a seat as well.
STRATEGY_GROUP_MEMBERS = [
    "Warwickshire and West Mercia Police Prevent Team",
    "North Warwickshire Borough Council", "Nuneaton and Bedworth Borough Council", "Rugby Borough Council",
    "Stratford District Council", "Warwick District Council",
    "WCC Community Safety & Locality Working", "WCC Multi-Agency Safeguarding Hub", "WCC Priority Families",
    "WCC Public Health", "WCC Early Help and Targeted Support", "WCC Mental Health", "WCC Education Safeguarding",
    "Warwickshire Fire & Rescue Service",
    "Coventry and Warwickshire Partnership NHS Trust", "Coventry and Rugby CCG", "Warwickshire North CCG",
    "South Warwickshire CCG", "University Hospitals Coventry and Warwickshire NHS Trust",
    "South Warwickshire NHS Foundation Trust", "George Eliot Hospital NHS Trust",
    "Warwickshire Youth Justice Service", "Warwickshire and West Mercia Community Rehabilitation Company",
    "Equality & Inclusion Partnership", "National Probation Service", "Warwick District Faiths Forum",
    "Warwickshire Police and Crime Commissioner", "Warwickshire Community and Voluntary Action",
    "Public and private further education institutions i.e. colleges and sixth forms",
]

# The plan's yearly obligations: (title, due, owner, group, plan action ref)
OBLIGATIONS = [
    ("Review the Strategy Group's terms of reference and membership", dt.date(2018, 7, 31),
     "Chair of the Prevent Strategy Group", "Warwickshire Prevent Strategy Group", "2.3"),
    ("Annual report to the SWPB, WSCB and WSAB", dt.date(2018, 7, 31), "Prevent Officer",
     "Warwickshire Prevent Strategy Group", "2.4"),
    ("Annual Prevent event and plan refresh", dt.date(2018, 5, 31), "Prevent Officer",
     "Warwickshire Prevent Strategy Group", "2.5"),
    ("Review the Channel Panel's terms of reference", dt.date(2018, 7, 31), "Channel Panel Chair",
     "Warwickshire Channel Panel", "5.1"),
    ("Counter Terrorism Local Profile (each spring)", dt.date(2018, 5, 31), "West Midlands Counter Terrorism Unit",
     None, "6.3"),
]


@transaction.atomic
def load_warwickshire_governance(partnership, *, actor=None) -> int:
    """Create whatever part of the demo governance is missing; return how many records were added."""
    added = 0
    people = {p.name: p for p in Person.objects.filter(partnership=partnership)}
    groups = {g.name: g for g in Group.objects.filter(partnership=partnership)}
    for name, short, kind, cadence, secure, chair, purpose in GROUPS:
        if name not in groups:
            groups[name] = object_create(actor=actor, instance=Group(
                partnership=partnership, name=name, short_name=short, kind=kind, cadence=cadence, is_secure=secure,
                chair=people.get(chair), description=purpose,
            ))
            added += 1
    existing = set(ReportingLine.objects.filter(partnership=partnership).values_list("from_group__name", "to_group__name"))
    for source, target in LINES:
        if (source, target) not in existing:
            object_create(actor=actor, instance=ReportingLine(
                partnership=partnership, from_group=groups[source], to_group=groups[target]))
            added += 1
    strategy = groups["Warwickshire Prevent Strategy Group"]
    seated = set(strategy.seats.exclude(organisation=None).values_list("organisation_id", flat=True))
    members = Organisation.objects.filter(partnership=partnership).filter(
        Q(is_specified_authority=True) | Q(name__in=STRATEGY_GROUP_MEMBERS)).order_by("name")
    for org in members:
        if org.pk not in seated:
            object_create(actor=actor, instance=Seat(partnership=partnership, group=strategy, organisation=org,
                                                     role=SeatRole.MEMBER))
            added += 1
    for group_name, action_ref in (("Warwickshire Prevent Strategy Group", "2.3"), ("Warwickshire Channel Panel", "5.1")):
        group = groups[group_name]
        if not group.terms.exists():
            object_create(actor=actor, instance=TermsOfReference(
                partnership=partnership, group=group, version_label="July 2017", approved_on=dt.date(2017, 7, 31),
                next_review=dt.date(2018, 7, 31), text=f"Reviewed every year (plan action {action_ref}).",
            ))
            added += 1
    if not Obligation.objects.filter(partnership=partnership).exists():
        actions = {a.ref: a for a in Action.objects.filter(partnership=partnership, plan_version__label="2017 – 2018 Version")}
        for title, due, owner, group_name, ref in OBLIGATIONS:
            object_create(actor=actor, instance=Obligation(
                partnership=partnership, title=title, due_date=due, owner_text=owner,
                group=groups.get(group_name) if group_name else None, plan_action=actions.get(ref),
            ))
            added += 1
    return added


# --- This year's meetings, attendance and obligations ------------------------------------------------
# Invented, like the rest of the demo's activity: the groups' meetings through the partnership year
# that contains today (held before today, with attendance; planned after), this year's obligations and
# terms of reference, so every governance page shows a live year.

# group name: (months it meets in, which weekday (0 = Monday), which week of the month, time, where)
MEETING_PATTERN = {
    "Warwickshire Prevent Strategy Group": ((4, 7, 10, 1), 1, 3, dt.time(14, 0), "Shire Hall, Warwick"),
    "Warwickshire Channel Panel": (tuple(range(1, 13)), 2, 2, dt.time(10, 0), "Shire Hall, Warwick (secure room)"),
    "Schools Prevent Forum": ((5, 11), 3, 2, dt.time(15, 30), "Online"),
    "FE Prevent Forum": ((2, 6, 10), 3, 1, dt.time(13, 0), "Online"),
}
# Out of every 20 meetings an organisation is expected at, how it attended (varied per organisation).
ATTENDANCE_MIX = ["present"] * 14 + ["deputy"] * 2 + ["apologies"] * 3 + ["absent"]


@transaction.atomic
def load_current_year_governance(partnership, *, today=None, actor=None) -> int:
    """This year's meetings (with attendance and decisions), obligations and terms of reference; once."""
    from django.utils import timezone

    from prevent_hub.plans.demo import SEED_YEAR, demo_year
    from prevent_hub.plans.schedule import add_months, version_window

    from .choices import AttendanceStatus, MeetingStatus
    from .models import Attendance, Meeting, MeetingItem

    today = today or timezone.localdate()
    year = demo_year(partnership, today)
    start, end = version_window(year, partnership.year_start_month)
    if year <= SEED_YEAR or Meeting.objects.filter(partnership=partnership, starts_at__date__gte=start).exists():
        return 0
    until = add_months(end, 3)  # and the next quarter's, so "coming up" has something in it
    groups = {g.name: g for g in Group.objects.filter(partnership=partnership)}
    added = 0
    for name, (months, weekday, week, at, where) in MEETING_PATTERN.items():
        group = groups.get(name)
        if group is None:
            continue
        members = [seat.organisation for seat in group.seats.select_related("organisation") if seat.organisation]
        month = start
        while month <= until:
            if month.month in months:
                day = nth_weekday(month.year, month.month, weekday, week)
                held = day < today
                meeting = object_create(actor=actor, instance=Meeting(
                    partnership=partnership, group=group, location=where,
                    starts_at=timezone.make_aware(dt.datetime.combine(day, at)),
                    status=MeetingStatus.HELD if held else MeetingStatus.PLANNED))
                added += 1
                for organisation in members if held else ():
                    mix = ATTENDANCE_MIX[(sum(map(ord, organisation.name)) + day.toordinal() // 7) % 20]
                    object_create(actor=actor, instance=Attendance(
                        partnership=partnership, meeting=meeting, organisation=organisation,
                        status=AttendanceStatus(mix)))
                    added += 1
            month = add_months(month, 1)
    strategy = groups.get("Warwickshire Prevent Strategy Group")
    latest = (Meeting.objects.filter(group=strategy, status=MeetingStatus.HELD).order_by("-starts_at").first()
              if strategy else None)
    if latest is not None:
        for kind, text, who in (
            ("decision", "The quarter's progress report was noted; every action rated red has a mitigation.", ""),
            ("action", "Bring the Beyond WRAP recovery plan (action 3.2) to the next meeting.", "Prevent Officer"),
        ):
            object_create(actor=actor, instance=MeetingItem(
                partnership=partnership, meeting=latest, kind=kind, text=text, owner_text=who,
                due_date=latest.starts_at.date() + dt.timedelta(days=91) if kind == "action" else None))
            added += 1
    years = year - SEED_YEAR
    actions = {a.ref: a for a in Action.objects.filter(partnership=partnership, plan_version__year_start=year)}
    for title, due, owner, group_name, ref in OBLIGATIONS:
        object_create(actor=actor, instance=Obligation(
            partnership=partnership, title=title, due_date=due.replace(year=due.year + years), owner_text=owner,
            group=groups.get(group_name) if group_name else None, plan_action=actions.get(ref)))
        added += 1
    for group_name in ("Warwickshire Prevent Strategy Group", "Warwickshire Channel Panel"):
        group = groups.get(group_name)
        if group is not None and not group.terms.filter(approved_on__year=year).exists():
            object_create(actor=actor, instance=TermsOfReference(
                partnership=partnership, group=group, version_label=f"July {year}",
                approved_on=dt.date(year, 7, 31), next_review=dt.date(year + 1, 7, 31),
                text="Reviewed every year with the membership (plan actions 2.3 and 5.1)."))
            added += 1
    return added
