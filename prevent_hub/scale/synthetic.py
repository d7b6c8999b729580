"""Deterministic synthetic data at county, region and national scale (issue 10).

Every partnership gets the same shape: 60 organisations and 300 people, a plan in three
yearly versions of 40 actions with ten years of quarterly updates, four governance
groups meeting 22 times a year with attendance, 11,000 training attendances a year,
Channel cases, its share of the referral records and of the access log. The same
``seed`` and ``as_of`` give the same data.

Nothing here is real. People's names are drawn from neutral lists, organisations are
numbered, and every category (district, sector, age, gender, type of concern) is drawn
independently of the others, so the data never ties a place or a community to a type of
concern. Rows go in through bulk inserts (``bulk_create`` where later rows need the ids,
``core.bulk.copy_insert`` for the large leaf tables), so no change-log row is written per
record: each partnership gets one change-log entry saying what was generated.
"""
import datetime as dt
import random
from dataclasses import dataclass, fields, replace

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from prevent_hub.accounts.models import Membership, User
from prevent_hub.audit.models import AccessLog
from prevent_hub.audit.services import log_change
from prevent_hub.channel import demo as channel_demo
from prevent_hub.channel import services as channel_services
from prevent_hub.channel.choices import AgeBand, ConcernType, GatewayOutcome, Gender, Outcome, ReferralSector, Stage
from prevent_hub.channel.models import REFERENCE_ALPHABET, Case, CaseAssignment, Subject
from prevent_hub.core.bulk import copy_insert
from prevent_hub.core.progress import ProgressBar
from prevent_hub.core.roles import Role
from prevent_hub.directory.choices import Sector
from prevent_hub.directory.models import Organisation, Partnership, Person
from prevent_hub.governance.choices import AttendanceStatus, GroupKind, MeetingStatus, SeatRole
from prevent_hub.governance.models import Attendance, Group, Meeting, Seat
from prevent_hub.insights.categories import dimension
from prevent_hub.insights.models import Referral
from prevent_hub.plans.choices import ActionStatus, Cadence, OwnerKind, Rag, Tag, TimescaleKind
from prevent_hub.plans.models import (
    Action,
    ActionOwner,
    Plan,
    PlanVersion,
    ProgressUpdate,
    Theme,
    Timescale,
    ref_sort_key,
)
from prevent_hub.training.choices import CourseLevel, Delivery
from prevent_hub.training.models import Course, Feedback, HeadCount, LmsCompletion, Trainer, TrainingSession

SLUG_PREFIX = "synthetic-"
NATIONAL_SLUG = "national"
EMAIL_DOMAIN = "synthetic.invalid"
ROLES = (Role.COORDINATOR, Role.PARTNERSHIP_ADMIN, Role.CHANNEL_CHAIR, Role.POLICE_PREVENT, Role.PANEL_MEMBER,
         Role.BOARD_VIEWER, Role.ACTION_OWNER, Role.AUDITOR)


@dataclass(frozen=True)
class Scale:
    partnerships: int
    referrals: int  # in all, over ten financial years
    access_log_rows: int  # in all
    national_view: bool = False  # a national programme partnership holding every referral record too
    organisations: int = 60
    people: int = 300
    plan_versions: int = 3
    actions_per_version: int = 40
    update_quarters: int = 40  # ten years of quarterly updates
    meetings_per_year: int = 22
    activity_years: int = 3  # years of meetings and training (the plan's three versions)
    training_per_year: int = 11_000
    cases: int = 40

    def per_partnership(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}


SCALES = {
    "county": Scale(partnerships=1, referrals=400, access_log_rows=57_000),
    "region": Scale(partnerships=20, referrals=8_000, access_log_rows=1_140_000),
    "national": Scale(partnerships=175, referrals=70_000, access_log_rows=10_000_000, national_view=True),
}

# Close to the national mix in the Home Office releases (2023/24); weights, not counts.
SECTOR_WEIGHTS = {"education": 40, "police": 28, "local_authority": 11, "health": 9, "community": 3,
                  "friends_family": 3, "prisons": 2, "probation": 2, "other": 2}
