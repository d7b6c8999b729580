"""Writes for plans. An import is one transaction: all of it is saved, change-logged, or none of it."""
from django.db import transaction

from prevent_hub.core.services import object_create
from prevent_hub.directory.models import GlossaryTerm, Organisation, Person

from .models import (
    Action,
    ActionOwner,
    CheckpointRecord,
    MitigatingAction,
    PeriodLock,
    Plan,
    PlanVersion,
    ProgressUpdate,
    Theme,
    Timescale,
)
from .parsing.schema import ParsedPlan, PlanError
from .selectors import DirectoryIndex, latest_version, match_actions, proposals_for, version_diff


@transaction.atomic
def plan_import(*, actor, partnership, parsed: ParsedPlan, source_name: str, create_missing: bool = True) -> PlanVersion:
    """Save ``parsed`` as a new version of its plan (creating the plan the first time).

    A later version is matched to the one before action by action, and the diff is
    kept on the version. Importing the same version twice is refused, never duplicated.
    """
    if not parsed.title:
        raise PlanError("The plan has no title. Add a title line such as 'Prevent Action Plan 2015 – 2018'.")
    label = parsed.version_label or (f"{parsed.version_year_start}–{parsed.version_year_end}" if parsed.version_year_start else "")
    label = label or "Imported version"
    plan = Plan.objects.filter(partnership=partnership, title__iexact=parsed.title).first()
    if plan is not None and plan.versions.filter(label__iexact=label).exists():
        raise PlanError(
            f"'{parsed.title}' already has a version called '{label}'. Nothing was imported. "
            "To import a later version, give it its own version label."
        )
    previous = latest_version(partnership, parsed.title)
    changes = version_diff(parsed, previous)
    if plan is None:
        plan = object_create(actor=actor, instance=Plan(
            partnership=partnership, title=parsed.title, period_start=parsed.period_start, period_end=parsed.period_end,
        ))
    _import_appendices(actor, partnership, parsed)
    index = DirectoryIndex.load(partnership)
    if create_missing:
        _create_proposed(actor, partnership, parsed, index)
    version = object_create(actor=actor, instance=PlanVersion(
        partnership=partnership, plan=plan, label=label,
        year_start=parsed.version_year_start, year_end=parsed.version_year_end,
        issued=parsed.issued, issued_date=parsed.issued_date, objectives=parsed.objectives,
        membership=parsed.membership, previous=previous, changes=changes,
        source_name=source_name[:255], source_format=parsed.source_format,
    ))
    continues = match_actions(parsed.actions, list(previous.actions.all())) if previous else {}
    for parsed_theme in parsed.themes:
        theme = object_create(actor=actor, instance=Theme(
            partnership=partnership, plan_version=version, number=parsed_theme.number,
            title=parsed_theme.title, description=parsed_theme.description,
        ))
        for parsed_action in parsed_theme.actions:
            _create_action(actor, partnership, version, theme, parsed_action, index, continues.get(parsed_action.ref))
    return version


def _create_action(actor, partnership, version, theme, parsed, index, previous):
    action = object_create(actor=actor, instance=Action(
        partnership=partnership, plan_version=version, theme=theme, ref=parsed.ref, text=parsed.text,
        who_text=parsed.who_text, timescale_text=parsed.timescale_text, outcomes=parsed.outcomes,
        notes=parsed.notes, tags=parsed.tags, previous=previous,
    ))
    for position, owner in enumerate(parsed.owners):
        object_create(actor=actor, instance=ActionOwner(
            partnership=partnership, action=action, position=position, kind=owner.kind, is_lead=owner.is_lead,
            role_title=owner.role_title[:255], person=index.person(owner.person_name),
            organisation=index.organisation(owner.organisation_name),
            responsibility=owner.responsibility, source_text=owner.source_text[:500],
        ))
    for position, part in enumerate(parsed.timescales):
        object_create(actor=actor, instance=Timescale(
            partnership=partnership, action=action, position=position, kind=part.kind, text=part.text[:500],
            due_date=part.due_date, start_date=part.start_date, cadence=part.cadence, season=part.season,
            count=part.count, unit=part.unit,
        ))
    return action


