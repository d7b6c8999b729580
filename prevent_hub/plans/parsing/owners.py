"""Split a plan's "Who" cell into owners: people, roles, organisations or all specified authorities.

Cells written as "Role – Person – to do something" run together when a PDF is
turned into text ("NBBC – Abu Malek Prevent Officer – Helene Heath Police Prevent
Team"), so boundaries are found from what we know: role words, the directory's
organisations and people, and acronyms. "… with …" makes the owners after it
supporting rather than lead.
"""
import re
from dataclasses import dataclass, field

from ..choices import OwnerKind
from .schema import ParsedOwner

# Roles found in Prevent plans. A phrase ending in a ROLE_NOUN is a role too.
KNOWN_ROLES = (
    "Prevent Officer", "Prevent Coordinator", "Prevent Co-ordinator", "Police Prevent Team", "Police Prevent Officer",
    "Prevent leads", "Prevent lead", "WRAP Trainers", "Channel Panel Chair", "Channel Coordinator",
    "Chair of the Prevent Strategy Group", "MASH Lead", "Cyber Crime Advisors", "Cyber Crime Advisor",
    "Education Safeguarding Manager", "Safeguarding & Intervention Manager", "Regional FE Prevent Lead",
    "ECINS Project Manager", "Designated safeguarding leads", "Community Safety Team",
)
ROLE_NOUNS = (
    "officer", "officers", "lead", "leads", "chair", "manager", "managers", "advisor", "advisors", "adviser",
    "advisers", "coordinator", "co-ordinator", "trainer", "trainers", "team", "teams", "worker", "workers",
    "champion", "champions", "head", "director", "analyst",
)
ORGANISATION_NOUNS = (
    "council", "trust", "service", "services", "unit", "unity", "forum", "forums", "partnership", "ccg", "police",
    "college", "colleges", "university", "school", "schools", "board", "group", "commissioner", "company",
    "agency", "agencies", "hub", "project", "network", "cava", "comms",
)
ALL_SPECIFIED = re.compile(r"^(?:all|all specified authorities|all agencies|all partners)$", re.I)
ALL_SPECIFIED_PREFIX = re.compile(r"^(?:all specified authorities|all agencies|all partners|all)\b", re.I)
# Lower-case words that can sit inside a role or organisation ("District & Borough teams", "in all agencies").
LABEL_WORDS = {"and", "in", "all", "of", "the", "&"}
# Words after which an acronym belongs to the sentence ("commissioned by NBBC and WCC"), not a new owner.
LINKING_WORDS = {"by", "from", "of", "for", "and", "with", "to", "the", "at", "in", "on", "via", "across"}
SUPPORT_ENDINGS = re.compile(r"\b(?:with(?: support from| input from)?|supported by|assisted by)\s*$", re.I)
DASH = re.compile(r"\s+[–—-]\s+|\s+[–—]|[–—]\s+")
NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*$|^Mc[A-Z][a-z]+$|^O'[A-Z][a-z]+$")
ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,}[a-z]?$")


@dataclass
class Vocabulary:
    """What the parser knows: role phrases, organisation labels and people's names."""

    roles: tuple[str, ...] = KNOWN_ROLES
    organisations: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    _labels: list[str] = field(default_factory=list, init=False)

    def __post_init__(self):
        self._labels = sorted({*self.roles, *self.organisations}, key=len, reverse=True)

    def label_at(self, text: str, position: int) -> str | None:
        """The longest known role or organisation starting at ``position`` (whole words only)."""
        for label in self._labels:
            end = position + len(label)
            if text[position:end].lower() == label.lower() and (end == len(text) or not text[end].isalnum()):
                return text[position:end]
        return None

    def person_at(self, text: str, position: int) -> str | None:
        for name in sorted(self.people, key=len, reverse=True):
            end = position + len(name)
            if text[position:end].lower() == name.lower() and (end == len(text) or not text[end].isalnum()):
                return text[position:end]
        return None


def parse_owners(text: str, vocabulary: Vocabulary | None = None) -> list[ParsedOwner]:
    """Return the owners named in a "Who" cell, lead owners first as written."""
    vocabulary = vocabulary or Vocabulary()
    owners: list[ParsedOwner] = []
    supporting = False
    # Lines and semicolons separate owners ("Prevent Officer; Channel Panel Chair").
    for paragraph in (p.strip() for p in re.split(r"[\n;]", text or "") if p.strip()):
        if owners and re.match(r"^with (?:input|support) from\b", paragraph, re.I):
            owners[-1].responsibility = _join(owners[-1].responsibility, paragraph)
            continue
        paragraph_owners, supporting = _parse_paragraph(paragraph, vocabulary, supporting)
        owners.extend(paragraph_owners)
    return owners


