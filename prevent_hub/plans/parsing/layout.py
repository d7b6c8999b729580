"""Find a plan's parts in a document's blocks: title, objectives, themes, action tables, appendices.

Headings are recognised by meaning ("Who", "Lead" and "Owner" all mean the
owners column). When no column looks like the actions, ``ColumnsNotRecognised``
lists the headings so a person can say which is which.
"""
import calendar
import datetime as dt
import re

from .owners import Vocabulary, parse_owners
from .readers import Paragraph, TableBlock
from .schema import ParsedAction, ParsedAuthority, ParsedPlan, ParsedTheme, PlanError
from .timescales import MONTHS, parse_timescale

FIELDS = ("ref", "theme", "action", "owners", "timescale", "outcomes", "notes")
FIELD_LABELS = {
    "ref": "Reference", "theme": "Theme", "action": "Key action", "owners": "Who", "timescale": "Timescale",
    "outcomes": "Outcomes", "notes": "Notes",
}
HEADER_WORDS = {
    "ref": ("ref", "reference", "no", "number", "action no", "action number", "id", "#"),
    "theme": ("theme", "section", "priority", "strand", "objective area", "workstream"),
    "action": ("key action", "key actions", "action", "actions", "what", "activity", "activities", "task", "tasks",
               "action description", "description"),
    "owners": ("who", "lead", "leads", "owner", "owners", "responsible", "lead officer", "by whom", "lead agency",
               "lead organisation", "responsibility", "action owner", "action owners"),
    "timescale": ("timescale", "timescales", "by when", "when", "deadline", "deadlines", "due", "due date",
                  "target date", "date", "timeframe", "time frame"),
    "outcomes": ("outcomes", "outcome", "success measures", "success measure", "measures of success",
                 "expected outcome", "expected outcomes", "impact"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "progress notes", "additional information"),
}
TITLE = re.compile(
    r"^(?P<title>.*?\bAction Plan)\s*(?P<start>(?:19|20)\d\d)\s*[–—-]\s*(?P<end>(?:19|20)\d\d)"
    r"(?:\s*\((?P<version>(?P<vstart>(?:19|20)\d\d)\s*[–—-]\s*(?P<vend>(?:19|20)\d\d)[^)]*?)\))?",
    re.I,
)
ISSUED = re.compile(r"\bversion\b.*?\b(?P<month>%s)\s+(?P<year>(?:19|20)\d\d)\b" % "|".join(MONTHS), re.I)
NUMBERED = re.compile(r"^(?P<number>\d{1,2})[.)]\s+(?P<text>.+)$")
REF = re.compile(r"^(?P<ref>\d{1,2}(?:\.\d{1,3}){1,2})[.)]?(?:\s+|$)")
VALID_REF = re.compile(r"^\d{1,2}(?:\.\d{1,3}){0,2}$")
TAG_ACTION = re.compile(r"\b(?P<tags>[A-Z]{2,}(?:\s*(?:,|and|&)\s*[A-Z]{2,})*)\s+actions?\b")
TAG_LINK = re.compile(r"\blinks? to (?:the )?(?P<plan>[\w\s-]+?) action plan\b", re.I)
SECTOR_WORDS = (
    ("local_authority", ("local authorit", "council")),
    ("education", ("education", "school", "childcare", "college", "universit")),
    ("health", ("health", "nhs")),
    ("prisons_probation", ("prison", "probation")),
    ("police", ("police",)),
)


class ColumnsNotRecognised(PlanError):
    """No table has a column that looks like the actions; the person must map the columns."""

    def __init__(self, headers: list[str]):
        self.headers = headers
        shown = ", ".join(f"'{h}'" for h in headers if h) or "none"
        super().__init__(
            f"No column looks like the list of actions (headings found: {shown}). "
            "Say which column holds what, then preview again."
        )


