"""Reads for plans: the directory as the parser's vocabulary, owner matching, and version diffs."""
import datetime as dt
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import F

from prevent_hub.core.dates import end_of_day
from prevent_hub.directory.models import Organisation, Person

from . import schedule
from .models import Action, Plan, PlanVersion
from .parsing import Vocabulary
from .parsing.owners import KNOWN_ROLES
from .parsing.schema import ParsedAction, ParsedOwner, ParsedPlan

STOP_WORDS = {"and", "of", "the", "&", "for"}
SIMILAR_ENOUGH = 0.6


def initials(name: str) -> str:
    """'Nuneaton and Bedworth Borough Council' → 'NBBC'."""
    return "".join(word[0] for word in name.split() if word.lower() not in STOP_WORDS and word[0].isalpha()).upper()


@dataclass
class DirectoryIndex:
    """The partnership's people and organisations, looked up the ways a plan refers to them."""

    people: dict[str, Person] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)

    @classmethod
    def load(cls, partnership) -> "DirectoryIndex":
        index = cls()
        if partnership is None:
            return index
        for person in Person.objects.filter(partnership=partnership):
            index.people.setdefault(person.name.lower(), person)
        organisations = list(Organisation.objects.filter(partnership=partnership))
        for org in organisations:  # full names and short names first, initials only where free
            index.organisations.setdefault(org.name.lower(), org)
            if org.short_name:
                index.organisations.setdefault(org.short_name.lower(), org)
        for org in organisations:
            if len(initials(org.name)) >= 2:
                index.organisations.setdefault(initials(org.name).lower(), org)
        return index

    def vocabulary(self) -> Vocabulary:
        organisations = {org.name for org in self.organisations.values()}
        organisations |= {org.short_name for org in self.organisations.values() if org.short_name}
        organisations |= {key.upper() for key, org in self.organisations.items() if key.upper() == initials(org.name)}
        return Vocabulary(roles=KNOWN_ROLES, organisations=tuple(organisations),
                          people=tuple(p.name for p in self.people.values()))

    def person(self, name: str) -> Person | None:
        return self.people.get(name.lower().strip()) if name else None

    def organisation(self, name: str) -> Organisation | None:
        return self.organisations.get(name.lower().strip()) if name else None


@dataclass
class Proposals:
    """People and organisations the plan names that the directory does not have yet."""

    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


def owner_matches(owner: ParsedOwner, index: DirectoryIndex) -> tuple[Person | None, Organisation | None]:
    return index.person(owner.person_name), index.organisation(owner.organisation_name)


def proposals_for(parsed: ParsedPlan, index: DirectoryIndex) -> Proposals:
    found = Proposals()
    for action in parsed.actions:
        for owner in action.owners:
            if owner.person_name and not index.person(owner.person_name):
                found.people.append(owner.person_name)
            if owner.organisation_name and not index.organisation(owner.organisation_name):
                found.organisations.append(owner.organisation_name)
    return Proposals(people=_unique_ignoring_case(found.people), organisations=_unique_ignoring_case(found.organisations))


def _unique_ignoring_case(names: list[str]) -> list[str]:
    """First spelling of each name: the directory treats "Coventry College" and "Coventry college" as one."""
    return list({name.lower(): name for name in reversed(names)}.values())[::-1]


def latest_version(partnership, title: str) -> PlanVersion | None:
    plan = Plan.objects.filter(partnership=partnership, title__iexact=title).first()
    newest_first = (F("year_start").desc(nulls_last=True), "-pk")
    return plan.versions.order_by(*newest_first).first() if plan else None


