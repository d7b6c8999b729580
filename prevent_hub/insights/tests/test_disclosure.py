"""Acceptance 2: no shown cell is below the threshold, and no hidden cell can be worked out from what is shown.

The check here is written independently of ``disclosure``: it rebuilds the equations from the plain
table (each row adds up to its total, each column to its total, the totals to the grand total),
then asks a linear program for the least and greatest value each hidden cell could take.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from prevent_hub.insights.disclosure import Table, show

THRESHOLD = 5


def _full(cells):
    """The table with a totals column (when there is more than one column) and a totals row."""
    wide = len(cells[0]) > 1
    rows = [list(row) + ([sum(row)] if wide else []) for row in cells]
    return rows + [[sum(row[j] for row in rows) for j in range(len(rows[0]))]], wide


def _equations(full, wide):
    height, width = len(full), len(full[0])
    equations = []
    for j in range(width):  # every column, totals column included: cells above add up to the bottom one
        equations.append(([(i, j) for i in range(height - 1)], (height - 1, j)))
    if wide:
        for i in range(height):  # every row, totals row included: cells add up to the last one
            equations.append(([(i, j) for j in range(width - 1)], (i, width - 1)))
    return equations


def ranges(cells, shown):
    """{hidden entry: (least, greatest)} consistent with every number shown and the markers' meanings."""
    full, wide = _full(cells)
    hidden = [(i, j) for i, row in enumerate(shown.display) for j, text in enumerate(row) if not text.replace(",", "").isdigit()]
    index = {entry: k for k, entry in enumerate(hidden)}
    a_eq, b_eq = [], []
    for parts, total in _equations(full, wide):
        row = [0.0] * len(hidden)
        rhs = 0.0
        for entry in parts:
            if entry in index:
                row[index[entry]] += 1
            else:
                rhs -= full[entry[0]][entry[1]]
        if total in index:
            row[index[total]] -= 1
        else:
            rhs += full[total[0]][total[1]]
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [(0, THRESHOLD - 1) if shown.display[i][j] == f"<{THRESHOLD}" else (THRESHOLD, None) for i, j in hidden]
    result = {}
    for entry in hidden:
        c = [0.0] * len(hidden)
        c[index[entry]] = 1
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        c[index[entry]] = -1
        high = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0  # the true values are always a solution
        result[entry] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return result


small_or_large = st.one_of(st.integers(0, 6), st.integers(7, 60))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 5).flatmap(lambda width: st.lists(st.lists(small_or_large, min_size=width, max_size=width),
                                                         min_size=1, max_size=6)))
def test_no_shown_cell_is_small_and_no_hidden_cell_can_be_worked_out(cells):
    shown = show(Table("t", "T", [f"r{i}" for i in range(len(cells))], [f"c{j}" for j in range(len(cells[0]))], cells),
                 THRESHOLD, hide_small=True)
    full, _ = _full(cells)
    for i, row in enumerate(shown.display):
        for j, text in enumerate(row):
            if text.replace(",", "").isdigit():
                assert int(text.replace(",", "")) == full[i][j] >= THRESHOLD
            elif text == f"<{THRESHOLD}":
                assert full[i][j] < THRESHOLD
            else:
                assert text == "[c]" and full[i][j] >= THRESHOLD  # a "[c]" is never itself small
    for entry, (low, high) in ranges(cells, shown).items():
        assert high - low >= 1 - 1e-6, (cells, shown.display, entry, low, high)


@given(st.lists(st.lists(st.integers(5, 500), min_size=3, max_size=3), min_size=1, max_size=5))
def test_a_table_of_large_numbers_is_shown_whole(cells):
    shown = show(Table("t", "T", ["a"] * len(cells), ["x", "y", "z"], cells), THRESHOLD, hide_small=True)
    assert not shown.suppressed
    assert shown.display[-1][-1] == f"{sum(map(sum, cells)):,}"


def test_the_case_team_sees_every_number():
    shown = show(Table("t", "T", ["a", "b"], ["x"], [[1], [30]]), THRESHOLD, hide_small=False)
    assert shown.display == [["1"], ["30"], ["31"]]


@pytest.mark.parametrize("cells, expected", [
    ([[3], [20], [7]], [["<5"], ["20"], ["[c]"], ["30"]]),  # one small cell: the smallest other is hidden too
    ([[0], [5]], [["<5"], ["[c]"], ["[c]"]]),  # 0 + 5 = 5 would give both away: all hidden
])
def test_known_tables(cells, expected):
    assert show(Table("t", "T", ["a"] * len(cells), ["x"], cells), THRESHOLD, hide_small=True).display == expected


def test_the_threshold_is_configurable():
    cells = [[7], [30], [12]]
    assert show(Table("t", "T", ["a"] * 3, ["x"], cells), 10, hide_small=True).display[0] == ["<10"]
