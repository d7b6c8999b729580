"""Statistical disclosure control: the one place small numbers are hidden (issue 8).

Every table shown outside the case team passes through ``show``. It works on the table with its
totals (the "extended" table: the cells, any subtotal rows for groups of rows, a totals column
when there is more than one column, and a totals row). Each "line" is a set of entries that must
add up to one of them: a column to its total, a row to its total, a group's rows to its subtotal.

1. Primary suppression: every entry below the threshold (zero included) is shown as "<5".
2. Rows whose value would be worked out by subtracting across tables (``always_hide``) are hidden
   in every table that has them, as "[c]" whatever their size.
3. Secondary suppression: every line that hides exactly one entry hides one more: the smallest
   cell left in that line. Secondary entries are shown as "[c]", so a reader knows they are at
   least the threshold. Entries published elsewhere (``public``: the year's total, shown on every
   table) are never chosen, since hiding them here would hide nothing.
4. Audit: for every hidden entry, linear programming finds the least and greatest value consistent
   with everything published (every line adds up; "<5" entries lie in 0..4; a secondary "[c]" is
   at least 5; public entries are known). An entry with a single possible value gets more entries
   hidden around it and the audit runs again.
5. If that cannot settle it (the published total itself pins a "<5": two "<5" rows adding up to a
   published 8 must both be 4), every hidden entry is shown as "[c]" alone, which says nothing
   of its size, and the audit runs again on those terms; as a last resort every entry that is
   not published elsewhere is hidden.

The result depends only on the numbers, the shape and the threshold, so it is cached in the process
by exactly those: a table is worked out again only when its numbers change.
"""
import functools
from dataclasses import dataclass, field

PRIMARY, SECONDARY, UNKNOWN = "primary", "secondary", "unknown"
# What a reader knows of a hidden entry from its marker: "<5" is 0..4, a secondary "[c]" is at least 5,
# and an "[c]" that may be small (always hidden rows; tables in the last resort) could be anything.
BOUNDS = {PRIMARY: lambda t: (0, t - 1), SECONDARY: lambda t: (t, None), UNKNOWN: lambda t: (0, None)}


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
    # False for counts that do not add up (a funnel's stages): no totals, so no line to solve.
    with_totals: bool = True
    # Subtotal rows: (label, indexes of the rows they add up). They are shown after the rows.
    groups: list[tuple[str, list[int]]] = field(default_factory=list)
    # Rows hidden whatever their size (a count whose value other tables would give away by subtraction).
    always_hide: set[int] = field(default_factory=set)

    @property
    def has_total_column(self) -> bool:
        return self.with_totals and len(self.col_labels) > 1

    def shape(self) -> tuple:
        """What ``protect`` needs besides the numbers: the number of cell rows and the groups."""
        return len(self.cells), tuple((tuple(members)) for _, members in self.groups)

    def extended(self) -> tuple[tuple[int, ...], ...]:
        if not self.with_totals:
            return tuple(tuple(row) for row in self.cells)
        rows = [list(row) + ([sum(row)] if self.has_total_column else []) for row in self.cells]
        width = len(rows[0])
        subtotals = [[sum(rows[m][j] for m in members) for j in range(width)] for _, members in self.groups]
        totals = [sum(row[j] for row in rows) for j in range(width)]
        return tuple(tuple(row) for row in [*rows, *subtotals, totals])


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

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "row_header": self.row_header, "rows": self.row_labels,
                "columns": self.col_labels, "cells": self.display, "notes": self.notes,
                **({"england_and_wales_share": self.national} if self.national is not None else {})}


def show(table: Table, threshold: int, *, hide_small: bool) -> Shown:
    """The table as a reader may see it: protected unless ``hide_small`` is False (the case team)."""
    extended = table.extended()
    n_cells, groups = table.shape()
    hidden = protect(extended, threshold, table.with_totals, n_cells, groups,
                     frozenset(table.always_hide)) if hide_small else {}
    display = [[_text(extended[i][j], hidden.get((i, j)), threshold) for j in range(len(extended[0]))]
               for i in range(len(extended))]
    values = [[None if (i, j) in hidden else extended[i][j] for j in range(len(extended[0]))]
              for i in range(len(extended))]
    cols = list(table.col_labels) + (["Total"] if table.has_total_column else [])
    notes = list(table.notes)
    if hidden:
        notes.append(f"<{threshold}: fewer than {threshold}. [c]: hidden so that a small number cannot be worked out "
                     f"from the totals.")
    rows = list(table.row_labels)
    if table.with_totals:
        rows += [label for label, _ in table.groups] + ["Total"]
    return Shown(table.key, table.title, rows, cols, display, values, table.row_header, notes, bool(hidden),
                 hidden=dict(hidden))


