"""Referral records from another case system, one row per referral (format in docs/user-guide.md).

Every row is checked against the categories in force in its own financial year; any error in any
row and nothing is saved. The rows go in with one bulk insert inside one transaction, recorded in
the change log as one import batch.
"""
from django.db import transaction
from django.db.models.functions import Lower

from prevent_hub.core import tabular
from prevent_hub.core.dates import plausible
from prevent_hub.core.importing import ImportResult, ModelImporter, PlannedRow, RowProblem
from prevent_hub.core.services import object_create
from prevent_hub.core.tabular import Column, TableSpec

from . import categories
from .models import ImportBatch, Referral

MAX_ROWS = 250_000
MAX_BYTES = 40 * 1024 * 1024
OLDEST_AGE = 110


def _choices_message(scheme, what) -> str:
    return f"Expected one of: {', '.join(c.label for c in scheme.categories)}."


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
        label = categories.financial_year_label(year)
        dims = context["dimensions"]
        fields = {"reference": reference, "referral_date": day, "financial_year": year,
                  "district": " ".join(str(data.get("district") or "").split())}
        for key, column, name in (("sector", "Sector", "sector"), ("gender", "Gender", "gender"),
                                  ("concern", "Type of concern", "concern"), ("stage", "Stage reached", "stage")):
            scheme = dims[name].scheme_for(year)
            category = scheme.match(data[key])
            if category is None:
                raise RowProblem(column, f"'{data[key]}' is not a {dims[name].label.lower()} category in {label}. "
                                         + _choices_message(scheme, name))
            fields[key] = category.code
        fields["age"], fields["age_band"] = self._age(data, dims["age"].scheme_for(year), label)
        return PlannedRow(row.number, "create", Referral(partnership=partnership, **fields), data)

    @staticmethod
    def _age(data, scheme, label):
        age, band_text = data.get("age"), data.get("age_band")
        band = None
        if band_text not in (None, ""):
            band = scheme.match(band_text)
            if band is None:
                raise RowProblem("Age band", f"'{band_text}' is not an age band in {label}. "
                                             + _choices_message(scheme, "age"))
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

    @transaction.atomic
    def apply(self, result: ImportResult, *, actor, partnership, filename: str = "", progress=None) -> dict:
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
