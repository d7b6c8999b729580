"""No shown cell is small, no hidden cell can be worked out from what is shown (in one table or across tables
shown together), zero is shown as 0, and the cells hidden to protect a small one are the fewest and smallest.

The audit (``audit.py``) is written independently of ``disclosure``.
"""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevent_hub.insights import disclosure
from prevent_hub.insights.disclosure import Table, show, show_all

from .audit import NEVER_SHOWN, THRESHOLD, assert_protected, full, ranges, simple_lines

small_or_large = st.one_of(st.integers(0, 6), st.integers(7, 60))
tables_of_cells = st.integers(1, 5).flatmap(lambda width: st.lists(
    st.lists(small_or_large, min_size=width, max_size=width), min_size=1, max_size=6))


def plain(cells, **options):
    return show(Table("t", "T", [f"r{i}" for i in range(len(cells))], [f"c{j}" for j in range(len(cells[0]))], cells),
                THRESHOLD, hide_small=True, **options)


def as_audited(cells, shown, shared=None):
    values = full(cells)
    return {"values": values, "display": shown.display, "lines": simple_lines(len(values), len(values[0])),
            "shared": shared or {}, "notes": shown.notes}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_of_cells, st.booleans())
def test_no_shown_cell_is_small_and_no_hidden_cell_can_be_worked_out(cells, zeros_small):
    shown = plain(cells, zeros_small=zeros_small)
    assert_protected([as_audited(cells, shown)], zeros_small=zeros_small)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(small_or_large, min_size=1, max_size=6), min_size=2, max_size=3), st.data())
def test_tables_sharing_their_total_and_a_row_are_protected_together(columns, data):
    """Breakdowns of the same referrals (one column each) share the total and, where there are counts by month
    only, that row: a reader may combine every table, so the audit does too."""
    shared_row = data.draw(st.one_of(st.none(), st.integers(1, 40)))
    total = max(sum(column) for column in columns) + data.draw(st.integers(0, 5))
    tables, audited = [], []
    for k, column in enumerate(columns):
        rows = list(column) + [total - sum(column)]  # every table adds up to the same total
        if shared_row is not None:
            rows.append(shared_row)
        links = {"total": (len(rows), 0)}
        if shared_row is not None:
            links["by_hand"] = (len(rows) - 1, 0)
        tables.append(Table(f"t{k}", "T", [f"r{i}" for i in range(len(rows))], ["x"], [[v] for v in rows],
                            links=links))
    shown = show_all(tables, THRESHOLD, hide_small=True)
    for table, result in zip(tables, shown, strict=True):
        shared = {entry: name for name, entry in table.links.items()}
        audited.append(as_audited(table.cells, result, shared))
    assert_protected(audited)
    if shared_row is not None:  # one number: shown alike in every table
        assert len({result.display[len(table.cells) - 1][0] for table, result in zip(tables, shown, strict=True)}) == 1


@given(st.lists(st.lists(st.integers(5, 500), min_size=3, max_size=3), min_size=1, max_size=5))
def test_a_table_of_large_numbers_is_shown_whole(cells):
    shown = plain(cells)
    assert not shown.suppressed
    assert shown.display[-1][-1] == f"{sum(map(sum, cells)):,}"


@given(st.lists(st.one_of(st.just(0), st.integers(5, 500)), min_size=1, max_size=8))
def test_zero_is_shown_as_zero_and_hides_nothing(column):
    shown = plain([[v] for v in column])
    assert not shown.suppressed
    assert [row[0] for row in shown.display[:-1]] == [f"{v:,}" for v in column]


def test_zero_counts_as_small_when_the_setting_says_so():
    cells = [[0], [19], [36], [0], [95]]
    assert [r[0] for r in plain(cells).display] == ["0", "19", "36", "0", "95", "150"]
    hidden = [r[0] for r in plain(cells, zeros_small=True).display]
    assert hidden[0] == hidden[3] == "<5" and hidden[-1] == "150"
    assert plain(cells, zeros_small=True).notes[0] == "<5: fewer than 5."
    assert plain([[3], [20], [7]]).notes[0] == "<5: between 1 and 4."


def test_the_case_team_sees_every_number():
    shown = show(Table("t", "T", ["a", "b"], ["x"], [[1], [30]]), THRESHOLD, hide_small=False)
    assert shown.display == [["1"], ["30"], ["31"]]