def _parse_paragraph(text: str, vocabulary: Vocabulary, supporting: bool):
    owners: list[ParsedOwner] = []
    segments = [s.strip() for s in DASH.split(text) if s.strip()]
    pending_label = None  # a label waiting for the person after its dash
    group: list[ParsedOwner] = []  # the owners named by the latest label
    for segment in segments:
        rest = segment
        lowered = rest.lower()
        starts_support = lowered.startswith("with ")
        if starts_support:
            rest = re.sub(r"^with\s+(?:the\s+)?", "", rest, flags=re.I)
        elif lowered.startswith("and "):
            rest = rest[4:]
        if pending_label is not None:
            names, rest = ([], rest) if starts_support else _take_names(rest, vocabulary)
            if names:
                group = [_owner(pending_label, vocabulary, supporting, person=name) for name in names]
            else:
                group = [_owner(part, vocabulary, supporting) for part in _split_list(pending_label, vocabulary)]
            owners.extend(group)
            pending_label = None
        supporting = supporting or starts_support  # "– with …": everyone named from here on supports
        while rest:
            if rest[:1].islower():
                responsibility, rest, supporting_next = _take_responsibility(rest, vocabulary)
                for owner in group:  # "EQUIP, WCC – to promote": the task is each one's
                    owner.responsibility = _join(owner.responsibility, responsibility)
                supporting = supporting or supporting_next
                continue
            label, rest = _take_label(rest, vocabulary)
            if not label:
                break
            if not rest and segment is not segments[-1]:
                pending_label = label  # its person follows the dash
                break
            group = [_owner(part, vocabulary, supporting) for part in _split_list(label, vocabulary)]
            owners.extend(group)
    if pending_label is not None:
        owners.extend(_owner(part, vocabulary, supporting) for part in _split_list(pending_label, vocabulary))
    return owners, supporting


def _take_names(text: str, vocabulary: Vocabulary) -> tuple[list[str], str]:
    """People's names at the start of ``text`` ("Alex Gloster and Sam Slemensek") and what follows."""
    names = []
    rest = text
    while rest:
        name = vocabulary.person_at(rest, 0) or _guess_name(rest, vocabulary)
        if not name:
            break
        names.append(name)
        rest = rest[len(name):].lstrip(" ,")
        if rest.lower().startswith("and ") and (vocabulary.person_at(rest, 4) or _guess_name(rest[4:], vocabulary)):
            rest = rest[4:]
            continue
        break
    return names, rest


def _guess_name(text: str, vocabulary: Vocabulary) -> str | None:
    """Two or three capitalised words that are not the start of a known role or organisation."""
    words = text.split(" ")
    taken = []
    position = 0
    for word in words[:3]:
        bare = word.rstrip(",;")
        if not NAME_WORD.match(bare) or vocabulary.label_at(text, position):
            break
        taken.append(bare)
        position += len(word) + 1
        if bare != word:
            break
    if len(taken) < 2:
        return None
    if len(taken) == 3 and len(words) > 3 and NAME_WORD.match(words[3].rstrip(",;")):
        taken = taken[:2]  # a fourth capitalised word: the third starts the next label
    return " ".join(taken)


def _take_label(text: str, vocabulary: Vocabulary) -> tuple[str, str]:
    """A role or organisation phrase at the start of ``text``; stops where a responsibility begins."""
    every = ALL_SPECIFIED_PREFIX.match(text)
    if every:
        return every.group(), text[every.end():].strip()
    known = vocabulary.label_at(text, 0)
    position = len(known) if known else 0
    words = re.finditer(r"\S+", text)
    end = position
    for word in words:
        if word.start() < position:
            continue
        bare = word.group().strip(",;")
        lowered = bare.lower()
        if lowered in {"to", "via"} or bare[:1].islower() and lowered not in LABEL_WORDS | set(ROLE_NOUNS) | set(ORGANISATION_NOUNS):
            break
        if end > 0 and word.start() > 0 and _starts_new_owner(text, word.start(), vocabulary) and not _is_list_joint(text, word.start()):
            break
        end = word.end()
    label = text[:end].strip(" ,;")
    return label, text[end:].strip()


