"""Referral records from another case system, one row per referral (format in docs/user-guide.md).

Every row is checked against the categories in force in its own financial year; any error in any
row and nothing is saved. The rows go in with one bulk insert inside one transaction, recorded in
the change log as one import batch.
"""
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower

from prevent_hub.core import tabular
from prevent_hub.core.dates import plausible
from prevent_hub.core.importing import ImportResult, ModelImporter, PlannedRow, RowProblem, RowProblems
from prevent_hub.core.services import object_create, object_update
from prevent_hub.core.tabular import Column, TableSpec

from . import categories
from .models import CategoryMapping, ImportBatch, Referral

MAX_ROWS = 250_000
MAX_BYTES = 40 * 1024 * 1024
OLDEST_AGE = 110


CATEGORY_COLUMNS = ("sector", "gender", "concern", "stage", "age_band")
DIMENSION = {"sector": "sector", "gender": "gender", "concern": "concern", "stage": "stage", "age_band": "age"}
COLUMN_LABELS = {"sector": "Sector", "gender": "Gender", "concern": "Type of concern", "stage": "Stage reached",
                 "age_band": "Age band"}


class _Unknown(Exception):
    """A row's value is not a category: reported by ``finish`` with every other row that has it."""


def _years(years) -> str:
    """ "2024/25", "2022/23 and 2023/24", "2019/20, 2020/21 and 2021/22"."""
    labels = [categories.financial_year_label(year) for year in sorted(years)]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass(frozen=True)
class UnknownValue:
    """A value in a category column that is not a category of its years' list, and every row it is in."""

    column: str  # the column's key: sector, gender, concern, stage or age_band
    label: str  # the column's heading
    scheme: str  # the key of the list in force (a value may mean different things in different years)
    scheme_label: str
    years: str  # the financial years of its rows: "2024/25"
    value: str  # as first written in the file
    key: str  # as compared (categories.normalise)
    rows: tuple[int, ...]
    nearest: object  # the nearest category, or None
    choices: tuple  # the categories it could be
    code: str = ""  # the category chosen for it, where one was
    what: str = "a category"  # what it is not: "a type of concern category", "an age band"

    @property
    def field(self) -> str:
        """A form field name for choosing its category: the same for this value in any file."""
        digest = hashlib.sha256(f"{self.column}|{self.scheme}|{self.key}".encode()).hexdigest()[:12]
        return f"map-{self.column}-{digest}"

    @property
    def rows_text(self) -> str:
        return tabular.rows_phrase(self.rows)

    def category_label(self) -> str:
        return next((c.label for c in self.choices if c.code == self.code), self.code)

    def message(self) -> str:
        nearest = f" The nearest is '{self.nearest.label}'." if self.nearest else " No category is close to it."
        return (f"'{self.value}' is not {self.what} in {self.years}.{nearest} "
                f"Expected one of: {', '.join(c.label for c in self.choices)}.")