@pytest.mark.parametrize("cells, expected", [
    ([[3], [20], [7]], [["<5"], ["20"], ["[c]"], ["30"]]),  # one small cell: the smallest other is hidden too
    ([[0], [5]], [["0"], ["5"], ["5"]]),  # zero says nothing
    ([[4], [4]], [["[c]"], ["[c]"], ["8"]]),  # two "<5" adding up to a published 8 would both be 4
    ([[2], [3], [50]], [["<5"], ["<5"], ["50"], ["55"]]),  # two small cells protect each other
    # Hidden months known to be at least 1 and adding up to 6 would all be 1: "[c]" here may be 0 (the notes say).
    ([[1, 1, 0], [1, 1, 0], [1, 1, 0]], [["[c]", "[c]", "0", "[c]"], ["[c]", "[c]", "0", "[c]"],
                                         ["[c]", "[c]", "0", "[c]"], ["[c]", "[c]", "0", "6"]]),
    # The rectangle of four is the fewest cells that protect two small ones in different rows and columns.
    ([[3, 20, 7], [10, 12, 30], [8, 4, 9]], [["<5", "[c]", "7", "30"], ["10", "12", "30", "52"],
                                            ["[c]", "<5", "9", "21"], ["21", "36", "46", "103"]]),
])
def test_known_tables(cells, expected):
    shown = plain(cells)
    assert shown.display == expected
    assert_protected([as_audited(cells, shown)])


def test_the_threshold_is_configurable():
    cells = [[7], [30], [12]]
    assert show(Table("t", "T", ["a"] * 3, ["x"], cells), 10, hide_small=True).display[0] == ["<10"]


def _line_rule(display, lines):
    return all(sum(1 for e in [*parts, total] if not display[e[0]][e[1]].isdigit()) != 1 for parts, total in lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.lists(st.lists(small_or_large, min_size=1, max_size=1), min_size=2, max_size=7),
    st.integers(2, 3).flatmap(lambda width: st.lists(st.lists(small_or_large, min_size=width, max_size=width),
                                                      min_size=2, max_size=2))))
def test_the_cells_hidden_are_the_fewest_then_the_smallest(cells):
    """Against every other choice: no pattern that passes the audit hides fewer cells, or as few but smaller."""
    shown = plain(cells)
    values = full(cells)
    if any(kind == disclosure.UNKNOWN for kind in shown.hidden.values()):
        return  # no pattern with "<5" markers passes; the fall-back is checked by the audit test above
    height, width = len(values), len(values[0])
    lines = simple_lines(height, width)
    small = {(i, j) for i in range(height) for j in range(width) if 0 < values[i][j] < THRESHOLD}
    candidates = [(i, j) for i in range(height) for j in range(width)
                  if values[i][j] >= THRESHOLD and (i, j) != (height - 1, width - 1)]
    chosen = {e for e, kind in shown.hidden.items() if kind == disclosure.SECONDARY}
    cost = (len(chosen), sum(values[i][j] for i, j in chosen))
    for size in range(len(chosen) + 1):
        for extra in itertools.combinations(candidates, size):
            other = (size, sum(values[i][j] for i, j in extra))
            if other >= cost:
                continue
            display = [[f"{v}" for v in row] for row in values]
            for i, j in small:
                display[i][j] = "<5"
            for i, j in extra:
                display[i][j] = "[c]"
            if not _line_rule(display, lines):
                continue
            found = ranges([{"values": values, "display": display, "lines": lines}])
            assert any(high - low < 1 - 1e-6 for low, high in found.values()), (cells, extra, shown.display)


def test_the_ideology_split_is_kept_where_another_cell_protects_as_well():
    """'Not known' alone is 3: another group's figure must be hidden too. Hiding Islamist (19, and its "All:"
    row) or the other group's subtotal with one of its rows both hide two entries; Islamist is smaller, but a
    row to keep is passed over for a choice that hides as few."""
    cells = [[19], [36], [12], [8], [9], [55], [20], [3]]
    groups = [("All: Islamist", [0]), ("All: Extreme right-wing", [1]), ("All: Other", [2, 3, 4, 5, 6]),
              ("All: Not known", [7])]
    labels = ["Islamist", "Extreme right-wing", "Conflicted", "School massacre", "Incel", "No ideology", "Other",
              "Not known"]
    plain_table = show(Table("c", "C", labels, ["n"], cells, groups=groups), THRESHOLD, hide_small=True)
    kept = show(Table("c", "C", labels, ["n"], cells, groups=groups, keep={0, 1}), THRESHOLD, hide_small=True)
    assert plain_table.display[0] == ["[c]"]  # the smallest choice
    assert kept.display[0] == ["19"] and kept.display[1] == ["36"] and kept.display[10] == ["[c]"]
    assert sum(1 for row in kept.display if row[0] == "[c]") == sum(1 for row in plain_table.display if row[0] == "[c]")
    for shown in (plain_table, kept):
        values = [*cells, [19], [36], [104], [3], [162]]
        lines = [([(i, 0) for i in range(8)], (12, 0))] + [([(m, 0) for m in members], (8 + k, 0))
                                                            for k, (_, members) in enumerate(groups)]
        assert_protected([{"values": values, "display": shown.display, "lines": lines}])


