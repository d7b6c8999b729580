"""Reads for plans: the directory as the parser's vocabulary, owner matching, and version diffs."""
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import F

from prevent_hub.directory.models import Organisation, Person

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
