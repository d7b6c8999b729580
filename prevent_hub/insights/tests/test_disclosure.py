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
    # What a reader knows from the markers: "<5" is 0..4. "[c]" is at least 5 where the table also uses
    # "<5" (it was hidden to protect one); in a table with no "<5" at all, it could be anything.
    uses_small = any(text == f"<{THRESHOLD}" for row in shown.display for text in row)
    bounds = [(0, THRESHOLD - 1) if shown.display[i][j] == f"<{THRESHOLD}" else
              (THRESHOLD, None) if uses_small else (0, None) for i, j in hidden]
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
                assert text == "[c]"
                # A "[c]" beside "<5" markers is never itself small (readers may rely on that).
                uses_small = any(t == f"<{THRESHOLD}" for r in shown.display for t in r)
                assert not uses_small or full[i][j] >= THRESHOLD
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
    # 0 + 5 = 5: with the total published, "<5" and a "[c]" of at least 5 would give both away, so
    # both show as a "[c]" that says nothing of size.
    ([[0], [5]], [["[c]"], ["[c]"], ["5"]]),
    ([[4], [4]], [["[c]"], ["[c]"], ["8"]]),  # two "<5" adding up to a published 8 would both be 4
])
def test_known_tables(cells, expected):
    assert show(Table("t", "T", ["a"] * len(cells), ["x"], cells), THRESHOLD, hide_small=True).display == expected


def test_the_threshold_is_configurable():
    cells = [[7], [30], [12]]
    assert show(Table("t", "T", ["a"] * 3, ["x"], cells), 10, hide_small=True).display[0] == ["<10"]


@settings(max_examples=200, deadline=None)
@given(st.lists(small_or_large, min_size=1, max_size=8), st.data())
def test_the_one_line_shortcut_agrees_with_the_solver(column, data):
    from prevent_hub.insights import disclosure

    extended = tuple((v,) for v in [*column, sum(column)])
    entries = [(i, 0) for i in range(len(extended))]
    chosen = data.draw(st.lists(st.sampled_from(entries), min_size=1, unique=True))
    hidden = {e: (disclosure.PRIMARY if extended[e[0]][0] < THRESHOLD else
                  data.draw(st.sampled_from([disclosure.SECONDARY, disclosure.UNKNOWN]))) for e in chosen}
    line = entries
    for entry in hidden:
        fast = disclosure._single_line_range(extended, hidden, THRESHOLD, entry, line)
        slow = disclosure.feasible_range(extended, hidden, THRESHOLD, entry, [line])
        assert fast == pytest.approx(slow), (extended, hidden, entry)


@settings(max_examples=300, deadline=None)
@given(st.lists(small_or_large, min_size=2, max_size=9), st.data())
def test_the_grouped_table_shortcut_agrees_with_the_solver(column, data):
    from prevent_hub.insights import disclosure

    # Random separate groups over some rows; the rest stand alone.
    rows = list(range(len(column)))
    labels = data.draw(st.lists(st.integers(0, 3), min_size=len(column), max_size=len(column)))
    groups = tuple(tuple(r for r in rows if labels[r] == g) for g in range(1, 4) if any(labels[r] == g for r in rows))
    table = Table("t", "T", [str(r) for r in rows], ["x"], [[v] for v in column],
                  groups=[(f"g{k}", list(members)) for k, members in enumerate(groups)])
    extended = table.extended()
    all_lines = disclosure.lines(len(extended), 1, len(column), groups, False)
    entries = [(i, 0) for i in range(len(extended))]
    chosen = data.draw(st.lists(st.sampled_from(entries), min_size=1, unique=True))
    hidden = {e: (disclosure.PRIMARY if extended[e[0]][0] < THRESHOLD else
                  data.draw(st.sampled_from([disclosure.SECONDARY, disclosure.UNKNOWN]))) for e in chosen}
    assert disclosure._groups_partition(extended, all_lines)
    for entry in hidden:
        fast = disclosure._tree_range(extended, hidden, THRESHOLD, entry, all_lines)
        slow = disclosure.feasible_range(extended, hidden, THRESHOLD, entry, all_lines)
        assert fast == pytest.approx(slow), (extended, groups, hidden, entry)