def _text(value: int, kind: str | None, threshold: int) -> str:
    if kind == PRIMARY:
        return f"<{threshold}"
    if kind in (SECONDARY, UNKNOWN):
        return "[c]"
    return f"{value:,}"


def lines(height: int, width: int, n_cells: int, groups: tuple, has_total_column: bool) -> list[list[tuple[int, int]]]:
    """Each line of the extended table, its total last."""
    total_row = height - 1
    result = [[(i, j) for i in range(n_cells)] + [(total_row, j)] for j in range(width)]
    for k, members in enumerate(groups):
        result += [[(m, j) for m in members] + [(n_cells + k, j)] for j in range(width)]
    if has_total_column:
        result += [[(i, j) for j in range(width)] for i in range(height)]
    return result


@functools.lru_cache(maxsize=8192)
def protect(extended: tuple[tuple[int, ...], ...], threshold: int, with_totals: bool = True, n_cells: int | None = None,
            groups: tuple = (), always_hide: frozenset = frozenset()) -> dict[tuple[int, int], str]:
    """Return {(row, col): PRIMARY, SECONDARY or UNKNOWN} for the entries of ``extended`` to hide."""
    height, width = len(extended), len(extended[0])
    hidden = {(i, j): PRIMARY for i in range(height) for j in range(width) if extended[i][j] < threshold}
    if not with_totals:
        return hidden  # nothing adds up, so nothing can be worked out
    n_cells = height - 1 if n_cells is None else n_cells
    all_lines = lines(height, width, n_cells, groups, width > 1)
    grand_total = (height - 1, width - 1)
    public = {grand_total} - set(hidden)
    # An entry that a line makes equal to a published one (a table's only row and its total) is published too.
    for line in all_lines:
        if len(line) == 2 and public & set(line):
            public |= set(line) - set(hidden)
    for row in always_hide:
        for j in range(width):
            hidden[(row, j)] = UNKNOWN
    if not hidden:
        return {}
    if _settle(extended, hidden, public, all_lines, threshold):
        return hidden
    hidden = {entry: UNKNOWN for entry in hidden}  # step 5: markers that say nothing of size
    if _settle(extended, hidden, public, all_lines, threshold, kind=UNKNOWN):
        return hidden
    return {(i, j): UNKNOWN for i in range(height) for j in range(width) if (i, j) not in public}


def _settle(extended, hidden, public, all_lines, threshold, kind=SECONDARY) -> bool:
    """Hide more until no hidden entry has a single possible value; False if it cannot be done."""
    height, width = len(extended), len(extended[0])
    for _round in range(height * width):
        _complete_lines(extended, hidden, public, all_lines, kind)
        pinned = [entry for entry in hidden if _pinned(extended, hidden, public, all_lines, entry, threshold)]
        if not pinned:
            return True
        added = False
        for entry in pinned:
            for line in all_lines:
                if entry in line:
                    candidate = _smallest_shown(extended, hidden, public, line)
                    if candidate is not None:
                        hidden[candidate] = kind
                        added = True
        if not added:
            return False
    return False


def _smallest_shown(extended, hidden, public, line):
    candidates = [entry for entry in line if entry not in hidden and entry not in public]
    if not candidates:
        return None
    # Hide a cell rather than its line's total where possible, and the smallest (it says least).
    return min(candidates, key=lambda e: (e == line[-1], extended[e[0]][e[1]], e))


def _complete_lines(extended, hidden, public, all_lines, kind=SECONDARY):
    """No line may hide exactly one entry: it would be its total minus the rest."""
    changed = True
    while changed:
        changed = False
        for line in all_lines:
            if sum(1 for entry in line if entry in hidden) == 1:
                candidate = _smallest_shown(extended, hidden, public, line)
                if candidate is not None:
                    hidden[candidate] = kind
                    changed = True


def feasible_range(extended, hidden: dict, threshold: int, entry, all_lines) -> tuple[float, float]:
    """The least and greatest value ``entry`` could have, given all that is published (linear programming)."""
    from scipy.optimize import linprog

    variables = sorted(hidden)
    index = {e: k for k, e in enumerate(variables)}
    rows, rhs = [], []
    for line in all_lines:
        *parts, total = line
        if not any(e in hidden for e in line):
            continue
        coefficients = [0.0] * len(variables)
        constant = 0.0
        for e in parts:
            if e in hidden:
                coefficients[index[e]] += 1.0
            else:
                constant += extended[e[0]][e[1]]
        if total in hidden:
            coefficients[index[total]] -= 1.0
            rhs.append(-constant)
        else:
            rhs.append(extended[total[0]][total[1]] - constant)
        rows.append(coefficients)
    bounds = [BOUNDS[hidden[e]](threshold) for e in variables]
    objective = [0.0] * len(variables)
    results = []
    for sign in (1.0, -1.0):
        objective[index[entry]] = sign
        outcome = linprog(objective, A_eq=rows or None, b_eq=rhs or None, bounds=bounds, method="highs")
        if outcome.status == 3:  # unbounded: no largest value
            results.append(float("inf") if sign < 0 else float("-inf"))
        else:
            results.append(sign * outcome.fun)
    return results[0], results[1]


