"""CSV/XLSX import and export definitions for the directory (one column spec per model)."""
from django.db.models.functions import Lower

from prevent_hub.core import tabular
from prevent_hub.core.importing import ModelImporter, PlannedRow, RowProblem
from prevent_hub.core.tabular import Column, TableSpec

from .choices import Sector
from .models import GlossaryTerm, Organisation, Person, PreventLead

SECTOR_CHOICES = {**{label: value for value, label in Sector.choices}, **{value: value for value in Sector.values}}


def _norm(value: str) -> str:
    return " ".join(value.split()).lower()


def _organisation_index(partnership) -> dict[str, Organisation]:
    """Organisations by lower-cased name and short name, for matching cells to records."""
    index = {}
    for org in Organisation.objects.filter(partnership=partnership):
        index[_norm(org.name)] = org
        if org.short_name:
            index.setdefault(_norm(org.short_name), org)
    return index


def _changed(instance, data: dict) -> bool:
    return any(getattr(instance, key) != value for key, value in data.items())


class OrganisationImporter(ModelImporter):
    model = Organisation
    spec = TableSpec(
        columns=(
            Column("name", "Name", aliases=("Organisation", "Organisation name"), required=True, unique=True, max_length=255),
            Column("short_name", "Short name", aliases=("Acronym", "Abbreviation"), max_length=50),
            Column("sector", "Sector", required=True, choices=SECTOR_CHOICES),
            Column("is_specified_authority", "Specified authority", aliases=("Specified",), parse=tabular.parse_bool),
            Column("parent", "Part of", aliases=("Parent", "Parent organisation"), max_length=255),
            Column("website", "Website", max_length=200),
            Column("notes", "Notes"),
        )
    )

    def load_context(self, partnership, rows):
        return {
            "existing": {_norm(o.name): o for o in Organisation.objects.filter(partnership=partnership)},
            "index": _organisation_index(partnership),
            "names_in_file": {_norm(r.data["name"]) for r in rows},
        }

    def plan(self, row, context, partnership):
        data = dict(row.data)
        parent_name = data.pop("parent", "") or ""
        data["is_specified_authority"] = bool(data.get("is_specified_authority"))
        for key in ("short_name", "website", "notes"):
            data[key] = data.get(key) or ""
        if parent_name:
            if _norm(parent_name) == _norm(data["name"]):
                raise RowProblem("Part of", "An organisation cannot be part of itself.")
            if _norm(parent_name) not in context["index"] and _norm(parent_name) not in context["names_in_file"]:
                raise RowProblem("Part of", f"There is no organisation called '{parent_name}'.")
        existing = context["existing"].get(_norm(data["name"]))
        if existing is None:
            return PlannedRow(row.number, "create", Organisation(partnership=partnership, **data), data, {"parent": parent_name})
        if not _changed(existing, data) and (existing.parent.name if existing.parent else "") == parent_name:
            return PlannedRow(row.number, "unchanged", existing, data, {"parent": parent_name})
        for key, value in data.items():
            setattr(existing, key, value)
        return PlannedRow(row.number, "update", existing, data, {"parent": parent_name})

    def after_apply(self, result, *, actor, partnership):
        from prevent_hub.core.services import object_update

        index = _organisation_index(partnership)
        for planned in result.rows:
            parent = index.get(_norm(planned.extra["parent"])) if planned.extra["parent"] else None
            org = index[_norm(planned.instance.name)]
            if org.parent_id != (parent.pk if parent else None):
                org.parent = parent
                object_update(actor=actor, instance=org, expected_version=None)

    def export_rows(self, queryset):
        for org in queryset.select_related("parent"):
            yield {
                "name": org.name,
                "short_name": org.short_name,
                "sector": org.get_sector_display(),
                "is_specified_authority": "Yes" if org.is_specified_authority else "No",
                "parent": org.parent.name if org.parent else "",
                "website": org.website,
                "notes": org.notes,
            }