def _create_proposed(actor, partnership, parsed, index) -> None:
    """Add the people and organisations the plan names that the directory lacks (shown in the preview first)."""
    proposals = proposals_for(parsed, index)
    for name in proposals.organisations:
        org = object_create(actor=actor, instance=Organisation(
            partnership=partnership, name=name[:255], sector="other", notes="Added by a plan import.",
        ))
        index.organisations[name.lower()] = org
    for name in proposals.people:
        organisation = next(
            (index.organisation(o.organisation_name) for a in parsed.actions for o in a.owners
             if o.person_name == name and o.organisation_name), None,
        )
        person = object_create(actor=actor, instance=Person(
            partnership=partnership, name=name[:200], organisation=organisation,
            job_title=next((o.role_title for a in parsed.actions for o in a.owners if o.person_name == name and o.role_title), "")[:200],
        ))
        index.people[name.lower()] = person


def _import_appendices(actor, partnership, parsed) -> None:
    """Glossary terms and specified authorities the directory does not have yet are added; nothing is overwritten."""
    known_terms = {t.lower() for t in GlossaryTerm.objects.filter(partnership=partnership).values_list("acronym", flat=True)}
    for acronym, meaning in parsed.glossary:
        if acronym.lower() not in known_terms:
            object_create(actor=actor, instance=GlossaryTerm(partnership=partnership, acronym=acronym[:40], meaning=meaning[:255]))
            known_terms.add(acronym.lower())
    known_orgs = {n.lower() for n in Organisation.objects.filter(partnership=partnership).values_list("name", flat=True)}
    for authority in parsed.specified_authorities:
        if authority.name.lower() not in known_orgs:
            object_create(actor=actor, instance=Organisation(
                partnership=partnership, name=authority.name[:255], sector=authority.sector, is_specified_authority=True,
            ))
            known_orgs.add(authority.name.lower())


# --- Tracking -----------------------------------------------------------------------------------


class TrackingError(ValueError):
    """A progress update or check-point that the rules refuse; the message says why."""


def period_is_locked(action, period_start) -> bool:
    return PeriodLock.objects.filter(plan_version_id=action.plan_version_id, period_start=period_start).exists()


def locked_period_message(version, period_start) -> str:
    """Say that a period is locked and name one that is open (there is always one to offer, or it says so)."""
    from . import schedule, selectors

    period = schedule.period_containing(period_start, version.partnership.year_start_month)
    instead = selectors.open_period_instead(version, period_start)
    return (f"{period.label} has been reported to the Strategy Group and is locked. "
            + (f"Add your update to {instead.label} instead, which is open." if instead else
               "Every period of this plan version is locked: ask the Prevent coordinator to unlock one."))


@transaction.atomic
def progress_update_create(*, actor, action, period_start, author_name: str, on_behalf_of: str = "", person=None,
                           **fields):
    """Record an update for one period, from ``person`` (the owner reporting, or reported for).

    A locked period (already reported) takes no more updates.
    """
    # Lock the action row so a period being locked at the same moment cannot slip an update in.
    Action.objects.select_for_update().filter(pk=action.pk).first()
    if period_is_locked(action, period_start):
        raise TrackingError(locked_period_message(action.plan_version, period_start))
    return object_create(actor=actor, instance=ProgressUpdate(
        partnership=action.partnership, action=action, period_start=period_start,
        author=actor if getattr(actor, "pk", None) else None, author_name=author_name[:200],
        on_behalf_of=on_behalf_of[:200], person=person, **fields,
    ))


@transaction.atomic
def period_lock(*, actor, version, period_start) -> PeriodLock:
    if PeriodLock.objects.filter(plan_version=version, period_start=period_start).exists():
        raise TrackingError("This period is already locked.")
    return object_create(actor=actor, instance=PeriodLock(partnership=version.partnership, plan_version=version,
                                                          period_start=period_start))


@transaction.atomic
def period_unlock(*, actor, version, period_start) -> None:
    from prevent_hub.core.services import object_delete

    lock = PeriodLock.objects.filter(plan_version=version, period_start=period_start).first()
    if lock is None:
        raise TrackingError("This period is not locked.")
    object_delete(actor=actor, instance=lock)


@transaction.atomic
def checkpoint_record(*, actor, action, due_date, outcome: str, note: str = "") -> CheckpointRecord:
    """Mark one of the action's check-points done (with evidence) or missed. Each is marked once."""
    from . import schedule

    year_start_month = action.partnership.year_start_month
    window = schedule.version_window(action.plan_version.year_start, year_start_month)
    dates = {c.date for c in schedule.checkpoints(action.timescales.all(), *window, year_start_month)} if window else set()
    if due_date not in dates:
        raise TrackingError(f"{due_date:%-d %B %Y} is not one of this action's check-points.")
    if CheckpointRecord.objects.filter(action=action, due_date=due_date).exists():
        raise TrackingError(f"The check-point of {due_date:%-d %B %Y} is already marked.")
    return object_create(actor=actor, instance=CheckpointRecord(
        partnership=action.partnership, action=action, due_date=due_date, outcome=outcome, note=note,
    ))


