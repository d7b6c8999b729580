"""Declarative tables rendered with GOV.UK markup, with server-side sorting."""
from dataclasses import dataclass, field
from typing import Any, Callable

from django.utils.http import urlencode


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    accessor: str | Callable[[Any], Any] | None = None
    order_by: str | tuple[str, ...] | None = None  # None: not sortable
    link: bool = False  # link the cell to the row's page (Table.row_url)
    numeric: bool = False
    template: str | None = None  # optional include rendering the cell with `row` and `value`

    def value(self, row):
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(row)
        value = row
        for part in accessor.split("."):
            value = getattr(value, part, None) if value is not None else None
            if callable(value) and not hasattr(value, "all"):
                value = value()
        return value


@dataclass
class Table:
    columns: list[Column]
    default_sort: str
    sort: str = ""
    rows: list = field(default_factory=list)
    base_query: dict = field(default_factory=dict)
    # Where a row links to; by default the object's get_absolute_url.
    row_url: Callable[[Any], str] | None = None

    def sortable(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns if c.order_by}

    def ordering(self, requested: str | None) -> tuple[str, list[str]]:
        """Return (sort key, order_by list) for a requested ?sort= value; unknown keys fall back."""
        key = requested or self.default_sort
        name = key.lstrip("-")
        column = self.sortable().get(name)
        if column is None:
            key = self.default_sort
            column = self.sortable()[key.lstrip("-")]
        fields = (column.order_by,) if isinstance(column.order_by, str) else column.order_by
        descending = key.startswith("-")
        self.sort = key
        return key, [f"-{f}" if descending else f for f in fields] + ["pk"]

    def headers(self):
        for column in self.columns:
            header = {"column": column, "sortable": bool(column.order_by), "aria_sort": None, "url": None}
            if column.order_by:
                current = self.sort.lstrip("-") == column.name
                descending = self.sort.startswith("-")
                next_sort = f"-{column.name}" if current and not descending else column.name
                if current:
                    header["aria_sort"] = "descending" if descending else "ascending"
                header["url"] = "?" + urlencode({**self.base_query, "sort": next_sort})
            yield header

    def body(self):
        """Yield (row, row's URL or None, [(column, value), ...])."""
        linked = any(column.link for column in self.columns)
        for row in self.rows:
            url = (self.row_url(row) if self.row_url else row.get_absolute_url()) if linked else None
            yield row, url, [(column, column.value(row)) for column in self.columns]