def match_actions(new: list[ParsedAction], old: list[Action]) -> dict[str, Action]:
    """Pair each new action with the old one it continues: same reference first, then similar text."""
    pairs: dict[str, Action] = {}
    remaining = {a.pk: a for a in old}
    by_ref = {a.ref: a for a in old}
    for action in new:
        match = by_ref.get(action.ref)
        if match is not None and match.pk in remaining and _similarity(action.text, match.text) >= 0.3:
            pairs[action.ref] = remaining.pop(match.pk)
    for action in new:
        if action.ref in pairs:
            continue
        best = max(remaining.values(), key=lambda a: _similarity(action.text, a.text), default=None)
        if best is not None and _similarity(action.text, best.text) >= SIMILAR_ENOUGH:
            pairs[action.ref] = remaining.pop(best.pk)
    return pairs


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def version_diff(new: ParsedPlan, previous: PlanVersion | None) -> dict:
    """What changed from ``previous``: actions added, removed and changed (with the fields that changed)."""
    if previous is None:
        return {}
    old = list(previous.actions.all())
    pairs = match_actions(new.actions, old)
    matched_pks = {a.pk for a in pairs.values()}
    changed = []
    for action in new.actions:
        before = pairs.get(action.ref)
        if before is None:
            continue
        fields = [
            name for name, a, b in (
                ("reference", action.ref, before.ref),
                ("key action", action.text, before.text),
                ("who", action.who_text, before.who_text),
                ("timescale", action.timescale_text, before.timescale_text),
                ("outcomes", action.outcomes, before.outcomes),
                ("notes", action.notes, before.notes),
            ) if a != b
        ]
        if fields:
            changed.append({"ref": action.ref, "previous_ref": before.ref, "fields": fields})
    return {
        "previous_version": previous.label,
        "added": [a.ref for a in new.actions if a.ref not in pairs],
        "removed": [a.ref for a in old if a.pk not in matched_pks],
        "changed": changed,
    }


# --- Tracking: where every action stands on a given day ------------------------------------------


@dataclass
class ActionState:
    """One action's status on a day: reported by a person, or worked out from dates (with the reason)."""

    action: Action
    status: str
    reason: str
    derived: bool
    rag: str
    schedule: "schedule.ScheduleState"
    latest_update: object | None
    updated_this_period: bool
    lead_organisations: list[str]
    previous_status: str = ""  # as reported for the period before, for "changes since the last period"

    @property
    def status_label(self) -> str:
        from .choices import ActionStatus

        return str(ActionStatus(self.status).label) if self.status else ""

    @property
    def previous_status_label(self) -> str:
        from .choices import ActionStatus

        return str(ActionStatus(self.previous_status).label) if self.previous_status else "Not reported"


def tracked_actions(version, as_of, recorded_before=None) -> list[ActionState]:
    """Every action of ``version`` with its state on ``as_of``, in a fixed number of queries.

    Only what had been recorded by the end of ``as_of`` counts (the dashboard of a past day is that
    day's), or, with ``recorded_before``, what had been recorded by then: a report of a past quarter
    made today counts updates entered since about that quarter.
    """
    from django.db.models import Prefetch

    from .models import ActionOwner, CheckpointRecord, ProgressUpdate, Timescale

    partnership = version.partnership
    snapshot = recorded_before or end_of_day(as_of)
    window = schedule.version_window(version.year_start, partnership.year_start_month) or (
        dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year + 1, 12, 31))
    period = schedule.period_containing(as_of, partnership.year_start_month)
    # A report as known on a day leaves out actions added later; the dashboard shows the plan as it is.
    known = version.actions.filter(created_at__lt=recorded_before) if recorded_before else version.actions.all()
    actions = (
        known.select_related("partnership", "theme")
        .prefetch_related(
            Prefetch("timescales", Timescale.objects.order_by("position")),
            # Only the lead owners' organisations are shown (``lead_organisations``).
            Prefetch("owners", ActionOwner.objects.filter(is_lead=True)
                     .select_related("organisation", "person__organisation")
                     .only("action_id", "role_title", "source_text", "organisation__name", "person__organisation__name"),
                     to_attr="lead_owners"),
            Prefetch("checkpoint_records", CheckpointRecord.objects.filter(due_date__lte=window[1], created_at__lt=snapshot)),
            # Of ten years of updates only two matter: the newest this period and the newest before it.
            Prefetch("updates", _newest_updates(ProgressUpdate.objects.filter(
                period_start__gte=period.start, period_start__lte=as_of, created_at__lt=snapshot)),
                to_attr="newest_this_period"),
            Prefetch("updates", _newest_updates(ProgressUpdate.objects.filter(
                period_start__lt=period.start, created_at__lt=snapshot)), to_attr="newest_before_period"),
        )
        .order_by("sort_key")
    )
    tracking_from = version.issued_date or window[0]
    return [_state(action, as_of, window, period, partnership.year_start_month, tracking_from) for action in actions]