GENDER_WEIGHTS = {"male": 89, "female": 10, "other": 1}
AGE_WEIGHTS = {(10, 15): 36, (16, 17): 13, (18, 20): 10, (21, 30): 15, (31, 40): 11, (41, 50): 7, (51, 60): 4,
               (61, 75): 2, None: 2}
CONCERN_WEIGHTS = {"islamist": 13, "extreme_right_wing": 19, "conflicted": 16, "no_ideology": 37,
                   "school_massacre": 3, "incel": 2, "other": 8, "not_known": 2}
STAGE_WEIGHTS = {"no_further_action": 55, "signposted": 32, "discussed_at_panel": 6, "adopted": 7}

FIRST_NAMES = ["Alex", "Sam", "Jo", "Chris", "Robin", "Pat", "Charlie", "Jamie", "Morgan", "Taylor", "Jordan",
               "Casey", "Riley", "Avery", "Drew", "Frankie", "Kit", "Lee", "Max", "Noel", "Reese", "Rowan", "Sky",
               "Toni"]
LAST_NAMES = ["Example", "Sample", "Placeholder", "Fictional", "Madeup", "Invented", "Testcase", "Dummy",
              "Specimen", "Mockup", "Pretend", "Synthetic", "Notreal", "Standin", "Proxy", "Model"]
# (sector, how many of the 60, name pattern); specified authorities are the statutory sectors.
ORGANISATION_MIX = [
    (Sector.LOCAL_AUTHORITY, 6, "Council {n}"), (Sector.EDUCATION, 24, "School or college {n}"),
    (Sector.HEALTH, 8, "Health trust {n}"), (Sector.POLICE, 2, "Police service {n}"),
    (Sector.PRISONS_PROBATION, 3, "Prison or probation service {n}"),
    (Sector.VOLUNTARY_COMMUNITY, 10, "Community organisation {n}"), (Sector.OTHER, 7, "Other partner {n}"),
]
SPECIFIED = {Sector.LOCAL_AUTHORITY, Sector.EDUCATION, Sector.HEALTH, Sector.POLICE, Sector.PRISONS_PROBATION}
THEMES = ["Leadership and partnership working", "Training and awareness", "Safeguarding and support",
          "Communications and engagement", "Education, young people and families", "Venues, premises and online"]
ACTION_VERBS = ["Review", "Deliver", "Report on", "Agree", "Publish", "Monitor", "Refresh", "Promote"]
ACTION_OBJECTS = ["the partnership's Prevent risk assessment", "WRAP training for frontline staff",
                  "the referral pathway guidance", "the Channel Panel terms of reference",
                  "the venue hire checklist", "the quarterly Prevent newsletter", "the e-learning completion figures",
                  "the safeguarding leads' forum programme", "the online safety guidance for schools",
                  "the communications plan", "the Prevent duty self-assessment", "the community engagement plan"]
RAG_BY_STATUS = {ActionStatus.ON_TRACK: Rag.GREEN, ActionStatus.COMPLETE: Rag.GREEN, ActionStatus.ONGOING: Rag.GREEN,
                 ActionStatus.AT_RISK: Rag.AMBER, ActionStatus.NOT_STARTED: Rag.AMBER, ActionStatus.OFF_TRACK: Rag.RED}
UPDATE_STATUS_WEIGHTS = {ActionStatus.ON_TRACK: 50, ActionStatus.ONGOING: 20, ActionStatus.COMPLETE: 10,
                         ActionStatus.AT_RISK: 12, ActionStatus.OFF_TRACK: 5, ActionStatus.NOT_STARTED: 3}
# Four groups meeting 22 times a year between them.
GROUPS = [("Prevent Strategy Group", GroupKind.STRATEGY_GROUP, Cadence.QUARTERLY, 4, False),
          ("Channel Panel", GroupKind.CHANNEL_PANEL, Cadence.MONTHLY, 12, True),
          ("Education Safeguarding Forum", GroupKind.FORUM, Cadence.TERMLY, 3, False),
          ("Safeguarding Board", GroupKind.BOARD, "", 3, False)]
