"""Files made from case data: a subject access pack (Word) and an approved bulk export (Excel).

Callers log the disclosure; these only build the bytes and say which sections went in.
"""
import io

from django.utils import timezone

from prevent_hub.audit.models import AccessLog
from prevent_hub.core import tabular

from .models import Case


def _value(value) -> str:
    if value in (None, ""):
        return ""
    if hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


# Other people's details: a subject access response withholds what identifies third parties.
THIRD_PARTY_FIELDS = ("referrer_name", "referrer_role", "referrer_organisation", "returned_by", "asked_by",
                      "assessed_by", "referred_by")


def _fields(obj, exclude=("id", "partnership", "version", "created_at", "updated_at", "case", "token_hash",
                          "reminded_on", "log_ref", "responder", *THIRD_PARTY_FIELDS)):
    """(label, text) for every field of ``obj`` a person should read, with choice labels."""
    rows = []
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        display = getattr(obj, f"get_{field.name}_display", None)
        value = display() if display and getattr(obj, field.attname) not in (None, "") else getattr(obj, field.name)
        rows.append((str(field.verbose_name).capitalize(), _value(value)))
    return rows


def subject_access_sections(case) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    """Everything held about the case's subject: each section a list of records of (label, value)."""
    sections = [
        ("Identity", [_fields(case.subject)]),
        ("Referral and case", [_fields(case)]),
        ("Information requests", [_fields(r) for r in case.information_requests.select_related("organisation")]),
        ("Panel listings", [_fields(listing) for listing in case.listings.select_related("meeting__group")]),
        ("Panel decisions", [_fields(d) for d in case.decisions.all()]),
        ("Consent", [_fields(c) for c in case.consents.all()]),
    ]
    assessments = []
    for assessment in case.assessments.prefetch_related("ratings__factor"):
        rows = _fields(assessment)
        rows += [(rating.factor.name, f"{rating.get_rating_display()}. {rating.narrative}".strip(". "))
                 for rating in assessment.ratings.all()]
        assessments.append(rows)
    sections.append(("Vulnerability assessments", assessments))
    sections.append(("Support plan", [_fields(i) for i in case.interventions.all()]))
    sections.append(("Reviews", [_fields(r) + [(f"Progress: {p.intervention.get_kind_display()}", p.progress)
                                                for p in r.progress.select_related("intervention")]
                                 for r in case.reviews.all()]))
    # Disclosures: who the case was shared with, from the s62 log (recipients only, never others' data).
    disclosures = AccessLog.objects.filter(target_type="channel.case", target_id=str(case.pk),
                                           event="disclosure").order_by("seq")
    sections.append(("Disclosures", [[("When", f"{timezone.localtime(entry.timestamp):%-d %B %Y %H:%M}"),
                                      ("Disclosed to", entry.recipient), ("What", ", ".join(entry.sections)),
                                      ("Why", entry.purpose)] for entry in disclosures]))
    return sections


def subject_access_docx(case) -> tuple[bytes, list[str]]:
    import docx

    sections = subject_access_sections(case)
    document = docx.Document()
    document.core_properties.title = f"Subject access: {case.reference}"
    document.add_heading(f"Information held about the person in case {case.reference}", level=0)
    document.add_paragraph(f"Prepared on {timezone.localdate():%-d %B %Y} by {case.partnership.name}. "
                           "This pack contains every record this system holds about the person. Details that "
                           "would identify other people, such as who made the referral, are withheld.")
    for title, records in sections:
        document.add_heading(title, level=1)
        if not records:
            document.add_paragraph("None held.")
        for rows in records:
            table = document.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label, value
            document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), [title.lower() for title, _ in sections]


EXPORT_COLUMNS = (
    tabular.Column("reference", "Reference"), tabular.Column("stage", "Stage"), tabular.Column("outcome", "Outcome"),
    tabular.Column("received_on", "Received"), tabular.Column("referrer_sector", "Referrer's sector"),
    tabular.Column("age_band", "Age band"), tabular.Column("gender", "Gender"), tabular.Column("district", "District"),
    tabular.Column("concern_type", "Type of concern"), tabular.Column("gateway_outcome", "Screening outcome"),
    tabular.Column("exited_on", "Exited"), tabular.Column("closed_on", "Closed"), tabular.Column("erase_after", "Keep until"),
)


def cases_xlsx(partnership) -> tuple[bytes, list[str]]:
    """Every case of the partnership (no identity, no narrative), for an approved bulk export.

    Returns the workbook and the cases' log pseudonyms, for the one access-log row of the export.
    """
    cases = list(Case.objects.filter(partnership=partnership).only(*[column.key for column in EXPORT_COLUMNS], "log_ref")
                 .order_by("received_on", "pk"))
    rows = [{column.key: (getattr(case, f"get_{column.key}_display")() if hasattr(case, f"get_{column.key}_display")
                          else getattr(case, column.key)) for column in EXPORT_COLUMNS} for case in cases]
    body = tabular.write_xlsx(EXPORT_COLUMNS, rows, sheet_title="Channel cases")
    return body, [case.log_ref for case in cases]