def _newest_updates(updates):
    """Each action's newest update among ``updates`` (the latest period, then the latest entered)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    return updates.annotate(newest=Window(RowNumber(), partition_by=[F("action_id")],
                                          order_by=[F("period_start").desc(), F("created_at").desc()])
                            ).filter(newest=1)


def _state(action, as_of, window, period, year_start_month, tracking_from) -> ActionState:
    from .choices import STATUS_RAG, ActionStatus

    done = {record.due_date for record in action.checkpoint_records.all()}
    state = schedule.schedule_state(list(action.timescales.all()), done, as_of=as_of, window=window,
                                    year_start_month=year_start_month, tracking_from=tracking_from)
    earlier = next(iter(action.newest_before_period), None)
    latest = next(iter(action.newest_this_period), earlier)
    this_period = latest is not None and latest is not earlier
    if this_period:
        status, reason, derived = latest.status, f"Reported for {period.label} by {latest.author_name}", False
    elif action.status:
        status, reason, derived = action.status, "Set on the action", False
    elif state.overdue:
        first = state.overdue[0]
        status, reason, derived = ActionStatus.OFF_TRACK, f"Overdue since {first.date:%-d %B %Y}: “{first.label}”", True
    elif state.due_soon:
        soon = state.due_soon[0]
        status, reason, derived = ActionStatus.AT_RISK, f"Due {soon.date:%-d %B %Y} and no update for {period.label}", True
    elif state.ongoing:
        status, reason, derived = ActionStatus.ONGOING, "Ongoing: an update is asked for every period", True
    elif state.next_due is None and done:
        status, reason, derived = ActionStatus.COMPLETE, "Every check-point is marked done", True
    elif state.next_due is None and not action.timescales.all():
        status, reason, derived = ActionStatus.NOT_STARTED, "No timescale to track", True
    else:
        status, reason, derived = ActionStatus.ON_TRACK, "Nothing overdue", True
    leads = []
    for owner in action.lead_owners:
        organisation = owner.organisation or (owner.person.organisation if owner.person else None)
        leads.append(organisation.name if organisation else owner.role_title or owner.source_text)
    rag = latest.rag if this_period else STATUS_RAG.get(status, "")  # the owner's own rating wins
    return ActionState(action=action, status=status, reason=reason, derived=derived,
                       rag=rag, schedule=state, latest_update=latest,
                       updated_this_period=this_period, lead_organisations=list(dict.fromkeys(leads)),
                       previous_status=earlier.status if earlier else "")


def dashboard(version, as_of, recorded_before=None) -> dict:
    """The Strategy Group's view of a plan version on ``as_of`` (see ``tracked_actions``)."""
    from .choices import Rag

    states = tracked_actions(version, as_of, recorded_before)
    period = schedule.period_containing(as_of, version.partnership.year_start_month)
    themes: dict[int, dict] = {}
    for state in states:
        theme = state.action.theme
        row = themes.setdefault(theme.pk, {"theme": theme, Rag.RED: 0, Rag.AMBER: 0, Rag.GREEN: 0, "none": 0, "total": 0})
        row[state.rag or "none"] += 1
        row["total"] += 1
    by_organisation: dict[str, dict] = {}
    for state in states:
        for name in state.lead_organisations or ["No lead organisation"]:
            row = by_organisation.setdefault(name, {"name": name, "actions": 0, "overdue": 0, "missing": 0})
            row["actions"] += 1
            row["overdue"] += bool(state.schedule.overdue)
            row["missing"] += not state.updated_this_period
    overdue = sorted((s for s in states if s.schedule.overdue), key=lambda s: s.schedule.overdue[0].date)
    due_soon = sorted((s for s in states if s.schedule.due_soon), key=lambda s: s.schedule.due_soon[0].date)
    return {
        "as_of": as_of,
        "period": period,
        "states": states,
        "themes": sorted(themes.values(), key=lambda r: r["theme"].number),
        "overdue": overdue,
        "due_soon": due_soon,
        "missing_updates": [s for s in states if not s.updated_this_period],
        "by_organisation": sorted(by_organisation.values(), key=lambda r: (-r["overdue"], r["name"])),
        "changed": [s for s in states if s.updated_this_period and s.status != s.previous_status],
    }