class ReferralImporter(ModelImporter):
    model = Referral
    spec = TableSpec(columns=(
        Column("reference", "Reference", aliases=("Referral reference", "Case reference", "ID", "Referral ID"),
               required=True, unique=True, max_length=100),
        Column("referral_date", "Referral date", aliases=("Date", "Date of referral", "Received"), required=True,
               parse=tabular.parse_date),
        Column("sector", "Sector", aliases=("Source sector", "Sector of referral", "Referrer sector"), required=True),
        Column("age", "Age", aliases=("Age at referral",), parse=tabular.parse_int()),
        Column("age_band", "Age band", aliases=("Age group",)),
        Column("gender", "Gender", required=True),
        Column("concern", "Type of concern", aliases=("Concern", "Concern type"), required=True),
        Column("district", "District", aliases=("Local authority district", "Area"), max_length=100),
        Column("stage", "Stage reached", aliases=("Furthest stage", "Stage", "Outcome"), required=True),
    ))

    def max_bytes(self) -> int:
        return MAX_BYTES

    def max_rows(self) -> int:
        return MAX_ROWS

    def load_context(self, partnership, rows):
        wanted = sorted({str(row.data.get("reference", "")).strip().lower() for row in rows})
        existing = set()
        # In slices, so a 70,000-row file does not become one enormous IN list.
        for start in range(0, len(wanted), 5000):
            existing.update(ref.lower() for ref in Referral.objects.annotate(lowered=Lower("reference")).filter(
                partnership=partnership, lowered__in=wanted[start:start + 5000]).values_list("reference", flat=True))
        return {"existing": existing, "dimensions": categories.dimensions()}

    def plan(self, row, context, partnership):
        data = dict(row.data)
        day = data["referral_date"]
        if not plausible(day):
            raise RowProblem("Referral date", f"{day:%-d %B %Y} is not a date a referral could have been made on.")
        reference = str(data["reference"]).strip()
        if reference.lower() in context["existing"]:
            raise RowProblem("Reference", f"A referral with reference '{reference}' has already been imported.")
        year = categories.financial_year(day)
        dims = context["dimensions"]
        fields = {"reference": reference, "referral_date": day, "financial_year": year,
                  "district": " ".join(str(data.get("district") or "").split())}
        problems, unknown = [], False
        for key in CATEGORY_COLUMNS:
            if key == "age_band":
                continue
            category = self._category(context, row.number, key, data[key], dims[DIMENSION[key]].scheme_for(year), year)
            if category is None:
                unknown = True
            else:
                fields[key] = category.code
        try:
            fields["age"], fields["age_band"] = self._age(context, row.number, data, dims["age"].scheme_for(year),
                                                          year)
        except RowProblem as problem:
            problems.append(problem)
        except _Unknown:
            unknown = True
        if problems or unknown:
            raise RowProblems(problems)  # unknown values are reported once for all their rows, by ``finish``
        return PlannedRow(row.number, "create", Referral(partnership=partnership, **fields), data)

    @staticmethod
    def _category(context, number, key, text, scheme, year):
        """The category ``text`` names in ``scheme``, or one chosen for it (now or at an earlier import); None,
        noted for ``finish``, if neither."""
        category = scheme.match(text)
        if category is not None:
            return category
        found = (key, scheme.key, categories.normalise(text))
        code = context.get("value_map", {}).get(found)
        if code is not None and scheme.get(code) is not None:
            context.setdefault("mapped", {}).setdefault(found, [text, code, []])[2].append(number)
            return scheme.get(code)
        context.setdefault("unknown", {}).setdefault(found, [text, [], set()])[1].append(number)
        context["unknown"][found][2].add(year)
        return None

    @classmethod
    def _age(cls, context, number, data, scheme, year):
        age, band_text = data.get("age"), data.get("age_band")
        band = None
        if band_text not in (None, ""):
            band = cls._category(context, number, "age_band", band_text, scheme, year)
            if band is None:
                raise _Unknown
        if age is not None:
            if not 0 <= age <= OLDEST_AGE:
                raise RowProblem("Age", f"{age} is not a possible age.")
            by_age = scheme.band_for_age(age)
            if band is not None and band.code != by_age.code:
                raise RowProblem("Age band", f"Age {age} is in the band '{by_age.label}', not '{band.label}'.")
            return age, by_age.code
        if band is None:
            raise RowProblem("Age", "Give the age at referral or the age band (or 'Not known').")
        return None, band.code

    def finish(self, result, context):
        """Each unknown value once, for all the rows that have it: in which column, for which years' list,
        the rows, how many, and the nearest category; and each value matched by a category chosen for it."""
        dims = context["dimensions"]
        unknown = []
        for (key, scheme_key, normal), (text, rows, years) in context.get("unknown", {}).items():
            dim = dims[DIMENSION[key]]
            scheme = next(s for s in dim.schemes if s.key == scheme_key)
            found = UnknownValue(key, COLUMN_LABELS[key], scheme_key, scheme.label, _years(years), text, normal,
                                 tuple(rows), scheme.nearest(text), scheme.categories,
                                 what="an age band" if key == "age_band" else f"a {dim.label.lower()} category")
            unknown.append(found)
            result.errors.append(tabular.GroupedCellError(rows[0], found.label, found.message(), rows=tuple(rows)))
        mapped = []
        for (key, scheme_key, normal), (text, code, rows) in context.get("mapped", {}).items():
            dim = dims[DIMENSION[key]]
            scheme = next(s for s in dim.schemes if s.key == scheme_key)
            mapped.append(UnknownValue(key, COLUMN_LABELS[key], scheme_key, scheme.label, "", text, normal, tuple(rows),
                                       scheme.nearest(text), scheme.categories, code=code))
        result.details["unknown"] = sorted(unknown, key=lambda u: (u.rows[0], u.column))
        result.details["mapped"] = sorted(mapped, key=lambda u: (u.rows[0], u.column))

    @staticmethod
    def remembered(partnership) -> dict:
        """The categories chosen at earlier imports for values that are not categories: {(column, list, value
        as compared): code}, to pass to ``check`` as ``options={"value_map": ...}``."""
        return {(m.column, m.scheme, m.value_key): m.code for m in CategoryMapping.objects.filter(partnership=partnership)}

    @staticmethod
    def remember(mapped, *, actor, partnership) -> None:
        """Keep the categories chosen for values (``result.details["mapped"]``) for the partnership's next import."""
        existing = {(m.column, m.scheme, m.value_key): m for m in CategoryMapping.objects.filter(partnership=partnership)}
        user = actor if getattr(actor, "is_authenticated", False) else None
        for item in mapped:
            found = existing.get((item.column, item.scheme, item.key))
            if found is None:
                object_create(actor=actor, instance=CategoryMapping(
                    partnership=partnership, column=item.column, scheme=item.scheme, value=item.value[:255],
                    value_key=item.key[:255], code=item.code, chosen_by=user))
            elif found.code != item.code:
                found.code, found.chosen_by = item.code, user
                object_update(actor=actor, instance=found, expected_version=None)

    @transaction.atomic
    def apply(self, result: ImportResult, *, actor, partnership, filename: str = "", progress=None) -> dict:
        """Save the referrals, and the categories chosen for values that are not categories, in one transaction."""
        if result.errors or result.problem:
            raise ValueError("Refusing to apply an import with errors.")
        batch = object_create(actor=actor, instance=ImportBatch(
            partnership=partnership, filename=filename[:255], rows=len(result.rows),
            imported_by=actor if getattr(actor, "is_authenticated", False) else None))
        rows = [planned.instance for planned in result.rows]
        for start in range(0, len(rows), 2000):
            chunk = rows[start:start + 2000]
            for referral in chunk:
                referral.batch = batch
            Referral.objects.bulk_create(chunk)
            if progress:
                progress(len(chunk))
        self.remember(result.details.get("mapped", ()), actor=actor, partnership=partnership)
        return {"created": len(rows), "updated": 0, "batch": batch}

    def export_rows(self, queryset):
        dims = categories.dimensions()
        for r in queryset.order_by("referral_date", "pk"):
            yield {"reference": r.reference, "referral_date": r.referral_date,
                   "sector": dims["sector"].category_label(r.sector, r.financial_year), "age": r.age,
                   "age_band": dims["age"].category_label(r.age_band, r.financial_year),
                   "gender": dims["gender"].category_label(r.gender, r.financial_year),
                   "concern": dims["concern"].category_label(r.concern, r.financial_year), "district": r.district,
                   "stage": dims["stage"].category_label(r.stage, r.financial_year)}
