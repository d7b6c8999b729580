"""Statistical disclosure control: the one place small numbers are hidden (docs/architecture.md,
"Referral statistics").

Every table shown outside the case team passes through ``show_all`` (or ``show`` for one table). It
works on each table with its totals (the "extended" table: the cells, any subtotal rows for groups of
rows, a totals column when there is more than one column, and a totals row). Each "line" is a set of
entries that must add up to one of them: a column to its total, a row to its total, a group's rows to
its subtotal. Tables shown together are *linked* where they share an entry (``Table.links``: every
breakdown of a year has the year's total; the referrals counted by month only are a row of each), so
the entries of all of them form one system of equations, solved together.

1. Zero is shown as 0 (it gives nobody away), unless ``zeros_small`` (the STATS_SUPPRESS_ZEROS setting)
   counts it as small.
2. Primary suppression: every entry from 1 to the threshold less one is shown as "<5". A reader then
   knows it is 1 to 4 (0 to 4 when zeros count as small).
3. Complementary suppression: an integer programme (scipy's HiGHS) chooses which further entries to
   hide, shown as "[c]" (at least the threshold): the fewest entries, then (among as few) the fewest of
   the rows a table asks to keep (``keep``: the ideology split), then the smallest. Its constraint is
   the audit's own question: for every small entry there must be a way to move it by 1, moving hidden
   entries only, within what their markers say, with every line still adding up. The year's total is
   never chosen.
4. Audit: for every hidden entry, linear programming finds the least and greatest value consistent
   with everything shown in every linked table (every line adds up; each marker's range; every shown
   entry and zero is known). Step 3's move is one such solution, so no small entry has a single possible
   value; a "[c]" that has one hides nothing (a reader can work it out) and is shown instead, which
   leaves every other range as it was.
5. If no pattern can (two "<5" adding up to a published 8 must both be 4), the hidden entries of
   that part are shown as "[c]" alone, which says nothing of their size but that it is not 0, and steps
   3 and 4 run again on those terms. If that cannot either (six months of one referral each in a year
   of six: hidden entries known to be at least 1 and adding up to 6 are all 1), the tables of that part
   are solved again with zeros among the entries that may be hidden, every "[c]" read as any number, 0
   included; as a last resort every entry of those tables but the year's total is hidden. A table holding
   such a "[c]" shows every hidden entry as "[c]" and says what it means, so no "<5" beside it suggests a
   size.

The work splits into independent parts: entries that share no line with a hidden one are fixed, and
a part without a small number is shown whole without solving anything (national figures). The result
depends only on the numbers, the shapes, the links and the settings, so it is cached in the process by
exactly those.
"""
import functools
from dataclasses import dataclass, field

PRIMARY, SECONDARY, UNKNOWN, ANY, IMPLICIT = "primary", "secondary", "unknown", "any", "implicit"
EPSILON = 1e-6


def bounds(kind: str, threshold: int, zeros_small: bool) -> tuple[int, int | None]:
    """What a reader knows of a hidden entry from its marker. "<5" is 1..4 (0..4 when zeros count as
    small, since a zero is then shown as "<5" too); a complementary "[c]" is at least 5; a "[c]" that
    may be small (step 5) is anything a hidden entry can be (not 0 when zeros are shown); one in a table
    whose notes say it may be 0 (``ANY``), and an entry never shown (``IMPLICIT``), are anything at all."""
    low = 0 if zeros_small else 1
    return {PRIMARY: (low, threshold - 1), SECONDARY: (threshold, None), UNKNOWN: (low, None), ANY: (0, None),
            IMPLICIT: (0, None)}[kind]