def dashboard_fingerprint(partnership) -> tuple:
    """The state of every table the dashboard is computed from (``core.caching.fingerprint``): the plan's
    actions and their schedules, owners and updates, and for Strategy Group attendance the directory
    and the meetings, registers and seats."""
    from prevent_hub.core.caching import fingerprint
    from prevent_hub.directory.models import Organisation, Person, PreventLead
    from prevent_hub.governance.models import Attendance, Group, Meeting, Seat

    from .models import ActionOwner, CheckpointRecord, PlanVersion, ProgressUpdate, Theme, Timescale

    return fingerprint(partnership.pk, [
        PlanVersion, Theme, Action, Timescale, ActionOwner, CheckpointRecord, ProgressUpdate,
        Organisation, Person, PreventLead, Group, Meeting, Attendance, Seat,
    ])


def action_record_fingerprint(partnership) -> tuple:
    """The state of every table an action's record shows (``core.caching.fingerprint``): its updates,
    owners (and the directory entries they name), timescale and mitigating actions."""
    from prevent_hub.core.caching import fingerprint
    from prevent_hub.directory.models import Organisation, Person

    from .models import ActionOwner, MitigatingAction, ProgressUpdate, Timescale

    return fingerprint(partnership.pk, [ProgressUpdate, ActionOwner, Timescale, MitigatingAction, Organisation, Person])


def may_report_on(user, action, perm: str) -> bool:
    """Coordinators report on any action; owners on actions they own (through their directory entry), and
    Prevent leads on their organisation's actions."""
    from prevent_hub.core.permissions import has_perm

    if not has_perm(user, perm, action.partnership_id):
        return False
    if has_perm(user, "plans.change_action", action.partnership_id):
        return True
    if action.owners.filter(person__user_id=user.pk).exists():
        return True
    # A Prevent lead may report for their organisation's actions.
    from django.utils import timezone

    people = Person.objects.filter(partnership_id=action.partnership_id, user_id=user.pk)
    led = led_organisation_ids(people, timezone.localdate())
    return bool(led) and action.owners.filter(organisation_id__in=led).exists()


# --- The quarter: which periods take updates, whose actions, who has reported ---------------------


def current_version(partnership, today: dt.date | None = None) -> PlanVersion | None:
    """The version in force on ``today``: the one whose year contains it, else the newest."""
    from django.utils import timezone

    today = today or timezone.localdate()
    versions = list(PlanVersion.objects.filter(partnership=partnership).select_related("plan", "partnership")
                    .order_by(F("year_start").desc(nulls_last=True), "-pk"))
    for version in versions:
        window = schedule.version_window(version.year_start, partnership.year_start_month)
        if window and window[0] <= today <= window[1]:
            return version
    return versions[0] if versions else None


def version_periods(version) -> list[schedule.Period]:
    """Every reporting period of ``version``'s year (just the current one for a version without a year)."""
    from django.utils import timezone

    year_start_month = version.partnership.year_start_month
    window = schedule.version_window(version.year_start, year_start_month)
    if window is None:
        return [schedule.period_containing(timezone.localdate(), year_start_month)]
    return schedule.periods_between(window[0], window[1], year_start_month)