def _pinned(extended, hidden, public, all_lines, entry, threshold) -> bool:
    # A public entry hidden here is known from elsewhere: treat it as shown.
    effective = {e: kind for e, kind in hidden.items() if e not in public}
    if entry not in effective:
        return False
    touching = [line for line in all_lines if any(e in effective for e in line)]
    if len(touching) == 1:
        low, high = _single_line_range(extended, effective, threshold, entry, touching[0])
    elif len(extended[0]) == 1 and _groups_partition(extended, all_lines):
        low, high = _tree_range(extended, effective, threshold, entry, all_lines)
    else:
        low, high = feasible_range(extended, effective, threshold, entry, all_lines)
    return high - low < 0.5


def _groups_partition(extended, all_lines) -> bool:
    """A one-column table whose group subtotals each cover separate rows (the shape ``_tree_range`` solves)."""
    *groups, = all_lines[1:]
    seen = set()
    for line in groups:
        members = set(line[:-1])
        if members & seen:
            return False
        seen |= members
    return True


def _tree_range(extended, hidden, threshold, entry, all_lines) -> tuple[float, float]:
    """``feasible_range`` for a one-column table with group subtotals over separate rows, without a solver.

    Written as total = sum of the groups (a row in no group is a group of its own) and each group's
    subtotal = sum of its rows, the equations form a tree, on which narrowing each entry's range from
    its neighbours' is exact.
    """
    inf = float("inf")

    def own(e):
        if e not in hidden:
            value = extended[e[0]][e[1]]
            return value, value
        low, high = BOUNDS[hidden[e]](threshold)
        return low, inf if high is None else high

    total_line, *group_lines = all_lines
    total = total_line[-1]
    grouped = {m for line in group_lines for m in line[:-1]}
    # (subtotal entry or None, member rows) per group; rows in no group stand alone.
    groups = [(line[-1], line[:-1]) for line in group_lines]
    groups += [(None, [e]) for e in total_line[:-1] if e not in grouped]

    def group_range(subtotal, members):
        low = sum(own(m)[0] for m in members)
        high = sum(own(m)[1] for m in members)
        if subtotal is not None:
            s_low, s_high = own(subtotal)
            low, high = max(low, s_low), min(high, s_high)
        return low, high

    ranges = [group_range(subtotal, members) for subtotal, members in groups]
    t_low, t_high = own(total)
    t_low = max(t_low, sum(r[0] for r in ranges))
    t_high = min(t_high, sum(r[1] for r in ranges))
    if entry == total:
        return t_low, t_high
    for index, (subtotal, members) in enumerate(groups):
        if entry != subtotal and entry not in members:
            continue
        others_low = sum(r[0] for k, r in enumerate(ranges) if k != index)
        others_high = sum(r[1] for k, r in enumerate(ranges) if k != index)
        g_low = max(ranges[index][0], t_low - others_high)
        g_high = min(ranges[index][1], t_high - others_low)
        if entry == subtotal:
            return g_low, g_high
        rest = [m for m in members if m != entry]
        low, high = own(entry)
        return (max(low, g_low - sum(own(m)[1] for m in rest)),
                min(high, g_high - sum(own(m)[0] for m in rest)))
    return own(entry)


def _single_line_range(extended, hidden, threshold, entry, line) -> tuple[float, float]:
    """``feasible_range`` when one line holds every hidden entry, worked out directly (no solver).

    The line is: sum of parts - total = 0. With the shown entries moved across, it reads
    sum(a_i * x_i) = c over the hidden entries, a_i being +1 for a part and -1 for the total.
    """
    inf = float("inf")
    *parts, total = line
    c = sum(-extended[e[0]][e[1]] for e in parts if e not in hidden)
    c += 0 if total in hidden else extended[total[0]][total[1]]
    terms = [(e, 1) for e in parts if e in hidden] + ([(total, -1)] if total in hidden else [])

    def span(e, a):
        low, high = BOUNDS[hidden[e]](threshold)
        high = inf if high is None else high
        return (a * low, a * high) if a > 0 else (a * high, a * low)

    others = [span(e, a) for e, a in terms if e != entry]
    rest_low, rest_high = sum(lo for lo, _ in others), sum(hi for _, hi in others)
    a = dict(terms)[entry]
    low, high = BOUNDS[hidden[entry]](threshold)
    high = inf if high is None else high
    # a * x = c - rest, rest in [rest_low, rest_high]
    from_line = sorted(((c - rest_high) / a, (c - rest_low) / a))
    return max(low, from_line[0]), min(high, from_line[1])