@dataclass
class Table:
    """Counts to show: ``cells[r][c]`` for each row and column label. Totals are worked out here."""

    key: str
    title: str
    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[int]]
    row_header: str = ""
    notes: list[str] = field(default_factory=list)
    # False for counts that do not add up: no totals, so no line to solve.
    with_totals: bool = True
    # Subtotal rows: (label, indexes of the rows they add up). They are shown after the rows.
    groups: list[tuple[str, list[int]]] = field(default_factory=list)
    # Cell rows that add up with the others but are never shown (a funnel's "discussed, not adopted").
    implicit: set[int] = field(default_factory=set)
    # Cell rows to leave shown where hiding another entry protects as well (the ideology split).
    keep: set[int] = field(default_factory=set)
    # Entries of the extended table (row, column) that other tables shown with this one also hold, by name.
    links: dict[str, tuple[int, int]] = field(default_factory=dict)
    total_label: str = "Total"

    @property
    def has_total_column(self) -> bool:
        return self.with_totals and len(self.col_labels) > 1

    def extended(self) -> tuple[tuple[int, ...], ...]:
        if not self.with_totals:
            return tuple(tuple(row) for row in self.cells)
        rows = [list(row) + ([sum(row)] if self.has_total_column else []) for row in self.cells]
        width = len(rows[0])
        subtotals = [[sum(rows[m][j] for m in members) for j in range(width)] for _, members in self.groups]
        totals = [sum(row[j] for row in rows) for j in range(width)]
        return tuple(tuple(row) for row in [*rows, *subtotals, totals])

    def total_entry(self) -> tuple[int, int]:
        """The grand total's place in the extended table."""
        extended = self.extended()
        return len(extended) - 1, len(extended[0]) - 1

    def spec(self) -> tuple:
        """Everything ``protect_all`` needs of this table: numbers, shape, links. Hashable, for the cache."""
        return (self.extended(), self.with_totals, len(self.cells), tuple(tuple(m) for _, m in self.groups),
                frozenset(self.implicit), frozenset(self.keep), tuple(sorted(self.links.items())))


@dataclass
class Shown:
    """A table as it may be shown: ``display`` holds text for every entry of the extended table."""

    key: str
    title: str
    row_labels: list[str]  # cell rows, then group subtotals, then "Total"
    col_labels: list[str]  # with "Total" last when there is a totals column
    display: list[list[str]]
    values: list[list[int | None]]  # the number where shown, None where hidden
    row_header: str = ""
    notes: list[str] = field(default_factory=list)
    suppressed: bool = False  # whether anything is hidden
    national: list | None = None  # England and Wales share per row, where known
    # How each hidden entry is to be read ((row, col) -> PRIMARY, SECONDARY or UNKNOWN), for checks.
    hidden: dict = field(default_factory=dict)

    def value(self, row: int, col: int) -> int | None:
        return self.values[row][col]

    def reordered(self, rows: list[int], labels: list[str] | None = None) -> "Shown":
        """The same table with its rows in another order (and, if given, other labels)."""
        position = {old: new for new, old in enumerate(rows)}
        return Shown(self.key, self.title, labels or [self.row_labels[i] for i in rows], self.col_labels,
                     [self.display[i] for i in rows], [self.values[i] for i in rows], self.row_header, self.notes,
                     self.suppressed, self.national,
                     {(position[i], j): kind for (i, j), kind in self.hidden.items() if i in position})

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "row_header": self.row_header, "rows": self.row_labels,
                "columns": self.col_labels, "cells": self.display, "notes": self.notes,
                **({"england_and_wales_share": self.national} if self.national is not None else {})}


def show(table: Table, threshold: int, *, hide_small: bool, zeros_small: bool = False) -> Shown:
    """One table as a reader may see it: protected unless ``hide_small`` is False (the case team)."""
    return show_all([table], threshold, hide_small=hide_small, zeros_small=zeros_small)[0]


def show_all(tables: list[Table], threshold: int, *, hide_small: bool, zeros_small: bool = False) -> list[Shown]:
    """Tables shown together, protected together: an entry named alike in two tables' ``links`` is one."""
    if hide_small:
        hidden = protect_all(tuple(t.spec() for t in tables), threshold, zeros_small)
    else:
        hidden = tuple({} for _ in tables)
    return [_shown(table, found, threshold, zeros_small) for table, found in zip(tables, hidden, strict=True)]