def reportable_periods(version, today: dt.date | None = None) -> list[schedule.Period]:
    """The periods an update may be given for, newest first: the version's periods that have begun
    by ``today`` (all of them once its year is over, the first before it starts), less those locked."""
    from django.utils import timezone

    today = today or timezone.localdate()
    periods = version_periods(version)
    begun = [p for p in periods if p.start <= today] or periods[:1]
    locked = set(version.period_locks.values_list("period_start", flat=True))
    return [p for p in reversed(begun) if p.start not in locked]


def period_locked(version, period_start: dt.date) -> bool:
    return version.period_locks.filter(period_start=period_start).exists()


def period_locked_iso(version, text) -> bool:
    """Is ``text`` (a date as posted by a form) the start of a locked period of ``version``?"""
    try:
        return period_locked(version, dt.date.fromisoformat(text or ""))
    except ValueError:
        return False


def open_period_instead(version, period_start: dt.date, today: dt.date | None = None) -> schedule.Period | None:
    """The open period to offer when ``period_start`` is locked: the next one open, else the latest."""
    open_periods = reportable_periods(version, today)
    later = [p for p in open_periods if p.start > period_start]
    return later[-1] if later else (open_periods[0] if open_periods else None)


def people_for(user, partnership) -> list[Person]:
    """The directory entries linked to ``user``'s account in ``partnership`` (usually one)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Person.objects.filter(partnership=partnership, user=user).select_related("organisation"))


def led_organisation_ids(people, on: dt.date) -> set[int]:
    """Organisations whose current Prevent lead is one of ``people``."""
    from django.db.models import Q

    from prevent_hub.directory.models import PreventLead

    return set(PreventLead.objects.filter(person__in=people, start_date__lte=on)
               .filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).values_list("organisation_id", flat=True))


def my_actions(user, version, period, *, today: dt.date | None = None) -> list[dict]:
    """The actions of ``version`` that ``user`` leads, supports, or (as a Prevent lead) their organisation owns.

    Each with the user's part in it, this period's check-points, what is overdue or due soon, and
    this period's newest update: a fixed number of queries however many actions there are.
    """
    from django.db.models import Prefetch, Q
    from django.utils import timezone

    from .models import ActionOwner, CheckpointRecord, ProgressUpdate, Timescale

    today = today or timezone.localdate()
    partnership = version.partnership
    people = people_for(user, partnership)
    organisations = led_organisation_ids(people, today)
    if not people:
        return []
    owned = Q(owners__person__in=people) | Q(owners__organisation_id__in=organisations)
    window = schedule.version_window(version.year_start, partnership.year_start_month) or (period.start, period.end)
    actions = (
        version.actions.filter(owned).distinct().select_related("theme", "partnership")
        .prefetch_related(
            Prefetch("timescales", Timescale.objects.order_by("position")),
            Prefetch("owners", ActionOwner.objects.select_related("person", "organisation").order_by("position")),
            Prefetch("checkpoint_records", CheckpointRecord.objects.all()),
            Prefetch("updates", ProgressUpdate.objects.filter(period_start=period.start).order_by("-created_at"),
                     to_attr="this_period"),
        )
        .order_by("sort_key")
    )
    person_ids = {p.pk for p in people}
    rows = []
    for action in actions:
        mine = [o for o in action.owners.all() if o.person_id in person_ids]
        part = ("Lead" if any(o.is_lead for o in mine) else "Supporting") if mine else "Your organisation's"
        done = {record.due_date for record in action.checkpoint_records.all()}
        timescales = list(action.timescales.all())
        state = schedule.schedule_state(timescales, done, as_of=today, window=window,
                                        year_start_month=partnership.year_start_month,
                                        tracking_from=version.issued_date or window[0])
        rows.append({
            "action": action, "part": part,
            "checkpoints": [c for c in schedule.checkpoints(timescales, period.start, period.end,
                                                            partnership.year_start_month)],
            "done": done, "schedule": state,
            "update": action.this_period[0] if action.this_period else None,
        })
    return rows


@dataclass
class OwnerStatus:
    """One owner of one action in a period: have they reported, when were they last asked."""

    owner: object  # ActionOwner
    person: Person | None
    reported: object | None  # their own update this period
    covered_by: object | None  # another owner's update this period
    last_asked: object | None  # the newest EmailLog (request, digest or chaser) to them for the period
    last_link: object | None  # the newest OwnerLink made for them for the period


def quarter(version, period, *, action_ids) -> list[dict]:
    """The coordinator's view of a period: each action of ``action_ids`` (a page) with its owners' statuses.

    A fixed number of queries for the page, however many actions the version has.
    """
    from django.db.models import Prefetch

    from .models import ActionOwner, EmailLog, OwnerLink, ProgressUpdate

    actions = (
        Action.objects.filter(pk__in=action_ids, plan_version=version).select_related("theme", "partnership")
        .prefetch_related(
            Prefetch("owners", ActionOwner.objects.select_related("person", "organisation").order_by("position")),
            Prefetch("updates", ProgressUpdate.objects.filter(period_start=period.start).order_by("-created_at"),
                     to_attr="this_period"),
        ).order_by("sort_key")
    )
    actions = list(actions)
    person_ids = {o.person_id for a in actions for o in a.owners.all() if o.person_id}
    asked: dict[int, object] = {}
    for log in (EmailLog.objects.filter(partnership=version.partnership, person_id__in=person_ids,
                                        period_start=period.start, sent=True,
                                        kind__in=[EmailLog.Kind.REQUEST, EmailLog.Kind.DIGEST, EmailLog.Kind.CHASER,
                                                  EmailLog.Kind.LINK])
                .order_by("created_at")):
        asked[log.person_id] = log
    links: dict[int, object] = {}
    for link in OwnerLink.objects.filter(plan_version=version, person_id__in=person_ids,
                                         period_start=period.start).order_by("created_at"):
        links[link.person_id] = link
    rows = []
    for action in actions:
        updates = action.this_period
        statuses = []
        for owner in action.owners.all():
            own = next((u for u in updates if owner.person_id and u.person_id == owner.person_id), None)
            statuses.append(OwnerStatus(
                owner=owner, person=owner.person, reported=own,
                covered_by=None if own else (updates[0] if updates else None),
                last_asked=asked.get(owner.person_id), last_link=links.get(owner.person_id)))
        rows.append({"action": action, "update": updates[0] if updates else None, "owners": statuses})
    return rows


def people_to_chase(version, period) -> list[Person]:
    """Owners (people) of actions with no update for ``period``: who "send to all who have not updated" emails."""
    from .choices import ActionStatus
    from .models import ActionOwner, ProgressUpdate

    updated = ProgressUpdate.objects.filter(action__plan_version=version, period_start=period.start).values("action_id")
    person_ids = (ActionOwner.objects.filter(action__plan_version=version, person__isnull=False)
                  .exclude(action_id__in=updated).exclude(action__status=ActionStatus.COMPLETE)
                  .values_list("person_id", flat=True))
    return list(Person.objects.filter(pk__in=person_ids).order_by("name"))


def actions_for_owner(version, person) -> list[Action]:
    """The actions of ``version`` that ``person`` owns (lead or supporting), not yet complete."""
    from .choices import ActionStatus

    return list(version.actions.filter(owners__person=person).exclude(status=ActionStatus.COMPLETE)
                .distinct().select_related("theme").order_by("sort_key"))


def updated_count(version, period) -> int:
    """How many of ``version``'s actions have an update for ``period``."""
    from .models import ProgressUpdate

    return ProgressUpdate.objects.filter(action__plan_version=version, period_start=period.start).values(
        "action_id").distinct().count()
