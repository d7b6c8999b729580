"""Model importers built on core.tabular: check a file against the directory, then apply it atomically."""
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from . import tabular
from .services import object_create, object_update


class RowProblem(Exception):
    """A row that is well-formed but does not fit the data (e.g. an unknown organisation)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


class RowProblems(Exception):
    """Every problem of one row (none, when ``finish`` reports them for many rows at once)."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class PlannedRow:
    number: int
    action: str  # "create", "update" or "unchanged"
    instance: object
    data: dict
    extra: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    problem: str = ""
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    details: dict = field(default_factory=dict)  # what a particular importer tells its own page

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.action == "create")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.action == "unchanged")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == "update")


class ModelImporter:
    """Subclasses give ``model``, ``spec`` and implement ``plan``, ``export_row``."""

    model = None
    spec: tabular.TableSpec = None

    def max_bytes(self) -> int:
        return settings.DIRECTORY_IMPORT_MAX_BYTES

    def max_rows(self) -> int:
        return 50_000

    def check(self, data: bytes, filename: str, partnership, mapping=None, *, options: dict | None = None) -> ImportResult:
        """Read and check a file; nothing is saved. ``options`` go into the context ``plan`` reads."""
        try:
            table = tabular.read_table(data, filename, max_bytes=self.max_bytes(), max_rows=self.max_rows())
        except tabular.TableError as error:
            return ImportResult(problem=str(error))
        validation = self.spec.validate(table, mapping=mapping)
        result = ImportResult(errors=list(validation.errors), warnings=list(validation.warnings))
        if any(e.row == 1 for e in result.errors):
            return result  # headings are wrong: row checks would only repeat that
        context = {**self.load_context(partnership, validation.rows), **(options or {})}
        for row in validation.rows:
            try:
                result.rows.append(self.plan(row, context, partnership))
            except RowProblem as problem:
                result.errors.append(tabular.CellError(row.number, problem.column, problem.message))
            except RowProblems as problems:
                result.errors += [tabular.CellError(row.number, p.column, p.message) for p in problems.problems]
        self.finish(result, context)
        order = {c.label: i for i, c in enumerate(self.spec.columns)}
        result.errors.sort(key=lambda e: (e.row, order.get(e.column, 99)))
        return result

    def load_context(self, partnership, rows) -> dict:
        """Load everything ``plan`` looks up, in a fixed number of queries."""
        return {}

    def plan(self, row, context, partnership) -> PlannedRow:
        raise NotImplementedError

    def finish(self, result: ImportResult, context: dict) -> None:
        """After every row: report what ``plan`` gathered across rows (a problem once for many rows, say)."""

    @transaction.atomic
    def apply(self, result: ImportResult, *, actor, partnership, filename: str = "") -> dict:
        if result.errors or result.problem:
            raise ValueError("Refusing to apply an import with errors.")
        for planned in result.rows:
            if planned.action == "unchanged":
                continue
            if planned.action == "create":
                object_create(actor=actor, instance=planned.instance)
            else:
                object_update(actor=actor, instance=planned.instance, expected_version=None)
        self.after_apply(result, actor=actor, partnership=partnership)
        return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    def after_apply(self, result, *, actor, partnership):
        """Second pass for rows that refer to each other (e.g. an organisation's parent)."""

    def export_rows(self, queryset):
        for obj in queryset:
            yield self.export_row(obj)

    def export_row(self, obj) -> dict:
        raise NotImplementedError