@transaction.atomic
def mitigation_create(*, actor, action, text: str, owner_text: str = "", due_date=None) -> MitigatingAction:
    return object_create(actor=actor, instance=MitigatingAction(
        partnership=action.partnership, action=action, text=text, owner_text=owner_text, due_date=due_date,
    ))


def is_complete(action) -> bool:
    """Complete when set so on the action or in its latest progress update."""
    from .choices import ActionStatus

    # Read through ``updates.all()`` so a prefetch serves every action in one query.
    updates = sorted(action.updates.all(), key=lambda u: (u.period_start, u.created_at), reverse=True)
    latest = updates[0] if updates else None
    return action.status == ActionStatus.COMPLETE or (latest is not None and latest.status == ActionStatus.COMPLETE)


@transaction.atomic
def plan_refresh(*, actor, version, label: str, years: int = 1, note: bool = True) -> PlanVersion:
    """The annual refresh: a new version carrying open actions forward and closing completed ones.

    Carried actions keep their reference, owners and timescale (its dates moved on ``years``, to be
    revised for the new year) and point back to the action they continue; the version records
    what was carried forward and what was closed. ``note`` adds a line to each carried action
    asking for its dates to be checked.
    """
    label = " ".join(label.split())
    if not label:
        raise TrackingError("Give the new version a label, for example '2018 – 2019 Version'.")
    if len(label) > 100:
        raise TrackingError("The label must be 100 characters or fewer.")
    if version.plan.versions.filter(label__iexact=label).exists():
        raise TrackingError(f"'{version.plan.title}' already has a version called '{label}'.")
    actions = list(version.actions.select_related("theme").prefetch_related("owners", "timescales", "updates")
                   .order_by("sort_key"))
    closed = [a for a in actions if is_complete(a)]
    carried = [a for a in actions if a not in closed]
    next_year = version.year_start + years if version.year_start else None
    new = object_create(actor=actor, instance=PlanVersion(
        partnership=version.partnership, plan=version.plan, label=label, year_start=next_year,
        year_end=next_year + 1 if next_year else None, objectives=version.objectives, membership=version.membership,
        previous=version, source_name=f"Refreshed from {version.label}", changes={
            "previous_version": version.label, "added": [], "removed": [a.ref for a in closed], "changed": [],
            "carried_forward": [a.ref for a in carried], "closed": [a.ref for a in closed],
        },
    ))
    themes = {}
    for theme in version.themes.order_by("number"):
        themes[theme.pk] = object_create(actor=actor, instance=Theme(
            partnership=new.partnership, plan_version=new, number=theme.number, title=theme.title,
            description=theme.description,
        ))
    for action in carried:
        copy = object_create(actor=actor, instance=Action(
            partnership=new.partnership, plan_version=new, theme=themes[action.theme_id], ref=action.ref,
            text=action.text, who_text=action.who_text, timescale_text=_years_later_text(action.timescale_text, years),
            outcomes=action.outcomes, tags=action.tags, previous=action, status=action.status,
            notes=(f"{action.notes}\n" if action.notes and note else action.notes)
            + (f"Carried forward from {version.label}: its dates have moved on "
               f"{'a year' if years == 1 else f'{years} years'}; check them." if note else ""),
        ))
        for owner in action.owners.all():
            object_create(actor=actor, instance=ActionOwner(
                partnership=new.partnership, action=copy, position=owner.position, kind=owner.kind,
                is_lead=owner.is_lead, role_title=owner.role_title, person_id=owner.person_id,
                organisation_id=owner.organisation_id, responsibility=owner.responsibility,
                source_text=owner.source_text,
            ))
        for part in action.timescales.all():
            object_create(actor=actor, instance=Timescale(
                partnership=new.partnership, action=copy, position=part.position, kind=part.kind,
                text=_years_later_text(part.text, years),
                due_date=_years_later(part.due_date, years), start_date=_years_later(part.start_date, years),
                cadence=part.cadence, season=part.season, count=part.count, unit=part.unit,
            ))
    return new


def _years_later_text(text: str, years: int) -> str:
    """Move the years written in a timescale ("By March 2018") on with its dates."""
    import re

    return re.sub(r"\b(19[9]\d|20\d\d)\b", lambda m: str(int(m.group(1)) + years), text)


def _years_later(day, years: int):
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