def _shown(table: Table, hidden: dict, threshold: int, zeros_small: bool) -> Shown:
    extended = table.extended()
    n_cells = len(table.cells)
    rows = [i for i in range(len(extended)) if not (i < n_cells and i in table.implicit)]
    labels = [table.row_labels[i] for i in range(n_cells) if i not in table.implicit]
    if table.with_totals:
        labels += [label for label, _ in table.groups] + [table.total_label]
    width = len(extended[0])
    display = [[_text(extended[i][j], hidden.get((i, j)), threshold) for j in range(width)] for i in rows]
    values = [[None if (i, j) in hidden else extended[i][j] for j in range(width)] for i in rows]
    cols = list(table.col_labels) + (["Total"] if table.has_total_column else [])
    notes = list(table.notes)
    kinds = {kind for (i, _), kind in hidden.items() if i in rows}
    if PRIMARY in kinds:
        notes.append(f"<{threshold}: " + (f"fewer than {threshold}." if zeros_small else
                                         f"between 1 and {threshold - 1}."))
    if ANY in kinds:
        notes.append("[c]: hidden (any number, 0 included) so that a small number cannot be worked out from the "
                     "totals.")
    elif kinds - {PRIMARY}:
        notes.append("[c]: hidden so that a small number cannot be worked out from the totals.")
    at = {i: n for n, i in enumerate(rows)}
    return Shown(table.key, table.title, labels, cols, display, values, table.row_header, notes, bool(kinds),
                 hidden={(at[i], j): kind for (i, j), kind in hidden.items() if i in at})


def _text(value: int, kind: str | None, threshold: int) -> str:
    if kind == PRIMARY:
        return f"<{threshold}"
    if kind in (SECONDARY, UNKNOWN, ANY):
        return "[c]"
    return f"{value:,}"


def lines(height: int, width: int, n_cells: int, groups: tuple, has_total_column: bool) -> list[list[tuple[int, int]]]:
    """Each line of an extended table, its total last."""
    total_row = height - 1
    result = [[(i, j) for i in range(n_cells)] + [(total_row, j)] for j in range(width)]
    for k, members in enumerate(groups):
        result += [[(m, j) for m in members] + [(n_cells + k, j)] for j in range(width)]
    if has_total_column:
        result += [[(i, j) for j in range(width)] for i in range(height)]
    return result


# ---------------------------------------------------------------------------------------------------
# The system of equations over every table shown together


class _System:
    """Entries of all the tables as *quantities* (an entry linked to another, or equal to it by a line of
    two, is one quantity), the lines as equations over them, and what is fixed."""

    def __init__(self, specs: tuple, threshold: int, zeros_small: bool):
        self.threshold, self.zeros_small = threshold, zeros_small
        self.entries = []  # (table, row, col)
        index = {}
        values = []
        for t, (extended, *_rest) in enumerate(specs):
            for i, row in enumerate(extended):
                for j, value in enumerate(row):
                    index[(t, i, j)] = len(self.entries)
                    self.entries.append((t, i, j))
                    values.append(value)
        parent = list(range(len(self.entries)))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(a, b):
            parent[find(a)] = find(b)

        raw_lines = []
        named = {}
        self.total_entries = set()
        for t, (extended, with_totals, n_cells, groups, _implicit, _keep, links) in enumerate(specs):
            for name, (i, j) in links:
                named.setdefault(name, []).append(index[(t, i, j)])
            if not with_totals:
                continue
            height, width = len(extended), len(extended[0])
            self.total_entries.add(index[(t, height - 1, width - 1)])
            for line in lines(height, width, n_cells, groups, width > 1):
                raw_lines.append([index[(t, i, j)] for i, j in line])
        for members in named.values():
            for other in members[1:]:
                union(members[0], other)
        for line in raw_lines:
            if len(line) == 2:  # a single row and its total: the same number, shown or hidden together
                union(line[0], line[1])
        position = {root: n for n, root in enumerate(sorted({find(e) for e in range(len(self.entries))}))}
        self.quantity_of = [position[find(e)] for e in range(len(self.entries))]
        n = len(position)
        self.value = [None] * n
        self.appearances = [0] * n  # entries shown (not implicit) that are this quantity
        self.implicit_only = [True] * n
        self.keep = [False] * n
        self.is_total = [False] * n
        for e, (t, i, j) in enumerate(self.entries):
            q = self.quantity_of[e]
            extended, with_totals, n_cells, groups, implicit, keep, _links = specs[t]
            value = extended[i][j]
            if self.value[q] is not None and value != self.value[q]:
                raise ValueError(f"Linked entries differ: {value} and {self.value[q]}.")
            self.value[q] = value
            if not (i < n_cells and i in implicit):
                self.appearances[q] += 1
                self.implicit_only[q] = False
            if i < n_cells and i in keep:
                self.keep[q] = True
            if e in self.total_entries:
                self.is_total[q] = True
        # Equations: {quantity: coefficient} with a zero right-hand side (parts less the total).
        self.lines = []
        for line in raw_lines:
            coefficients = {}
            for e in line[:-1]:
                q = self.quantity_of[e]
                coefficients[q] = coefficients.get(q, 0) + 1
            q = self.quantity_of[line[-1]]
            coefficients[q] = coefficients.get(q, 0) - 1
            coefficients = {q: c for q, c in coefficients.items() if c}
            if coefficients and coefficients not in self.lines:
                self.lines.append(coefficients)

    def small(self, q) -> bool:
        return self.value[q] < self.threshold and (self.zeros_small or self.value[q] > 0)

    def fixed(self, q) -> bool:
        """Shown whatever happens: a zero (unless zeros count as small) and the year's total (unless small)."""
        if self.implicit_only[q]:
            return False
        if self.value[q] == 0 and not self.zeros_small:
            return True
        return self.is_total[q] and not self.small(q)

    def parts(self) -> list[set]:
        """Quantities that are not fixed, split where no line joins them: each part is solved on its own."""
        loose = [q for q in range(len(self.value)) if not self.fixed(q)]
        parent = {q: q for q in loose}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for line in self.lines:
            members = [q for q in line if q in parent]
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        groups = {}
        for q in loose:
            groups.setdefault(find(q), set()).add(q)
        return list(groups.values())


