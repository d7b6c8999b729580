"""E-learning completions from a learning system's CSV/XLSX export: one row per learner and course."""
from prevent_hub.core import tabular
from prevent_hub.core.dates import plausible
from prevent_hub.core.importing import ModelImporter, PlannedRow, RowProblem
from prevent_hub.core.tabular import Column, TableSpec
from prevent_hub.directory.importers import _organisation_index

from .models import Course, LmsCompletion


class LmsCompletionImporter(ModelImporter):
    model = LmsCompletion
    # Headings vary by learning system; these are the ones seen in their exports.
    spec = TableSpec(columns=(
        Column("learner_ref", "Learner ID", aliases=("User ID", "Learner", "Employee number", "Staff number", "Username"),
               required=True, max_length=100),
        Column("organisation", "Organisation", aliases=("Employer", "Organisation name", "Agency"), required=True),
        Column("course", "Course", aliases=("Module", "Course name", "Learning item"), required=True),
        Column("completed_on", "Completed on", aliases=("Completion date", "Date completed", "Completed"),
               required=True, parse=tabular.parse_date),
    ))

    def load_context(self, partnership, rows):
        courses = {c.name.lower(): c for c in Course.objects.filter(partnership=partnership)}
        existing = {
            (c.course_id, c.learner_ref.lower()): c for c in LmsCompletion.objects.filter(partnership=partnership)
        }
        return {"courses": courses, "organisations": _organisation_index(partnership), "existing": existing, "seen": {}}

    def plan(self, row, context, partnership):
        data = dict(row.data)
        course = context["courses"].get(" ".join(data["course"].split()).lower())
        if course is None:
            raise RowProblem("Course", f"There is no course called '{data['course']}'. Add it to the catalogue first.")
        organisation = context["organisations"].get(" ".join(data["organisation"].split()).lower())
        if organisation is None:
            raise RowProblem("Organisation", f"There is no organisation called '{data['organisation']}'.")
        key = (course.pk, data["learner_ref"].lower())
        if key in context["seen"]:
            raise RowProblem("Learner ID", f"'{data['learner_ref']}' completed '{course}' more than once in this file "
                                           f"(also on row {context['seen'][key]}).")
        context["seen"][key] = row.number
        if not plausible(data["completed_on"]):
            raise RowProblem("Completed on", f"{data['completed_on']:%-d %B %Y} is not a date a course was completed on.")
        existing = context["existing"].get(key)
        fields = {"course": course, "organisation": organisation, "completed_on": data["completed_on"],
                  "learner_ref": data["learner_ref"]}
        if existing is None:
            return PlannedRow(row.number, "create", LmsCompletion(partnership=partnership, **fields), data)
        # Already imported from an earlier export: the latest completion date wins, nothing is doubled.
        if existing.completed_on >= data["completed_on"] and existing.organisation_id == organisation.pk:
            return PlannedRow(row.number, "unchanged", existing, data)
        existing.completed_on = max(existing.completed_on, data["completed_on"])
        existing.organisation = organisation
        return PlannedRow(row.number, "update", existing, data)

    def export_rows(self, queryset):
        for completion in queryset.select_related("course", "organisation"):
            yield {"learner_ref": completion.learner_ref, "organisation": completion.organisation.name,
                   "course": completion.course.name, "completed_on": completion.completed_on}
