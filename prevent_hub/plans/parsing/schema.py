"""What a parsed action plan looks like, before anything is saved.

Every reader (text, Word, Excel, CSV) produces a ``ParsedPlan``; the preview
shows it, the CLI prints it as JSON (``to_json``) and the import service saves
it. Original text is always kept beside the structure parsed from it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 1


class PlanError(ValueError):
    """The file cannot be imported; the message says why in words a coordinator understands."""


@dataclass
class ParsedOwner:
    kind: str  # OwnerKind value: person, role, organisation, all_specified
    source_text: str
    is_lead: bool = True
    role_title: str = ""
    person_name: str = ""
    organisation_name: str = ""
    responsibility: str = ""
    uncertain: bool = False


@dataclass
class ParsedTimescale:
    kind: str  # TimescaleKind value: due, cadence, start, ongoing, history, target, unparsed
    text: str
    due_date: dt.date | None = None
    start_date: dt.date | None = None
    cadence: str = ""  # Cadence value
    season: str = ""
    count: int | None = None
    unit: str = ""
    uncertain: bool = False


@dataclass
class ParsedAction:
    ref: str
    text: str
    theme_number: int
    who_text: str = ""
    timescale_text: str = ""
    outcomes: list[str] = field(default_factory=list)
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    owners: list[ParsedOwner] = field(default_factory=list)
    timescales: list[ParsedTimescale] = field(default_factory=list)
    source_row: int | None = None  # where it came from, for messages

    @property
    def uncertain(self) -> list[str]:
        """Why this action needs a person to check it (empty when nothing is doubtful)."""
        reasons = []
        if not self.owners:
            reasons.append("no owner")
        elif any(o.uncertain for o in self.owners):
            reasons.append("owner not recognised")
        if not self.timescales:
            reasons.append("no timescale")
        elif any(t.uncertain for t in self.timescales):
            reasons.append("timescale not understood")
        return reasons


@dataclass
class ParsedTheme:
    number: int
    title: str
    description: str = ""
    actions: list[ParsedAction] = field(default_factory=list)


@dataclass
class ParsedAuthority:
    name: str
    sector: str  # directory Sector value


@dataclass
class ParsedPlan:
    title: str = ""
    period_start: int | None = None
    period_end: int | None = None
    version_label: str = ""
    version_year_start: int | None = None
    version_year_end: int | None = None
    issued: str = ""  # as written, e.g. "FINAL VERSION NOVEMBER 2017"
    issued_date: dt.date | None = None
    objectives: list[str] = field(default_factory=list)
    themes: list[ParsedTheme] = field(default_factory=list)
    glossary: list[tuple[str, str]] = field(default_factory=list)
    specified_authorities: list[ParsedAuthority] = field(default_factory=list)
    membership: list[str] = field(default_factory=list)
    source_format: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def actions(self) -> list[ParsedAction]:
        return [action for theme in self.themes for action in theme.actions]

    def to_json(self) -> dict:
        """The documented JSON form (docs/plan-import.md): themes → actions, each with ``ref``."""
        data = asdict(self)
        data["schema_version"] = SCHEMA_VERSION
        data["glossary"] = [{"acronym": a, "meaning": m} for a, m in self.glossary]
        for theme, parsed in zip(data["themes"], self.themes):
            for action, source in zip(theme["actions"], parsed.actions):
                action["uncertain"] = source.uncertain
        return _dates_to_text(data)


def _dates_to_text(value):
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