@functools.lru_cache(maxsize=4096)
def protect_all(specs: tuple, threshold: int, zeros_small: bool = False) -> tuple[dict, ...]:
    """{(row, col): PRIMARY, SECONDARY, UNKNOWN or ANY} per table (``Table.spec``) for the entries to hide."""
    system = _System(specs, threshold, zeros_small)
    kinds, failed = {}, []
    for part in system.parts():
        found = _protect_part(system, part)
        if found is None:
            failed.append(part)
        else:
            kinds.update(found)
    if failed:
        kinds.update(_protect_with_zeros(system, failed, kinds))
    result = []
    for t, (_extended, _with_totals, n_cells, _groups, implicit, _keep, _links) in enumerate(specs):
        hidden = {}
        for e, (tt, i, j) in enumerate(system.entries):
            if tt != t or (i < n_cells and i in implicit):
                continue
            kind = kinds.get(system.quantity_of[e])
            if kind is not None:
                hidden[(i, j)] = kind
        # No "<5" beside a "[c]" that may itself be small, and every "[c]" of a table alike.
        for broad in (ANY, UNKNOWN):
            if broad in hidden.values():
                hidden = {entry: broad for entry in hidden}
                break
        result.append(hidden)
    return tuple(result)


def _protect_part(system: _System, part: set) -> dict | None:
    """Kinds of the hidden quantities of one part (implicit ones included, as IMPLICIT), or None if no
    pattern of "<5" and "[c]" markers, nor of "[c]" alone, protects it."""
    implicit = {q for q in part if system.implicit_only[q]}
    primary = {q for q in part - implicit if system.small(q)}
    sensitive = primary | {q for q in implicit if system.small(q)}
    if not sensitive:
        return {q: IMPLICIT for q in implicit}
    candidates = sorted(part - implicit - primary)
    part_lines = [line for line in system.lines if any(q in part for q in line)]
    for primary_kind, secondary_kind in ((PRIMARY, SECONDARY), (UNKNOWN, UNKNOWN)):
        forced = {**{q: primary_kind for q in primary}, **{q: IMPLICIT for q in implicit}}
        chosen = _search(system, part_lines, forced, candidates, secondary_kind, sensitive)
        if chosen is not None:
            return {**forced, **{q: secondary_kind for q in chosen}}
    return None


