"""Statistical disclosure control: the one place small numbers are hidden (issue 8).

Every table shown outside the case team passes through ``protect``. It works on the table with
its totals (the "extended" table: a totals column when there is more than one column, and a
totals row):

1. Primary suppression: every entry below the threshold (zero included) is shown as "<5".
2. Secondary suppression: every line (a row with its total, or a column with its total) that
   hides exactly one entry hides one more: the smallest entry left in that line. Secondary
   entries are shown as "[c]"; a reader therefore knows they are at least the threshold.
3. Audit: for every hidden entry, linear programming finds the smallest and largest value
   consistent with everything shown (each line adds up; "<5" entries lie in 0..4; "[c]"
   entries are at least 5). If any hidden entry has only one possible value, more entries are
   hidden around it and the audit runs again; in the end, if need be, the whole table is hidden.

The result depends only on the numbers and the threshold, so it is cached in the process.
"""
import functools
from dataclasses import dataclass, field

PRIMARY, SECONDARY = "primary", "secondary"


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

    @property
    def has_total_column(self) -> bool:
        return self.with_totals and len(self.col_labels) > 1

    def extended(self) -> tuple[tuple[int, ...], ...]:
        if not self.with_totals:
            return tuple(tuple(row) for row in self.cells)
        rows = [list(row) + ([sum(row)] if self.has_total_column else []) for row in self.cells]
        width = len(self.col_labels) + (1 if self.has_total_column else 0)
        totals = [sum(row[j] for row in rows) for j in range(width)]
        return tuple(tuple(row) for row in [*rows, totals])


@dataclass
class Shown:
    """A table as it may be shown: ``display`` holds text for every entry of the extended table."""

    key: str
    title: str
    row_labels: list[str]  # the last is "Total"
    col_labels: list[str]  # with "Total" last when there is a totals column
    display: list[list[str]]
    values: list[list[int | None]]  # the number where shown, None where hidden
    row_header: str = ""
    notes: list[str] = field(default_factory=list)
    suppressed: bool = False  # whether anything is hidden
    national: list | None = None  # England and Wales share per row, where known

    def value(self, row: int, col: int) -> int | None:
        return self.values[row][col]

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "row_header": self.row_header, "rows": self.row_labels,
                "columns": self.col_labels, "cells": self.display, "notes": self.notes,
                **({"england_and_wales_share": self.national} if self.national is not None else {})}


def show(table: Table, threshold: int, *, hide_small: bool) -> Shown:
    """The table as a reader may see it: protected unless ``hide_small`` is False (the case team)."""
    extended = table.extended()
    hidden = protect(extended, threshold, table.with_totals) if hide_small else {}
    display = [[_text(extended[i][j], hidden.get((i, j)), threshold) for j in range(len(extended[0]))]
               for i in range(len(extended))]
    values = [[None if (i, j) in hidden else extended[i][j] for j in range(len(extended[0]))]
              for i in range(len(extended))]
    cols = list(table.col_labels) + (["Total"] if table.has_total_column else [])
    notes = list(table.notes)
    if hidden:
        notes.append(f"<{threshold}: fewer than {threshold}. [c]: hidden so that a small number cannot be worked out "
                     f"from the totals.")
    rows = [*table.row_labels, "Total"] if table.with_totals else list(table.row_labels)
    return Shown(table.key, table.title, rows, cols, display, values, table.row_header, notes, bool(hidden))


def _text(value: int, kind: str | None, threshold: int) -> str:
    if kind == PRIMARY:
        return f"<{threshold}"
    if kind == SECONDARY:
        return "[c]"
    return f"{value:,}"


def lines(height: int, width: int, has_total_column: bool, with_totals: bool = True) -> list[list[tuple[int, int]]]:
    """Each line of the extended table, its total last: rows (with their total) and columns (with theirs)."""
    if not with_totals:
        return []
    result = [[(i, j) for i in range(height)] for j in range(width)]
    if has_total_column:
        result += [[(i, j) for j in range(width)] for i in range(height)]
    return result


@functools.lru_cache(maxsize=4096)
def protect(extended: tuple[tuple[int, ...], ...], threshold: int, with_totals: bool = True) -> dict[tuple[int, int], str]:
    """Return {(row, col): PRIMARY or SECONDARY} for the entries of ``extended`` to hide."""
    height, width = len(extended), len(extended[0])
    has_total_column = with_totals and width > 1
    all_lines = lines(height, width, has_total_column, with_totals)
    hidden = {(i, j): PRIMARY for i in range(height) for j in range(width) if extended[i][j] < threshold}
    if not hidden:
        return {}
    for _round in range(height * width):
        _complete_lines(extended, hidden, all_lines, height, width)
        pinned = [entry for entry in hidden if _pinned(extended, hidden, all_lines, entry, threshold)] if all_lines else []
        if not pinned:
            return hidden
        added = False
        for i, j in pinned:
            for line in all_lines:
                if (i, j) in line:
                    candidate = _smallest_shown(extended, hidden, line, height, width)
                    if candidate is not None:
                        hidden[candidate] = SECONDARY
                        added = True
        if not added:
            break
    # Nothing left to hide around a pinned entry: hide the whole table.
    return {(i, j): hidden.get((i, j), SECONDARY) for i in range(height) for j in range(width)}


def _smallest_shown(extended, hidden, line, height, width):
    candidates = [entry for entry in line if entry not in hidden]
    if not candidates:
        return None
    # Hide a cell rather than a total where possible, and the smallest (it says least).
    return min(candidates, key=lambda e: (e == line[-1], extended[e[0]][e[1]], e))


def _complete_lines(extended, hidden, all_lines, height, width):
    """No line may hide exactly one entry: it would be its total minus the rest."""
    changed = True
    while changed:
        changed = False
        for line in all_lines:
            if sum(1 for entry in line if entry in hidden) == 1:
                candidate = _smallest_shown(extended, hidden, line, height, width)
                if candidate is not None:
                    hidden[candidate] = SECONDARY
                    changed = True


def feasible_range(extended, hidden: dict, threshold: int, entry, all_lines) -> tuple[float, float]:
    """The smallest and largest value ``entry`` could have, given all that is shown (linear programming)."""
    from scipy.optimize import linprog

    variables = sorted(hidden)
    index = {entry: k for k, entry in enumerate(variables)}
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
    bounds = [(0, threshold - 1) if hidden[e] == PRIMARY else (threshold, None) for e in variables]
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


def _pinned(extended, hidden, all_lines, entry, threshold) -> bool:
    low, high = feasible_range(extended, hidden, threshold, entry, all_lines)
    return high - low < 0.5