class PersonImporter(ModelImporter):
    model = Person
    spec = TableSpec(
        columns=(
            Column("name", "Name", aliases=("Full name",), required=True, max_length=200),
            Column("job_title", "Job title", aliases=("Role", "Title", "Job title or role"), max_length=200),
            Column("organisation", "Organisation", aliases=("Agency",), max_length=255),
            Column("email", "Email", aliases=("Email address",), parse=tabular.parse_email, unique=True),
            Column("phone", "Telephone", aliases=("Phone", "Telephone number"), max_length=40),
        )
    )

    def load_context(self, partnership, rows):
        people = list(Person.objects.filter(partnership=partnership).select_related("organisation"))
        return {
            "index": _organisation_index(partnership),
            "by_email": {p.email.lower(): p for p in people if p.email},
            "by_name_org": {(_norm(p.name), p.organisation_id): p for p in people},
            "seen": {},
        }

    def plan(self, row, context, partnership):
        data = {key: row.data.get(key) or "" for key in ("name", "job_title", "email", "phone")}
        org_name = row.data.get("organisation") or ""
        organisation = None
        if org_name:
            organisation = context["index"].get(_norm(org_name))
            if organisation is None:
                raise RowProblem("Organisation", f"There is no organisation called '{org_name}'.")
        data["organisation"] = organisation
        key = (_norm(data["name"]), organisation.pk if organisation else None)
        if key in context["seen"]:
            raise RowProblem("Name", f"'{data['name']}' at this organisation appears more than once (also on row {context['seen'][key]}).")
        context["seen"][key] = row.number
        existing = (data["email"] and context["by_email"].get(data["email"].lower())) or context["by_name_org"].get(key)
        if existing is None:
            return PlannedRow(row.number, "create", Person(partnership=partnership, **data), data)
        if not _changed(existing, data):
            return PlannedRow(row.number, "unchanged", existing, data)
        for field, value in data.items():
            setattr(existing, field, value)
        return PlannedRow(row.number, "update", existing, data)

    def export_rows(self, queryset):
        for person in queryset.select_related("organisation"):
            yield {
                "name": person.name,
                "job_title": person.job_title,
                "organisation": person.organisation.name if person.organisation else "",
                "email": person.email,
                "phone": person.phone,
            }


class PreventLeadImporter(ModelImporter):
    model = PreventLead
    spec = TableSpec(
        columns=(
            Column("organisation", "Organisation", required=True, max_length=255),
            Column("person", "Lead", aliases=("Prevent lead", "Person", "Name"), required=True, max_length=200),
            Column("start_date", "From", aliases=("Start date", "Nominated from"), required=True, parse=tabular.parse_date),
            Column("end_date", "Until", aliases=("End date",), parse=tabular.parse_date),
        )
    )

    def load_context(self, partnership, rows):
        people: dict[str, list[Person]] = {}
        for person in Person.objects.filter(partnership=partnership):
            people.setdefault(_norm(person.name), []).append(person)
        existing = {
            (lead.organisation_id, lead.person_id, lead.start_date): lead
            for lead in PreventLead.objects.filter(partnership=partnership)
        }
        return {"index": _organisation_index(partnership), "people": people, "existing": existing}

    def plan(self, row, context, partnership):
        organisation = context["index"].get(_norm(row.data["organisation"]))
        if organisation is None:
            raise RowProblem("Organisation", f"There is no organisation called '{row.data['organisation']}'.")
        matches = context["people"].get(_norm(row.data["person"]), [])
        if not matches:
            raise RowProblem("Lead", f"There is no person called '{row.data['person']}'. Add them to People first.")
        if len(matches) > 1:
            same_org = [p for p in matches if p.organisation_id == organisation.pk]
            if len(same_org) != 1:
                raise RowProblem("Lead", f"More than one person is called '{row.data['person']}'.")
            matches = same_org
        start, end = row.data["start_date"], row.data.get("end_date")
        if end and end < start:
            raise RowProblem("Until", "The end date must be the same as or after the start date.")
        data = {"organisation": organisation, "person": matches[0], "start_date": start, "end_date": end}
        existing = context["existing"].get((organisation.pk, matches[0].pk, start))
        if existing is None:
            return PlannedRow(row.number, "create", PreventLead(partnership=partnership, **data), data)
        if existing.end_date == end:
            return PlannedRow(row.number, "unchanged", existing, data)
        existing.end_date = end
        return PlannedRow(row.number, "update", existing, data)

    def export_rows(self, queryset):
        for lead in queryset.select_related("organisation", "person"):
            yield {
                "organisation": lead.organisation.name,
                "person": lead.person.name,
                "start_date": lead.start_date,
                "end_date": lead.end_date or "",
            }


class GlossaryTermImporter(ModelImporter):
    model = GlossaryTerm
    spec = TableSpec(
        columns=(
            Column("acronym", "Acronym", aliases=("Abbreviation", "Term"), required=True, unique=True, max_length=40),
            Column("meaning", "Meaning", aliases=("Definition", "Stands for"), required=True, max_length=255),
        )
    )

    def load_context(self, partnership, rows):
        terms = GlossaryTerm.objects.filter(partnership=partnership).annotate(key=Lower("acronym"))
        return {"existing": {t.key: t for t in terms}}

    def plan(self, row, context, partnership):
        data = dict(row.data)
        existing = context["existing"].get(data["acronym"].lower())
        if existing is None:
            return PlannedRow(row.number, "create", GlossaryTerm(partnership=partnership, **data), data)
        if not _changed(existing, data):
            return PlannedRow(row.number, "unchanged", existing, data)
        existing.meaning = data["meaning"]
        return PlannedRow(row.number, "update", existing, data)

    def export_rows(self, queryset):
        for term in queryset:
            yield {"acronym": term.acronym, "meaning": term.meaning}