def _protect_with_zeros(system: _System, failed: list[set], kinds: dict) -> dict:
    """Parts that no pattern protects while every hidden entry is known to be more than 0 (six months of
    one referral each, in a year of six: each hidden month is at least 1, so each is 1). Their tables are
    solved again with zeros among the entries that may be hidden, every "[c]" read as any number, 0
    included; as a last resort, every entry of those tables but the year's total is hidden."""
    tables = {system.entries[e][0] for e in range(len(system.entries)) if any(
        system.quantity_of[e] in part for part in failed)}
    while True:  # with every table that shares a quantity with one of them
        quantities = {system.quantity_of[e] for e in range(len(system.entries)) if system.entries[e][0] in tables}
        quantities = {q for q in quantities if not (system.is_total[q] and not system.small(q))}
        more = {system.entries[e][0] for e in range(len(system.entries)) if system.quantity_of[e] in quantities}
        if more <= tables:
            break
        tables |= more
    for q in quantities:
        kinds.pop(q, None)
    implicit = {q for q in quantities if system.implicit_only[q]}
    sensitive = {q for q in quantities if system.small(q)}
    forced = {**{q: ANY for q in sensitive - implicit}, **{q: IMPLICIT for q in implicit}}
    candidates = sorted(quantities - implicit - sensitive)
    part_lines = [line for line in system.lines if any(q in quantities for q in line)]
    chosen = _search(system, part_lines, forced, candidates, ANY, sensitive)
    if chosen is not None:
        return {**forced, **{q: ANY for q in chosen}}
    return {**{q: ANY for q in quantities - implicit}, **{q: IMPLICIT for q in implicit}}


def _search(system, part_lines, forced, candidates, secondary_kind, sensitive):
    """The least set of candidates to hide with ``forced`` such that the audit passes, or None."""
    found = _choose(system, part_lines, forced, candidates, secondary_kind, sensitive)
    if found is None:
        return None
    chosen, moves = found
    hidden = {**forced, **{q: secondary_kind for q in chosen}}
    # Each move the programme found is checked here, exactly, as a solution of the audit's equations and
    # bounds; an entry that one moves by 1 has two possible values at least. The rest are audited.
    moved = set()
    for move in moves:
        if _is_solution(system, part_lines, hidden, move):
            moved |= {q for q, step in move.items() if abs(step) >= 1 - EPSILON}
    checked = [q for q in hidden if (q in sensitive or not system.implicit_only[q]) and q not in moved]
    pinned = set(pinned_quantities(system, part_lines, hidden, checked)) if checked else set()
    if pinned & set(sensitive) or pinned & set(forced):
        return None
    # A complementary entry with one possible value hides nothing: the reader can work it out, so showing it
    # leaves every other range as it was.
    return chosen - pinned


def _is_solution(system, part_lines, hidden, move) -> bool:
    """Whether true values plus ``move`` (hidden quantities only) keep every line adding up and every hidden
    entry within what its marker says."""
    for q, step in move.items():
        if abs(step) > EPSILON and q not in hidden:
            return False
    for line in part_lines:
        if abs(sum(c * move.get(q, 0.0) for q, c in line.items())) > EPSILON:
            return False
    for q, kind in hidden.items():
        low, high = bounds(kind, system.threshold, system.zeros_small)
        value = system.value[q] + move.get(q, 0.0)
        if value < low - EPSILON or (high is not None and value > high + EPSILON):
            return False
    return True


