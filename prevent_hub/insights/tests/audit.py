"""An audit of shown tables written independently of ``insights.disclosure``: it rebuilds the equations a
reader can write from the tables as shown (each line adds up to its total; an entry two tables share is one
number), reads each marker as the tables' notes explain it, and asks a linear program for the least and
greatest value each hidden entry could take.
"""
from scipy.optimize import linprog

THRESHOLD = 5
NEVER_SHOWN = "?"  # an entry a reader never sees, though it adds up with the others


def simple_lines(height, width):
    """(parts, total) of a table with a totals row and, when wider than one column, a totals column."""
    lines = [([(i, j) for i in range(height - 1)], (height - 1, j)) for j in range(width)]
    if width > 1:
        lines += [([(i, j) for j in range(width - 1)], (i, width - 1)) for i in range(height)]
    return lines


def full(cells):
    """The table with a totals column (when there is more than one column) and a totals row."""
    wide = len(cells[0]) > 1
    rows = [list(row) + ([sum(row)] if wide else []) for row in cells]
    return rows + [[sum(row[j] for row in rows) for j in range(len(rows[0]))]]


def is_number(text):
    return text.replace(",", "").isdigit()


def ranges(tables, *, threshold=THRESHOLD, zeros_small=False):
    """{(table, row, col): (least, greatest)} for every hidden entry.

    ``tables``: dicts with ``values`` (the true numbers, every entry shown or not), ``display`` (as shown),
    ``lines`` ((parts, total) entries) and optionally ``shared`` ({(row, col): name}).
    What a reader knows from the markers: "<5" is 1..4 (0..4 when zeros are shown as "<5" too). "[c]" is at
    least 5 where its table also uses "<5"; in a table with no "<5", it could be anything a hidden entry can
    be (never 0 when zeros are shown as 0, unless the table's notes say it may be 0).
    """
    low_small = 0 if zeros_small else 1
    names, limits = {}, {}

    def var(t, entry):
        return tables[t].get("shared", {}).get(entry) or (t, *entry)

    for t, table in enumerate(tables):
        uses_small = any(text == f"<{threshold}" for row in table["display"] for text in row)
        may_be_zero = any("0 included" in note for note in table.get("notes", ()))
        for i, row in enumerate(table["display"]):
            for j, text in enumerate(row):
                if is_number(text):
                    continue
                name = var(t, (i, j))
                names.setdefault(name, (t, i, j))
                if text == NEVER_SHOWN:
                    bound = (0, None)
                elif text == f"<{threshold}":
                    bound = (low_small, threshold - 1)
                elif uses_small:
                    bound = (threshold, None)
                else:
                    bound = (0 if may_be_zero else low_small, None)
                old_low, old_high = limits.get(name, (0, None))
                highs = [h for h in (old_high, bound[1]) if h is not None]
                limits[name] = (max(old_low, bound[0]), min(highs) if highs else None)
    hidden = sorted(limits, key=str)
    index = {name: k for k, name in enumerate(hidden)}
    a_eq, b_eq = [], []
    for t, table in enumerate(tables):
        for parts, total in table["lines"]:
            row = [0.0] * len(hidden)
            rhs = 0.0
            for sign, entries in ((1, parts), (-1, [total])):
                for entry in entries:
                    name = var(t, entry)
                    if name in index:
                        row[index[name]] += sign
                    else:
                        rhs -= sign * table["values"][entry[0]][entry[1]]
            if any(row):
                a_eq.append(row)
                b_eq.append(rhs)
    bounds = [limits[name] for name in hidden]
    result = {}
    for name in hidden:
        c = [0.0] * len(hidden)
        c[index[name]] = 1
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        c[index[name]] = -1
        high = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0, (name, low.message)  # the true values are always a solution
        result[names[name]] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return result


def assert_protected(tables, *, threshold=THRESHOLD, zeros_small=False):
    """Every shown number is exact and never small; every "<5" is small; no hidden entry has one possible value."""
    for table in tables:
        uses_small = any(text == f"<{threshold}" for row in table["display"] for text in row)
        for i, row in enumerate(table["display"]):
            for j, text in enumerate(row):
                value = table["values"][i][j]
                if text == NEVER_SHOWN:
                    continue
                if is_number(text):
                    assert int(text.replace(",", "")) == value, (text, value)
                    assert value >= threshold or (value == 0 and not zeros_small), (text, value)
                elif text == f"<{threshold}":
                    assert value < threshold and (zeros_small or value > 0), value
                else:
                    assert text == "[c]", text
                    assert not uses_small or value >= threshold, value  # readers may rely on that
                    if not any("0 included" in note for note in table.get("notes", ())):
                        assert value > 0 or zeros_small, value
    for (t, i, j), (low, high) in ranges(tables, threshold=threshold, zeros_small=zeros_small).items():
        value = tables[t]["values"][i][j]
        if tables[t]["display"][i][j] == NEVER_SHOWN and not (value < threshold and (zeros_small or value > 0)):
            continue  # a reader may work out an entry never shown, unless it is small
        assert high - low >= 1 - 1e-6, ((t, i, j), low, high)