COURSES = [("Prevent awareness e-learning", CourseLevel.AWARENESS, Delivery.ELEARNING),
           ("WRAP", CourseLevel.WRAP, Delivery.IN_PERSON), ("WRAP 3 for schools", CourseLevel.WRAP3, Delivery.IN_PERSON),
           ("Beyond WRAP", CourseLevel.BEYOND_WRAP, Delivery.ONLINE)]
E_LEARNING_SHARE = 0.3  # of each year's attendances; the rest are at sessions
PEOPLE_PER_SESSION = 28
CASE_STAGES = [Stage.REFERRED] * 4 + [Stage.GATHERING] * 4 + [Stage.PANEL] * 4 + [Stage.ADOPTED] * 3 + \
    [Stage.SUPPORT] * 8 + [Stage.EXITED] * 5 + [Stage.CLOSED] * 12
CLOSED_OUTCOMES = [Outcome.NO_FURTHER_ACTION, Outcome.SIGNPOSTED, Outcome.NOT_ADOPTED, Outcome.CHANNEL_CLOSED]
ACCESS_PURPOSES = ["Preparing for the Channel Panel", "Reviewing the support plan", "Answering an information request",
                   "Police gateway screening", "Post-exit review"]
ACCESS_SECTIONS = [["summary"], ["summary", "referral"], ["assessment"], ["support plan"], ["reviews"]]


class SyntheticDataExists(Exception):
    """Raised when the database already holds synthetic partnerships."""


@dataclass
class Context:
    """What one run shares between its steps."""
    rnd: random.Random
    scale: Scale
    as_of: dt.date
    now: dt.datetime
    password: str


def generate(scale: Scale, *, seed: int = 1, as_of: dt.date | None = None, stream=None) -> dict:
    """Generate ``scale`` in one transaction and return the number of rows added per kind.

    Refuses (``SyntheticDataExists``) if synthetic partnerships are already there, so a
    second run never mixes two data sets.
    """
    if Partnership.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise SyntheticDataExists("This database already holds synthetic partnerships; generate into a fresh one.")
    as_of = as_of or timezone.localdate()
    ctx = Context(rnd=random.Random(seed), scale=scale, as_of=as_of,
                  now=timezone.make_aware(dt.datetime.combine(as_of, dt.time(9))), password=make_password(None))
    counts: dict[str, int] = {}
    with transaction.atomic():
        referral_shares = _shares(ctx.rnd, scale.referrals, scale.partnerships)
        log_shares = _shares(ctx.rnd, scale.access_log_rows, scale.partnerships)
        partnerships = Partnership.objects.bulk_create(
            Partnership(name=f"Synthetic Partnership {index:03d}", slug=f"{SLUG_PREFIX}{index:03d}",
                        area=f"Synthetic area {index:03d}")
            for index in range(1, scale.partnerships + 1)
        )
        case_refs = []
        with ProgressBar(scale.partnerships, "Partnerships", stream=stream) as bar:
            for partnership, referrals in zip(partnerships, referral_shares, strict=True):
                added, cases = _partnership(ctx, partnership, referrals)
                case_refs.append(cases)
                _add(counts, added)
                log_change(actor=None, instance=partnership, action="create", before=None,
                           after={"generated": "synthetic data", "scale": scale.per_partnership(), "rows": added})
                bar.advance()
        if scale.national_view:
            _add(counts, _national_view(ctx, stream))
        with ProgressBar(scale.access_log_rows, "Access log", stream=stream) as bar:
            counts["access log rows"] = AccessLog.append_history(
                _access_history(ctx, partnerships, case_refs, log_shares), progress=bar.advance)
    return counts


def _add(counts: dict, added: dict) -> None:
    for name, count in added.items():
        counts[name] = counts.get(name, 0) + count


def _shares(rnd, total: int, parts: int) -> list[int]:
    """Split ``total`` over ``parts`` unevenly (partnerships differ in size) but exactly."""
    return _shares_of([rnd.uniform(0.5, 1.5) for _ in range(parts)], total)


def _shares_of(weights: list, total: int) -> list[int]:
    """Split ``total`` in proportion to ``weights``, exactly (the largest weights take what rounding leaves)."""
    scale = total / sum(weights)
    shares = [int(weight * scale) for weight in weights]
    by_weight = sorted(range(len(weights)), key=lambda index: -weights[index])
    for step in range(total - sum(shares)):
        shares[by_weight[step % len(weights)]] += 1
    return shares