def _is_list_joint(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return before.endswith((",", " and", "&"))


def _starts_new_owner(text: str, position: int, vocabulary: Vocabulary) -> bool:
    if vocabulary.label_at(text, position) or vocabulary.person_at(text, position):
        return True
    raw = re.match(r"\S+", text[position:]).group()
    word = raw.strip(",;")
    previous = text[:position].split()[-1].lower() if text[:position].split() else ""
    following = text[position + len(raw):].split()[:1]
    # "WRAP sessions": an acronym followed by a lower-case word describes it, it is not an owner.
    describes = bool(following) and following[0][:1].islower() and not raw.endswith((",", ";")) and following[0] != "and"
    return bool(ACRONYM.match(word)) and not describes and previous.strip(",;") not in LINKING_WORDS and not previous.endswith(",")


def _take_responsibility(text: str, vocabulary: Vocabulary) -> tuple[str, str, bool]:
    """Lower-case words ("to coordinate ...") up to where the next owner starts."""
    for match in re.finditer(r"(?<=\s)\S", text):
        position = match.start()
        previous = text[:position].split()[-1].lower().strip(",;")
        after_support = bool(SUPPORT_ENDINGS.search(text[:position]))
        if previous in LINKING_WORDS and not after_support:
            continue
        if text[position].isupper() and (after_support or _starts_new_owner(text, position, vocabulary)):
            before = text[:position].strip()
            supporting = bool(SUPPORT_ENDINGS.search(before))
            return SUPPORT_ENDINGS.sub("", before).strip() if supporting else before, text[position:], supporting
    return text.strip(), "", False


def _split_list(label: str, vocabulary: Vocabulary) -> list[str]:
    """'EQUIP, Faiths Forums, WCC' and 'Prevent leads and WRAP Trainers' name several owners."""
    if vocabulary.label_at(label, 0) == label:
        return [label]
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+(?=[A-Z])", label) if p.strip()]
    return parts or [label]


def classify(label: str, vocabulary: Vocabulary) -> str:
    head = re.split(r"\s+in\s+", label)[0]  # "WRAP Trainers in all agencies" is about the trainers
    words = head.lower().split()
    if ALL_SPECIFIED.match(label.strip()):
        return OwnerKind.ALL_SPECIFIED
    if any(label.lower() == o.lower() for o in vocabulary.organisations):
        return OwnerKind.ORGANISATION
    if any(label.lower() == r.lower() for r in vocabulary.roles):
        return OwnerKind.ROLE
    last = words[-1] if words else ""
    meaningful = [w for w in words if w not in {"in", "all", "of", "the", "&"}]
    if any(w in ROLE_NOUNS for w in meaningful[-2:]) and last not in ORGANISATION_NOUNS:
        return OwnerKind.ROLE
    return OwnerKind.ORGANISATION


def _owner(label: str, vocabulary: Vocabulary, supporting: bool, person: str | None = None) -> ParsedOwner:
    if person is None and _looks_like_a_name(label, vocabulary):
        # "John Smith" on their own is a person; flagged unless the directory knows them.
        known_person = vocabulary.person_at(label, 0) == label
        return ParsedOwner(kind=OwnerKind.PERSON, source_text=label, is_lead=not supporting, person_name=label,
                           uncertain=not known_person)
    kind = classify(label, vocabulary)
    known = any(label.lower() == x.lower() for x in (*vocabulary.roles, *vocabulary.organisations))
    owner = ParsedOwner(kind=kind, source_text=label if not person else f"{label} – {person}", is_lead=not supporting)
    if kind == OwnerKind.ROLE:
        owner.role_title = label
    elif kind == OwnerKind.ORGANISATION:
        owner.organisation_name = label
        owner.uncertain = not known
    if person:
        owner.kind = OwnerKind.PERSON
        owner.person_name = person
    return owner


def _looks_like_a_name(label: str, vocabulary: Vocabulary) -> bool:
    if vocabulary.person_at(label, 0) == label:
        return True
    words = label.split()
    if not 2 <= len(words) <= 3 or not all(NAME_WORD.match(w) for w in words):
        return False
    known = any(label.lower() == x.lower() for x in (*vocabulary.roles, *vocabulary.organisations))
    nouns = {*ROLE_NOUNS, *ORGANISATION_NOUNS}
    return not known and not any(w.lower() in nouns for w in words)


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip() if first else second.strip()