def _choose(system, part_lines, forced, candidates, secondary_kind, sensitive):
    """Solve the integer programme: which candidates to hide (lexicographically the fewest entries, the
    fewest rows to keep, the smallest), so that every sensitive entry can move.

    For each sensitive entry s there are continuous variables y[s, e] for every entry e not fixed (how far
    e could be from its true value) and a binary d[s]: y[s, s] is +1 or -1, every line still adds up, each
    hidden entry stays within what its marker says (and moves by at most 1), and an entry shown does not
    move (y[s, e] = 0 unless z[e]). Such a y is a solution of the audit's linear programme in which s is 1
    away from its true value, so every pattern found passes the audit for s; and where a sensitive entry
    can move at all it can move by a unit along one circuit of the lines, so no pattern passing the audit
    is missed. No line may hide exactly one entry either (it would be pinned): that holds in every
    solution, and stated outright it makes the programme quicker to solve."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    t, zs = system.threshold, system.zeros_small
    sensitive = sorted(sensitive)
    loose = sorted(set(candidates) | set(forced))
    nz, nd, nq = len(candidates), len(sensitive), len(loose)
    z_at = {q: k for k, q in enumerate(candidates)}
    d_at = {s: nz + k for k, s in enumerate(sensitive)}
    q_at = {q: k for k, q in enumerate(loose)}

    def y_at(s_index, q):
        return nz + nd + s_index * nq + q_at[q]

    size = nz + nd + nd * nq
    lower_bounds, upper_bounds = np.zeros(size), np.ones(size)

    def move_limits(q, kind):
        low, high = bounds(kind, t, zs)
        value = system.value[q]
        return max(-1.0, low - value), 1.0 if high is None else min(1.0, high - value)

    limits = {q: move_limits(q, forced.get(q, secondary_kind)) for q in loose}
    rows, row_low, row_high = [], [], []

    def add(coefficients, low, high):
        rows.append(coefficients)
        row_low.append(low)
        row_high.append(high)

    for k, s in enumerate(sensitive):
        low, high = limits[s]
        can_go_up, can_go_down = high >= 1, low <= -1
        if not (can_go_up or can_go_down):
            return None  # its marker alone pins it ("<2" when zeros are shown)
        lower_bounds[d_at[s]] = 0 if can_go_down else 1
        upper_bounds[d_at[s]] = 1 if can_go_up else 0
        add({y_at(k, s): 1, d_at[s]: -2}, -1, -1)  # y[s, s] = 2 d[s] - 1
        for q in loose:
            low, high = limits[q]
            index = y_at(k, q)
            if q in forced:
                lower_bounds[index], upper_bounds[index] = low, high
            else:
                lower_bounds[index], upper_bounds[index] = -1, 1
                add({index: 1, z_at[q]: -high}, -np.inf, 0)
                add({index: 1, z_at[q]: -low}, 0, np.inf)
        for line in part_lines:
            coefficients = {y_at(k, q): c for q, c in line.items() if q in q_at}
            if coefficients:
                add(coefficients, 0, 0)
    for line in part_lines:
        in_line = [q for q in line if q in z_at]
        held = sum(1 for q in line if q in forced)
        if held == 0:
            for q in in_line:  # a candidate hidden here needs another beside it
                add({**{z_at[r]: 1 for r in in_line if r != q}, z_at[q]: -1}, 0, np.inf)
    if nz == 0 and nd == 0:
        return set(), []
    matrix = np.zeros((len(rows), size))
    for r, coefficients in enumerate(rows):
        for index, c in coefficients.items():
            matrix[r, index] += c
    constraints = [LinearConstraint(matrix, np.array(row_low), np.array(row_high))] if rows else []
    integrality = np.concatenate([np.ones(nz + nd), np.zeros(nd * nq)])
    count = np.array([system.appearances[q] for q in candidates], dtype=float)
    keep = np.array([float(system.keep[q]) for q in candidates])
    size_of = np.array([system.appearances[q] * system.value[q] for q in candidates], dtype=float)
    # Lexicographic: fewest, then fewest kept, then smallest. One objective whose weights keep that order
    # exactly while its values stay well within what the solver counts exactly; else one solve per level.
    unit = size_of.sum() + 1
    weight = (keep.sum() + 1) * unit
    if weight * (count.sum() + 1) < 1e9:
        levels = [count * weight + keep * unit + size_of]
    else:
        levels = [count, keep, size_of]
    solution = None
    for level in levels:
        if solution is not None and not level.any():
            continue
        cost = np.zeros(size)
        cost[:nz] = level
        outcome = milp(cost, integrality=integrality, bounds=Bounds(lower_bounds, upper_bounds),
                       constraints=constraints, options={"mip_rel_gap": 0, "time_limit": 20})
        if outcome.x is None:
            return None
        solution = outcome.x
        best = float(cost @ np.round(solution))
        # The next objective only among the solutions as good as this one.
        constraints = [*constraints, LinearConstraint(cost.reshape(1, -1), -np.inf, best + 0.5)]
    chosen = {q for q, k in z_at.items() if solution[k] > 0.5}
    moves = [{q: float(solution[y_at(k, q)]) for q in loose} for k in range(nd)]
    return chosen, moves


# ---------------------------------------------------------------------------------------------------
# The audit


def pinned_quantities(system, part_lines, hidden: dict, checked) -> list:
    """The quantities in ``checked`` that have a single possible value, given everything shown."""
    t, zs = system.threshold, system.zeros_small
    variables = sorted(hidden)
    index = {q: k for k, q in enumerate(variables)}
    equations = []
    for line in part_lines:
        if not any(q in hidden for q in line):
            continue
        coefficients = {index[q]: c for q, c in line.items() if q in hidden}
        constant = sum(c * system.value[q] for q, c in line.items() if q not in hidden)
        equations.append((coefficients, -constant))
    limits = [bounds(hidden[q], t, zs) for q in variables]
    truth = [system.value[q] for q in variables]
    if len(equations) == 1:
        coefficients, rhs = equations[0]
        return [q for q in checked if _single_equation_width(coefficients, rhs, limits, index[q]) < 1 - EPSILON]
    return [variables[k] for k in _pinned(equations, limits, truth, [index[q] for q in checked])]


def _single_equation_width(coefficients, rhs, limits, k) -> float:
    """The width of x_k's range when one equation sum(a_i x_i) = rhs (a_i = +1 or -1) holds the hidden entries."""
    inf = float("inf")

    def span(i, a):
        low, high = limits[i]
        high = inf if high is None else high
        return (a * low, a * high) if a > 0 else (a * high, a * low)

    others = [span(i, a) for i, a in coefficients.items() if i != k]
    rest_low, rest_high = sum(lo for lo, _ in others), sum(hi for _, hi in others)
    a = coefficients[k]
    low, high = limits[k]
    high = inf if high is None else high
    ends = sorted(((rhs - rest_high) / a, (rhs - rest_low) / a))
    return min(high, ends[1]) - max(low, ends[0])