def _pick(rnd, weights: dict):
    return rnd.choices(list(weights), weights=list(weights.values()))[0]


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _quarters_back(day: dt.date, count: int) -> list[dt.date]:
    """The ``count`` complete quarters before the one ``day`` is in, oldest first."""
    start, quarters = _quarter_start(day), []
    for _ in range(count):
        month, year = start.month - 3, start.year
        if month < 1:
            month, year = month + 12, year - 1
        start = dt.date(year, month, 1)
        quarters.append(start)
    return quarters[::-1]


def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _scoped(partnership, now):
    """The columns every partnership-scoped row needs, for ``copy_insert``."""
    return (partnership.pk, now, now, 1)


SCOPED_COLUMNS = ("partnership_id", "created_at", "updated_at", "version")


def _partnership(ctx: Context, partnership, referrals: int) -> tuple[dict, tuple]:
    added = {}
    orgs, people = _directory(ctx, partnership, added)
    users = _users(ctx, partnership, people, added)
    _plan(ctx, partnership, orgs, people, users, added)
    _governance(ctx, partnership, orgs, people, added)
    _training(ctx, partnership, orgs, people, added)
    added["referral records"] = copy_insert(Referral, REFERRAL_COLUMNS, _referrals(ctx, partnership, referrals))
    cases = _channel(ctx, partnership, orgs, users, added)
    return added, cases


def _directory(ctx, partnership, added):
    scale, rnd = ctx.scale, ctx.rnd
    mix = dict(zip([sector for sector, _, _ in ORGANISATION_MIX],
                   _shares_of([count for _, count, _ in ORGANISATION_MIX], scale.organisations), strict=True))
    orgs = Organisation.objects.bulk_create(
        Organisation(partnership=partnership, name=pattern.format(n=n), sector=sector,
                     is_specified_authority=sector in SPECIFIED, workforce_size=rnd.randrange(40, 4000))
        for sector, _, pattern in ORGANISATION_MIX for n in range(1, mix[sector] + 1)
    )
    people = Person.objects.bulk_create(
        Person(partnership=partnership, name=f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
               job_title=rnd.choice(["Safeguarding lead", "Prevent lead", "Manager", "Officer", "Head of service"]),
               organisation=orgs[n % len(orgs)], email=f"person{n}.{partnership.slug}@{EMAIL_DOMAIN}")
        for n in range(scale.people)
    )
    added.update(organisations=len(orgs), people=len(people))
    return orgs, people


def _users(ctx, partnership, people, added) -> dict:
    """One signed-in user per role, each also a person in the directory."""
    users = User.objects.bulk_create(
        User(email=f"{role}.{partnership.slug}@{EMAIL_DOMAIN}", full_name=people[n].name, password=ctx.password)
        for n, role in enumerate(ROLES)
    )
    Membership.objects.bulk_create(
        Membership(user=user, partnership=partnership, role=role) for user, role in zip(users, ROLES, strict=True)
    )
    for person, user in zip(people, users, strict=False):
        person.user = user
    Person.objects.bulk_update(people[: len(users)], ["user"])
    added["users"] = len(users)
    return dict(zip(ROLES, users, strict=True))