def normalise_header(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9#]+", " ", text.lower()).split())


def match_headers(cells: list[str], mapping: dict[str, str] | None = None) -> dict[int, str]:
    """Return {column index: field} for a header row; ``mapping`` ({heading: field}) wins over guessing."""
    mapping = {normalise_header(k): v for k, v in (mapping or {}).items()}
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = normalise_header(cell)
        field = mapping.get(key)
        if field is None and not mapping:
            field = next((f for f, words in HEADER_WORDS.items() if key in words), None)
        if field in FIELDS and field not in found.values():
            found[index] = field
    return found


def sector_for(label: str) -> str:
    from prevent_hub.directory.choices import Sector

    lowered = label.lower()
    exact = {str(name).lower(): value for value, name in Sector.choices}
    if lowered in exact:
        return exact[lowered]
    return next((sector for sector, words in SECTOR_WORDS if any(w in lowered for w in words)), "other")


def tags_in(notes: str) -> list[str]:
    """Programme tags a note names: "OFOF action", "OFOF and CTLP action", "links to hate crime action plan"."""
    tags: list[str] = []
    for match in TAG_ACTION.finditer(notes):
        tags.extend(t for t in re.split(r"\s*(?:,|and|&)\s*", match["tags"]) if t)
    for match in TAG_LINK.finditer(notes):
        tags.append("_".join(match["plan"].upper().split()))
    return list(dict.fromkeys(tags))


def split_outcomes(text: str) -> list[str]:
    parts = re.split(r"\s*;\s*|\n", text or "")
    return [p.strip(" .") for p in parts if p.strip(" .")]


def assemble(blocks: list, *, source_format: str, vocabulary: Vocabulary | None = None,
             mapping: dict[str, str] | None = None) -> ParsedPlan:
    plan = ParsedPlan(source_format=source_format)
    vocabulary = vocabulary or Vocabulary()
    theme_titles: dict[int, tuple[str, str]] = {}
    current_theme: int | None = None
    context = ""  # what the last paragraph was introducing
    numbered_run: list[str] = []
    headers_seen: list[str] = []
    action_tables = 0
    # Our own Excel export: an "Actions" sheet beside sheets for the plan's other parts.
    own_workbook = any(isinstance(b, TableBlock) and b.sheet.lower() == "actions" for b in blocks)

    def close_numbered_run():
        nonlocal numbered_run
        if numbered_run and "objective" in context and "theme" not in context:
            if not plan.objectives:  # plans often list the national objectives twice
                plan.objectives = [re.sub(r"\s*[;.]?\s*(?:and)?\s*$", "", NUMBERED.match(t)["text"]) for t in numbered_run]
        elif numbered_run:
            for item in numbered_run:
                match = NUMBERED.match(item)
                title, _, description = match["text"].partition(" – ")
                number = int(match["number"])
                if description or number not in theme_titles:  # a later bare heading keeps the description
                    theme_titles[number] = (title.strip(), description.strip())
        numbered_run = []

    for block in blocks:
        if isinstance(block, Paragraph):
            text = block.text
            _read_front_matter(plan, text)
            numbered = NUMBERED.match(text)
            if numbered and not REF.match(text):
                # A numbered list (objectives, themes) or a theme's heading; which one is settled when it ends.
                numbered_run.append(text)
                current_theme = int(numbered["number"])
                continue
            close_numbered_run()
            context = text.lower()
            if context.startswith("appendix a") or "specified authorities in" in context:
                context = "appendix a"
            elif context.startswith("appendix b") or "acronym" in context or "glossary" in context:
                context = "glossary"
            continue
        close_numbered_run()
        if block.sheet:
            context = block.sheet.lower()
        if own_workbook and _read_plan_sheet(plan, block, theme_titles):
            continue
        header_index, columns = _find_header(block, mapping)
        if columns and "action" in columns.values():
            action_tables += 1
            current_theme = _read_actions(plan, block, header_index, columns, current_theme, theme_titles, vocabulary)
        elif "appendix a" in context:
            _read_authorities(plan, block)
        elif "glossary" in context:
            plan.glossary.extend((row[0], row[1]) for row in block.rows if len(row) >= 2 and row[0] and row[1]
                                 and normalise_header(row[0]) not in ("acronym", "term"))
        elif "following agencies" in context or "membership" in context or "members" in context:
            plan.membership.extend(_membership(block))
        else:
            headers_seen.extend(block.rows[0] if block.rows else [])
    close_numbered_run()
    if not action_tables:
        if not any(isinstance(b, TableBlock) for b in blocks):
            raise PlanError("The file has no table, so no actions were found. Each action should be a row of a table.")
        raise ColumnsNotRecognised(_first_headers(blocks))
    _build_themes(plan, theme_titles)
    _check_refs(plan)
    return plan


def apply_corrections(plan: ParsedPlan, corrections: dict, vocabulary: Vocabulary | None = None) -> None:
    """Apply what a person typed in the preview: the plan's title and version, and any action's Who or Timescale.

    ``corrections`` is ``{"title": ..., "version_label": ..., "actions": {ref: {"who": ..., "timescale": ...}}}``;
    corrected cells are parsed again exactly as if the file had said so.
    """
    vocabulary = vocabulary or Vocabulary()
    for key in ("title", "version_label"):
        if corrections.get(key):
            setattr(plan, key, " ".join(corrections[key].split()))
    for action in plan.actions:
        fix = corrections.get("actions", {}).get(action.ref, {})
        if "who" in fix:
            action.who_text = fix["who"].strip()
            action.owners = parse_owners(action.who_text, vocabulary)
        if "timescale" in fix:
            action.timescale_text = " ".join(fix["timescale"].split())
            action.timescales = parse_timescale(action.timescale_text)


def _first_headers(blocks) -> list[str]:
    tables = [b for b in blocks if isinstance(b, TableBlock) and b.rows]
    widest = max(tables, key=lambda b: len(b.rows[0])) if tables else None
    return widest.rows[0] if widest else []


def _read_front_matter(plan: ParsedPlan, text: str) -> None:
    title = TITLE.match(text)
    if title and not plan.title:
        plan.title = " ".join(title["title"].split())
        plan.period_start, plan.period_end = int(title["start"]), int(title["end"])
        if title["version"]:
            plan.version_label = " ".join(title["version"].split())
            plan.version_year_start, plan.version_year_end = int(title["vstart"]), int(title["vend"])
    issued = ISSUED.search(text)
    if issued and not plan.issued and len(text) < 80:
        plan.issued = text
        plan.issued_date = dt.date(int(issued["year"]), MONTHS[issued["month"].lower()], 1)


def _find_header(block: TableBlock, mapping) -> tuple[int, dict[int, str]]:
    for index, row in enumerate(block.rows[:5]):
        columns = match_headers(row, mapping)
        if "action" in columns.values() or len(columns) >= 3:
            return index, columns
    return -1, {}


def _read_actions(plan, block, header_index, columns, current_theme, theme_titles, vocabulary):
    for row, where in zip(block.rows[header_index + 1:], block.where[header_index + 1:]):
        values = {field: (row[i] if i < len(row) else "").strip() for i, field in columns.items()}
        filled = [cell for cell in row if cell.strip()]
        if not filled:
            continue
        heading = NUMBERED.match(filled[0]) if len(filled) == 1 else None
        if heading and not REF.match(filled[0]):
            # One table for the whole plan: a row holding only "2. Leadership ..." starts a theme.
            current_theme = int(heading["number"])
            theme_titles.setdefault(current_theme, (heading["text"].partition(" – ")[0].strip(), ""))
            continue
        if len(filled) == 1 and normalise_header(filled[0]) in {normalise_header(r) for r in block.rows[header_index]}:
            continue  # a repeated header row
        action_text = values.get("action", "")
        ref = values.get("ref", "")
        match = REF.match(action_text)
        if match:
            ref = ref or match["ref"]
            if match["ref"] == ref:
                action_text = action_text[match.end():].strip()
        ref = ref.rstrip(".")
        if not ref:
            raise PlanError(f"The action at {where} has no reference number (like 1.1). Add one and try again.")
        if not VALID_REF.match(ref):
            raise PlanError(
                f"The reference '{ref[:30]}' at {where} is not a reference number like 1.1 or 3.5. Correct it and try again."
            )
        theme_number = _theme_number(values.get("theme", ""), ref, current_theme, theme_titles)
        notes = values.get("notes", "")
        plan_action = ParsedAction(
            ref=ref,
            text=" ".join(action_text.split()),
            theme_number=theme_number,
            who_text=values.get("owners", ""),
            timescale_text=" ".join(values.get("timescale", "").split()),
            outcomes=split_outcomes(values.get("outcomes", "")),
            notes=notes,
            tags=tags_in(notes),
            owners=parse_owners(values.get("owners", ""), vocabulary),
            timescales=parse_timescale(values.get("timescale", "")),
            source_row=where,
        )
        theme = next((t for t in plan.themes if t.number == theme_number), None)
        if theme is None:
            theme = ParsedTheme(number=theme_number, title="")
            plan.themes.append(theme)
        theme.actions.append(plan_action)
        current_theme = theme_number
    return current_theme


def _theme_number(theme_cell: str, ref: str, current: int | None, theme_titles) -> int:
    if theme_cell:
        numbered = NUMBERED.match(theme_cell) or re.match(r"^(?P<number>\d{1,2})\b", theme_cell)
        if numbered:
            number = int(numbered["number"])
            title = NUMBERED.match(theme_cell)["text"] if NUMBERED.match(theme_cell) else ""
            if title:
                theme_titles.setdefault(number, (title.partition(" – ")[0].strip(), ""))
            return number
        for number, (title, _) in theme_titles.items():
            if title.lower() == theme_cell.lower():
                return number
        number = max(theme_titles, default=0) + 1
        theme_titles[number] = (theme_cell, "")
        return number
    if "." in ref:
        return int(ref.split(".")[0])
    return current or 1


def _build_themes(plan: ParsedPlan, theme_titles) -> None:
    for theme in plan.themes:
        title, description = theme_titles.get(theme.number, ("", ""))
        theme.title = title or f"Theme {theme.number}"
        theme.description = description
    plan.themes.sort(key=lambda t: t.number)


def _check_refs(plan: ParsedPlan) -> None:
    seen: dict[str, str] = {}
    for action in plan.actions:
        if action.ref in seen:
            raise PlanError(
                f"Reference {action.ref} appears more than once ({seen[action.ref]} and {action.source_row}). "
                "Each action needs its own reference."
            )
        seen[action.ref] = action.source_row


def _read_authorities(plan: ParsedPlan, block: TableBlock) -> None:
    for row in block.rows:
        if len(row) < 2:
            continue
        sector = sector_for(row[0])
        for name in row[1].split("\n"):
            if name.strip():
                plan.specified_authorities.append(ParsedAuthority(name=name.strip(), sector=sector))


def _membership(block: TableBlock) -> list[str]:
    members = []
    for row in block.rows:
        for cell in row:
            first, *rest = cell.split("\n")
            if rest:
                prefix = first.rstrip(": ")
                members.extend(f"{prefix}: {item}" for item in rest)
            elif first.strip():
                members.append(first.strip())
    return members


def _read_plan_sheet(plan: ParsedPlan, block: TableBlock, theme_titles) -> bool:
    """The sheets our own Excel export writes besides the actions: plan details, themes, objectives, appendices."""
    sheet = block.sheet.lower()
    rows = block.rows[1:]
    if sheet == "plan":
        details = {normalise_header(r[0]): (r[1] if len(r) > 1 else "") for r in rows if r}
        plan.title = details.get("title", "")
        plan.period_start = _int(details.get("period start"))
        plan.period_end = _int(details.get("period end"))
        plan.version_label = details.get("version", "")
        plan.version_year_start = _int(details.get("version start"))
        plan.version_year_end = _int(details.get("version end"))
        plan.issued = details.get("issued", "")
        try:
            plan.issued_date = dt.date.fromisoformat(details.get("issued date", "")[:10])
        except ValueError:
            plan.issued_date = None
        return True
    if sheet == "themes":
        for row in rows:
            if row and row[0].isdigit():
                theme_titles[int(row[0])] = (row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
        return True
    if sheet == "objectives":
        plan.objectives = [row[1] if len(row) > 1 else row[0] for row in rows if row]
        return True
    if sheet == "specified authorities":
        from prevent_hub.directory.choices import Sector

        sectors = {label.lower(): value for value, label in Sector.choices}
        plan.specified_authorities = [
            ParsedAuthority(name=row[0], sector=sectors.get(row[1].lower(), "other") if len(row) > 1 else "other")
            for row in rows if row
        ]
        return True
    if sheet == "glossary":
        plan.glossary = [(row[0], row[1] if len(row) > 1 else "") for row in rows if row]
        return True
    if sheet == "membership":
        plan.membership = [row[0] for row in rows if row]
        return True
    return False


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def month_name(number: int) -> str:
    return calendar.month_name[number]
