"""Load the Warwickshire demo partnership from the public seed plan (idempotent)."""
import datetime
import json
from pathlib import Path

from django.db import transaction

from prevent_hub.core.services import object_create, object_update

from .models import GlossaryTerm, Organisation, Partnership, Person, PreventLead

DEMO_DIR = Path(__file__).resolve().parent / "demo"
# Invented addresses on a domain reserved for tests, so owners can be chased; one owner has none, so the
# quarter page has someone to flag.
DEMO_MAIL_DOMAIN = "demo.prevent-hub.test"
NO_EMAIL = {"Alex Gloster"}
SENDER = ("Warwickshire Prevent Partnership", f"prevent@{DEMO_MAIL_DOMAIN}")


def demo_person_email(name: str) -> str:
    return ".".join(name.lower().split()) + "@" + DEMO_MAIL_DOMAIN


def demo_data() -> dict:
    return json.loads((DEMO_DIR / "warwickshire.json").read_text(encoding="utf-8"))


@transaction.atomic
def load_warwickshire(*, actor=None) -> tuple[Partnership, dict]:
    """Create whatever part of the demo partnership is missing; return it with counts of what was added."""
    data = demo_data()
    added = {"organisations": 0, "glossary": 0, "people": 0, "leads": 0}
    partnership = Partnership.objects.filter(slug=data["partnership"]["slug"]).first()
    if partnership is None:
        partnership = object_create(actor=actor, instance=Partnership(
            **data["partnership"], email_from_name=SENDER[0], email_from_address=SENDER[1]))
    elif not partnership.email_from_address:  # a demo loaded before the partnership had a sender
        partnership.email_from_name, partnership.email_from_address = SENDER
        object_update(actor=actor, instance=partnership, expected_version=None)

    orgs = {o.name: o for o in Organisation.objects.filter(partnership=partnership)}
    for row in data["organisations"]:
        if row["name"] in orgs:
            continue
        org = Organisation(
            partnership=partnership,
            name=row["name"],
            short_name=row.get("short_name", ""),
            sector=row["sector"],
            is_specified_authority=row["specified"],
            parent=orgs.get(row.get("parent")),
        )
        orgs[org.name] = object_create(actor=actor, instance=org)
        added["organisations"] += 1

    terms = set(GlossaryTerm.objects.filter(partnership=partnership).values_list("acronym", flat=True))
    for acronym, meaning in data["glossary"]:
        if acronym not in terms:
            object_create(actor=actor, instance=GlossaryTerm(partnership=partnership, acronym=acronym, meaning=meaning))
            added["glossary"] += 1

    people = {p.name: p for p in Person.objects.filter(partnership=partnership)}
    person_rows = data["people"] + [
        {"name": lead["person"], "job_title": lead["job_title"], "organisation": lead["organisation"]} for lead in data["leads"]
    ]
    for row in person_rows:
        email = "" if row["name"] in NO_EMAIL else demo_person_email(row["name"])
        if row["name"] in people:
            person = people[row["name"]]
            if not person.email and email:  # a demo loaded before people had addresses
                person.email = email
                object_update(actor=actor, instance=person, expected_version=None)
            continue
        person = Person(
            partnership=partnership,
            name=row["name"],
            job_title=row.get("job_title", ""),
            organisation=orgs.get(row.get("organisation")),
            email=email,
        )
        people[person.name] = object_create(actor=actor, instance=person)
        added["people"] += 1

    existing_leads = set(PreventLead.objects.filter(partnership=partnership).values_list("organisation_id", "person_id"))
    for row in data["leads"]:
        org, person = orgs[row["organisation"]], people[row["person"]]
        if (org.pk, person.pk) in existing_leads:
            continue
        end = row.get("end_date")
        object_create(
            actor=actor,
            instance=PreventLead(
                partnership=partnership,
                organisation=org,
                person=person,
                start_date=datetime.date.fromisoformat(row["start_date"]),
                end_date=datetime.date.fromisoformat(end) if end else None,
            ),
        )
        added["leads"] += 1
    return partnership, added