def _pinned(equations, limits, truth, checked) -> list[int]:
    """Indexes in ``checked`` whose variable has a range narrower than 1 (linear programming, HiGHS).

    A few programmes first push every variable at once (all up, all down, and alternate signs); a
    variable that moves 1 or more from its true value in any of them has a range of at least 1. The
    rest are each maximised and minimised."""
    import numpy as np
    from scipy.optimize import linprog

    n = len(truth)
    if not equations:
        return [k for k in checked if (limits[k][1] if limits[k][1] is not None else float("inf")) - limits[k][0]
                < 1 - EPSILON]
    a_eq = np.zeros((len(equations), n))
    b_eq = np.zeros(len(equations))
    for row, (coefficients, rhs) in enumerate(equations):
        for k, c in coefficients.items():
            a_eq[row, k] = c
        b_eq[row] = rhs

    def solve(objective):
        outcome = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=limits, method="highs")
        return outcome

    remaining = set(checked)
    for signs in (np.ones(n), -np.ones(n), np.array([(-1) ** k for k in range(n)], dtype=float),
                  -np.array([(-1) ** k for k in range(n)], dtype=float)):
        if not remaining:
            break
        outcome = solve(signs)
        if outcome.status == 0:
            remaining = {k for k in remaining if abs(outcome.x[k] - truth[k]) < 1 - EPSILON}
        elif outcome.status == 3:  # unbounded: some variable can grow without end
            break
    pinned = []
    for k in sorted(remaining):
        objective = np.zeros(n)
        objective[k] = 1
        low = solve(objective)
        objective[k] = -1
        high = solve(objective)
        low_value = low.fun if low.status == 0 else float("-inf")
        high_value = -high.fun if high.status == 0 else float("inf")
        if high_value - low_value < 1 - EPSILON:
            pinned.append(k)
    return pinned