def test_a_row_never_shown_is_still_protected():
    """A funnel: 50 discussed at a panel, 47 of them adopted, would say 3 were discussed and not adopted."""
    def funnel(cells):
        return show(Table("funnel", "F", ["Not discussed", "Discussed, not adopted", "Adopted"], ["n"], cells,
                          groups=[("Discussed", [1, 2])], implicit={0, 1}), THRESHOLD, hide_small=True)

    shown = funnel([[100], [3], [47]])
    assert shown.row_labels == ["Adopted", "Discussed", "Total"]
    assert shown.display[-1] == ["150"] and shown.suppressed
    values = [[100], [3], [47], [50], [150]]
    display = [[NEVER_SHOWN], [NEVER_SHOWN], *shown.display]
    lines = [([(0, 0), (1, 0), (2, 0)], (4, 0)), ([(1, 0), (2, 0)], (3, 0))]
    low, high = ranges([{"values": values, "display": display, "lines": lines}])[(0, 1, 0)]
    assert high - low >= 1
    assert not funnel([[100], [30], [47]]).suppressed  # nothing small, shown or not


@settings(max_examples=200, deadline=None)
@given(st.lists(small_or_large, min_size=1, max_size=8), st.data())
def test_the_one_equation_shortcut_agrees_with_the_solver(column, data):
    values = [*column, sum(column)]
    coefficients = {k: 1 for k in range(len(column))} | {len(column): -1}
    chosen = data.draw(st.lists(st.sampled_from(range(len(values))), min_size=1, unique=True))
    kinds = [disclosure.PRIMARY if 0 < values[k] < THRESHOLD else
             data.draw(st.sampled_from([disclosure.SECONDARY, disclosure.UNKNOWN, disclosure.IMPLICIT]))
             for k in chosen]
    limits = [disclosure.bounds(kind, THRESHOLD, False) for kind in kinds]
    if any(low > values[k] or (high is not None and values[k] > high) for k, (low, high) in zip(chosen, limits)):
        return  # not a marking the true values satisfy
    index = {k: n for n, k in enumerate(chosen)}
    rhs = -sum(c * values[k] for k, c in coefficients.items() if k not in index)
    equation = {index[k]: c for k, c in coefficients.items() if k in index}
    truth = [values[k] for k in chosen]
    slow = set(disclosure._pinned([(equation, rhs)], limits, truth, list(range(len(chosen)))))
    fast = {n for n in range(len(chosen)) if disclosure._single_equation_width(equation, rhs, limits, n) < 1 - 1e-6}
    assert fast == slow


def test_an_entry_two_tables_share_is_hidden_in_both_or_neither():
    """The referrals counted by month only (30) are a row of both breakdowns. Hiding them beside the 3 in one
    table while the other shows them would give the 3 away; hiding them in both costs two entries, so another
    cell is hidden instead."""
    first = Table("a", "A", ["small", "by hand", "x", "y"], ["n"], [[3], [30], [40], [50]],
                  links={"by_hand": (1, 0), "total": (4, 0)})
    second = Table("b", "B", ["p", "q", "by hand"], ["n"], [[60], [33], [30]],
                   links={"by_hand": (2, 0), "total": (3, 0)})
    alone = show(first, THRESHOLD, hide_small=True)
    assert alone.display[1] == ["[c]"]  # on its own, the smallest other cell
    shown_first, shown_second = show_all([first, second], THRESHOLD, hide_small=True)
    assert shown_first.display == [["<5"], ["30"], ["[c]"], ["50"], ["123"]]
    assert shown_second.display == [["60"], ["33"], ["30"], ["123"]]
    assert_protected([as_audited(first.cells, shown_first, {(1, 0): "h", (4, 0): "t"}),
                      as_audited(second.cells, shown_second, {(2, 0): "h", (3, 0): "t"})])