def _plan(ctx, partnership, orgs, people, users, added):
    scale, rnd = ctx.scale, ctx.rnd
    quarters = _quarters_back(ctx.as_of, scale.update_quarters)
    # The quarters split evenly between the versions, oldest first.
    per_version = -(-len(quarters) // scale.plan_versions)
    spans = [quarters[i * per_version:(i + 1) * per_version] for i in range(scale.plan_versions)]
    first_year, last_year = _financial_year(quarters[0]), _financial_year(ctx.as_of) + 1
    plan = Plan.objects.create(partnership=partnership, title="Prevent action plan", period_start=first_year,
                               period_end=last_year)
    versions, previous = [], None
    for number, span in enumerate(spans, start=1):
        start = _financial_year(span[0]) if span else first_year
        end = _financial_year(span[-1]) + 1 if span else last_year
        if number == len(spans):
            end = last_year
        previous = PlanVersion.objects.create(
            partnership=partnership, plan=plan, label=f"{start}/{str(start + 1)[-2:]} refresh {number}",
            year_start=start, year_end=end, issued=f"Strategy Group, April {start}",
            issued_date=dt.date(start, 4, 1), previous=previous,
        )
        versions.append(previous)
    themes_by_version = {
        version.pk: Theme.objects.bulk_create(
            Theme(partnership=partnership, plan_version=version, number=n, title=title)
            for n, title in enumerate(THEMES, start=1)
        )
        for version in versions
    }
    owner_people = people[: max(len(people) // 5, 1)]
    tags = [Tag.OFOF, Tag.CTLP, Tag.HATE_CRIME]
    actions_by_version, previous_by_ref = [], {}
    for version in versions:
        themes = themes_by_version[version.pk]
        new = []
        for index in range(scale.actions_per_version):
            theme = themes[index % len(themes)]
            ref = f"{theme.number}.{index // len(themes) + 1}"
            chosen = [tag for tag in tags if rnd.random() < 0.2]
            new.append(Action(
                partnership=partnership, plan_version=version, theme=theme, ref=ref, sort_key=ref_sort_key(ref),
                text=f"{rnd.choice(ACTION_VERBS)} {rnd.choice(ACTION_OBJECTS)}",
                who_text=str(rnd.choice(orgs)), timescale_text="Quarterly", outcomes=["Partners know what to do"],
                tags=chosen, tags_text="".join(f"|{tag}" for tag in chosen) + "|" if chosen else "",
                previous=previous_by_ref.get(ref),
            ))
        new = Action.objects.bulk_create(new)
        previous_by_ref = {action.ref: action for action in new}
        actions_by_version.append(new)
    every_action = [action for actions in actions_by_version for action in actions]
    added["actions"] = len(every_action)
    added["action owners"] = copy_insert(ActionOwner, (*SCOPED_COLUMNS, "action_id", "position", "kind", "is_lead",
                                                       "role_title", "person_id", "organisation_id", "responsibility",
                                                       "source_text"), (
        (*_scoped(partnership, ctx.now), action.pk, position, kind, position == 0, "",
         rnd.choice(owner_people).pk if kind == OwnerKind.PERSON else None,
         rnd.choice(orgs).pk if kind == OwnerKind.ORGANISATION else None, "", "")
        for action in every_action
        for position, kind in enumerate([OwnerKind.PERSON] + ([OwnerKind.ORGANISATION] if rnd.random() < 0.5 else []))
    ))
    added["timescales"] = copy_insert(Timescale, (*SCOPED_COLUMNS, "action_id", "position", "kind", "text",
                                                  "due_date", "start_date", "cadence", "season", "count", "unit"), (
        (*_scoped(partnership, ctx.now), action.pk, 0, TimescaleKind.CADENCE, "Quarterly", None, None,
         Cadence.QUARTERLY, "", None, "")
        for action in every_action
    ))
    author = users[Role.ACTION_OWNER]
    added["progress updates"] = copy_insert(ProgressUpdate, (
        *SCOPED_COLUMNS, "action_id", "period_start", "status", "rag", "narrative", "percent_complete", "milestone",
        "evidence_link", "evidence_file", "author_id", "author_name", "on_behalf_of"), (
        (*_scoped(partnership, ctx.now), action.pk, quarter, status, RAG_BY_STATUS[status],
         f"Quarter from {quarter:%-d %B %Y}: work continued as planned with partners.", None, "", "", "",
         author.pk, author.full_name, "")
        for actions, span in zip(actions_by_version, spans, strict=True)
        for action in actions for quarter in span
        for status in [_pick(rnd, UPDATE_STATUS_WEIGHTS)]
    ))


def _governance(ctx, partnership, orgs, people, added):
    scale, rnd = ctx.scale, ctx.rnd
    groups = Group.objects.bulk_create(
        Group(partnership=partnership, name=name, kind=kind, cadence=cadence, is_secure=secure,
              chair=rnd.choice(people))
        for name, kind, cadence, _per_year, secure in GROUPS
    )
    seats = {group.pk: rnd.sample(orgs, min(8, len(orgs))) for group in groups}
    Seat.objects.bulk_create(
        Seat(partnership=partnership, group=group, organisation=org, role=SeatRole.CHAIR if n == 0 else SeatRole.MEMBER)
        for group in groups for n, org in enumerate(seats[group.pk])
    )
    start = dt.date(_financial_year(ctx.as_of) - scale.activity_years + 1, 4, 1)
    meetings = []
    for group, (_name, _kind, _cadence, per_year, _secure) in zip(groups, GROUPS, strict=True):
        per_year = max(round(per_year * scale.meetings_per_year / 22), 1)
        for year in range(scale.activity_years):
            for n in range(per_year):
                day = start + dt.timedelta(days=365 * year + (365 * n) // per_year + rnd.randrange(0, 10))
                starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
                meetings.append(Meeting(partnership=partnership, group=group, starts_at=starts,
                                        ends_at=starts + dt.timedelta(hours=2), location="Meeting room 1",
                                        status=MeetingStatus.HELD if day < ctx.as_of else MeetingStatus.PLANNED,
                                        agenda="Welcome\nAction plan progress\nAny other business"))
    meetings = Meeting.objects.bulk_create(meetings)
    attendance_statuses = {AttendanceStatus.PRESENT: 75, AttendanceStatus.DEPUTY: 10, AttendanceStatus.APOLOGIES: 10,
                           AttendanceStatus.ABSENT: 5}
    added["meetings"] = len(meetings)
    added["attendance"] = copy_insert(Attendance, (*SCOPED_COLUMNS, "meeting_id", "organisation_id", "person_id",
                                                   "status"), (
        (*_scoped(partnership, ctx.now), meeting.pk, org.pk, None, _pick(rnd, attendance_statuses))
        for meeting in meetings if meeting.status == MeetingStatus.HELD
        for org in seats[meeting.group_id]
    ))


def _training(ctx, partnership, orgs, people, added):
    scale, rnd = ctx.scale, ctx.rnd
    courses = Course.objects.bulk_create(
        Course(partnership=partnership, name=name, level=level, delivery=delivery) for name, level, delivery in COURSES
    )
    trainers = Trainer.objects.bulk_create(
        Trainer(partnership=partnership, person=person, organisation=person.organisation, course=course,
                accredited_on=dt.date(ctx.as_of.year - 4, 6, 1), refresher_due=dt.date(ctx.as_of.year + 1, 6, 1))
        for course, person in zip(courses[1:], rnd.sample(people, len(courses) - 1), strict=True)
    )
    e_learning, taught = courses[0], courses[1:]
    first_year = _financial_year(ctx.as_of) - scale.activity_years + 1
    sessions, completions = [], []
    for year in range(first_year, first_year + scale.activity_years):
        year_start = dt.date(year, 4, 1)
        days = max(min((ctx.as_of - year_start).days, 365), 1)  # the current year only as far as today
        attendances = scale.training_per_year * days // 365
        online = int(attendances * E_LEARNING_SHARE)
        completions += [
            (*_scoped(partnership, ctx.now), e_learning.pk, f"LRN-{year}-{n:05d}", rnd.choice(orgs).pk,
             year_start + dt.timedelta(days=rnd.randrange(days)))
            for n in range(online)
        ]
        for n in range((attendances - online) // PEOPLE_PER_SESSION):
            index = rnd.randrange(len(taught))
            sessions.append(TrainingSession(
                partnership=partnership, course=taught[index], trainer=trainers[index], host=rnd.choice(orgs),
                date=year_start + dt.timedelta(days=(days * n) // max((attendances - online) // PEOPLE_PER_SESSION, 1)),
                venue="Training room", capacity=PEOPLE_PER_SESSION + 5,
            ))
    sessions = TrainingSession.objects.bulk_create(sessions)
    added["training sessions"] = len(sessions)
    added["e-learning completions"] = copy_insert(
        LmsCompletion, (*SCOPED_COLUMNS, "course_id", "learner_ref", "organisation_id", "completed_on"), completions)

    def head_counts():
        for session in sessions:
            # A session's 28 people in three head-counts by organisation.
            for count in (12, 9, 7):
                org = rnd.choice(orgs)
                yield (*_scoped(partnership, ctx.now), session.pk, org.pk, org.sector, "", "", count, "Trainer")

    added["head-count rows"] = copy_insert(HeadCount, (*SCOPED_COLUMNS, "session_id", "organisation_id", "sector",
                                                       "role", "attendee", "count", "returned_by"), head_counts())
    added["training feedback"] = copy_insert(Feedback, (*SCOPED_COLUMNS, "session_id", "rating", "confidence_before",
                                                        "confidence_after", "comments"), (
        (*_scoped(partnership, ctx.now), session.pk, rnd.randint(3, 5), rnd.randint(1, 3), rnd.randint(3, 5), "")
        for session in sessions for _ in range(2)
    ))


REFERRAL_COLUMNS = (*SCOPED_COLUMNS, "reference", "referral_date", "financial_year", "sector", "age", "age_band",
                    "gender", "concern", "district", "stage", "batch_id")


def _referrals(ctx, partnership, count: int):
    """``count`` de-identified referral records over the last ten financial years, growing a little each year."""
    rnd = ctx.rnd
    age_dimension, concern_dimension = dimension("age"), dimension("concern")
    this_year = _financial_year(ctx.as_of)
    years = list(range(this_year - 9, this_year + 1))
    year_weights = [1 + 0.05 * n for n in range(len(years))]
    for n in range(count):
        year = rnd.choices(years, weights=year_weights)[0]
        start = dt.date(year, 4, 1)
        span = min((ctx.as_of - start).days, 364)
        day = start + dt.timedelta(days=rnd.randrange(max(span, 1)))
        ages = _pick(rnd, AGE_WEIGHTS)
        age = rnd.randint(*ages) if ages else None
        band = age_dimension.scheme_for(year).band_for_age(age) if age is not None else None
        yield (*_scoped(partnership, ctx.now), f"{partnership.slug}-{n:06d}", day, year,
               _pick(rnd, SECTOR_WEIGHTS), age, band.code if band else "unknown", _pick(rnd, GENDER_WEIGHTS),
               concern_dimension.fit(_pick(rnd, CONCERN_WEIGHTS), year), f"District {rnd.randint(1, 8)}",
               _pick(rnd, STAGE_WEIGHTS), None)


def _national_view(ctx, stream) -> dict:
    """A national programme partnership holding a referral record for every referral in the data set."""
    national = Partnership.objects.create(name="National Prevent programme (synthetic)", slug=NATIONAL_SLUG,
                                          area="England and Wales (synthetic)")
    users = User.objects.bulk_create(
        User(email=f"{role}.{NATIONAL_SLUG}@{EMAIL_DOMAIN}", full_name=f"National {Role(role).label}",
             password=ctx.password)
        for role in (Role.COORDINATOR, Role.BOARD_VIEWER)
    )
    Membership.objects.bulk_create(Membership(user=user, partnership=national, role=role)
                                   for user, role in zip(users, (Role.COORDINATOR, Role.BOARD_VIEWER), strict=True))
    with ProgressBar(ctx.scale.referrals, "National referral records", stream=stream) as bar:
        count = copy_insert(Referral, REFERRAL_COLUMNS, _referrals(ctx, national, ctx.scale.referrals),
                            progress=bar.advance)
    log_change(actor=None, instance=national, action="create", before=None,
               after={"generated": "synthetic data", "referral records": count})
    return {"national referral records": count}


def _channel(ctx, partnership, orgs, users, added) -> tuple[list, list]:
    """Synthetic cases across the workflow's stages; return each case's (log pseudonym, version) and the
    case team's (user id, name, email, role), for the access log."""
    rnd = ctx.rnd
    channel_demo.standard_factors_add(partnership)
    channel_demo.retention_rules_add(partnership)
    age_bands = [band for band in AgeBand.values if band != AgeBand.UNKNOWN]
    stages = [CASE_STAGES[n % len(CASE_STAGES)] for n in range(ctx.scale.cases)]
    cases = []
    for n, stage in enumerate(stages):
        received = ctx.as_of - dt.timedelta(days=rnd.randrange(20, 900))
        screened = stage not in (Stage.REFERRED,)
        closed = stage == Stage.CLOSED
        outcome = rnd.choice(CLOSED_OUTCOMES) if closed else Outcome.OPEN
        closed_on = received + dt.timedelta(days=rnd.randrange(30, 300)) if closed else None
        if closed_on and closed_on > ctx.as_of:
            closed_on = ctx.as_of
        cases.append(Case(
            partnership=partnership, reference=_code(rnd, "CH-", 8), log_ref=f"L-{rnd.getrandbits(64):016x}",
            stage=stage, outcome=outcome, received_on=received, referrer_name=f"{rnd.choice(FIRST_NAMES)} Referrer",
            referrer_role="Designated safeguarding lead", referrer_organisation=rnd.choice(orgs),
            referrer_sector=rnd.choice(ReferralSector.values), age_band=rnd.choice(age_bands),
            gender=rnd.choice(Gender.values), district=f"District {rnd.randint(1, 8)}",
            concern_type=rnd.choice([c for c in ConcernType.values if c != ConcernType.NOT_KNOWN]),
            concern_how_arose="Synthetic text: a member of staff noticed a change in behaviour.",
            concern_indicators="Synthetic text: remarks in class that staff were worried about.",
            gateway_outcome=GatewayOutcome.CHANNEL if screened and stage != Stage.GATHERING else "",
            gateway_on=received + dt.timedelta(days=5) if screened else None,
            closed_on=closed_on,
            erase_after=(closed_on or received) + dt.timedelta(days=365 * channel_services.OPEN_CASE_REVIEW_YEARS),
        ))
    cases = Case.objects.bulk_create(cases)
    Subject.objects.bulk_create(
        Subject(partnership=partnership, case=case, full_name=f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
                date_of_birth=dt.date(ctx.as_of.year - rnd.randint(12, 40), rnd.randint(1, 12), rnd.randint(1, 28)))
        for case in cases
    )
    panel_member = users[Role.PANEL_MEMBER]
    CaseAssignment.objects.bulk_create(
        CaseAssignment(partnership=partnership, case=case, user=panel_member, assigned_by=users[Role.CHANNEL_CHAIR])
        for case in cases[::4] if case.stage != Stage.CLOSED
    )
    added["Channel cases"] = len(cases)
    readers = [(users[role].pk, users[role].full_name, users[role].email, str(role))
               for role in (Role.CHANNEL_CHAIR, Role.POLICE_PREVENT)]
    return [(case.log_ref, case.version) for case in cases], readers


def _code(rnd, prefix: str, length: int) -> str:
    body = "".join(rnd.choice(REFERENCE_ALPHABET) for _ in range(length))
    return f"{prefix}{body[:4]}-{body[4:]}"


def _access_history(ctx, partnerships, case_refs, shares):
    """Past reads of each partnership's cases by its case team, in time order within the partnership.

    Everything it needs is fetched beforehand: no query can run while COPY holds the connection.
    """
    rnd = ctx.rnd
    for partnership, (cases, readers), rows in zip(partnerships, case_refs, shares, strict=True):
        if not cases:
            continue
        span = dt.timedelta(days=365 * 3).total_seconds()
        start = (ctx.now - dt.timedelta(days=365 * 3)).astimezone(dt.UTC)
        for n in range(rows):
            reader_id, name, email, role = readers[n % len(readers)]
            log_ref, version = cases[rnd.randrange(len(cases))]
            purpose = rnd.randrange(len(ACCESS_PURPOSES))
            yield {
                "timestamp": start + dt.timedelta(seconds=span * n / rows),
                "user_id": reader_id, "user_repr": f"{name} <{email}>", "roles": role, "request_id": "",
                "partnership_id": partnership.pk, "event": "consultation",
                "target_type": "channel.case", "target_id": log_ref, "target_repr": log_ref,
                "target_version": version, "sections": ACCESS_SECTIONS[purpose],
                "purpose": ACCESS_PURPOSES[purpose], "recipient": "",
            }


def scaled(name: str, **overrides) -> Scale:
    """A named scale, with any numbers overridden (for trying the generator at a smaller size)."""
    return replace(SCALES[name], **overrides)
