"""The learning and development offer the seed plan describes, as a demo course catalogue."""
from django.db import transaction

from prevent_hub.core.services import object_create

from .models import Course

COURSES = [
    ("Prevent awareness e-learning", "awareness", "elearning", "All staff and community members"),
    ("WRAP (Workshop to Raise Awareness of Prevent)", "wrap", "in_person", "Frontline staff"),
    ("WRAP 3 for schools", "wrap3", "in_person", "School staff"),
    ("Beyond WRAP", "beyond_wrap", "in_person", "Experienced professionals"),
    ("WRAP train the trainer", "train_the_trainer", "in_person", "Prevent leads and designated safeguarding leads"),
    ("Zak session", "zak", "in_person", "Schools"),
    ("Preventing radicalisation and online grooming", "parents", "in_person", "Parents and foster carers"),
    ("Prevent briefing for elected members", "members", "in_person", "Elected members and MPs"),
]


@transaction.atomic
def load_warwickshire_training(partnership, *, actor=None) -> int:
    names = set(Course.objects.filter(partnership=partnership).values_list("name", flat=True))
    added = 0
    for name, level, delivery, audience in COURSES:
        if name not in names:
            object_create(actor=actor, instance=Course(partnership=partnership, name=name, level=level,
                                                       delivery=delivery, audience=audience))
            added += 1
    return added


# --- This year's sessions -----------------------------------------------------------------------------
# Invented, like the rest of the demo's activity: WRAP sessions every month of the partnership year
# that contains today, with head-counts by the attendees' organisations (held ones) or places (planned).

SESSION_HOSTS = ("Warwickshire County Council", "Rugby Borough Council", "South Warwickshire NHS Foundation Trust",
                 "Warwick District Council", "Nuneaton and Bedworth Borough Council")
# (organisation, sector, role) of the people at a session, with how many came, cycling over the sessions.
ATTENDEES = (
    ("Warwickshire County Council", "local_authority", "Social workers", 9),
    ("South Warwickshire NHS Foundation Trust", "health", "Nurses", 4),
    (None, "education", "Teaching assistants", 7),
    ("Warwickshire and West Mercia Police Strategic Alliance", "police", "Neighbourhood officers", 5),
    ("Rugby Borough Council", "local_authority", "Housing officers", 6),
    ("National Probation Service", "prisons_probation", "Probation officers", 3),
)


@transaction.atomic
def load_current_year_training(partnership, *, today=None, actor=None) -> int:
    """A WRAP session on the second Tuesday of each month of this year, with head-counts; once."""

    from django.utils import timezone

    from prevent_hub.core.dates import nth_weekday
    from prevent_hub.directory.models import Organisation
    from prevent_hub.plans.demo import SEED_YEAR, demo_year
    from prevent_hub.plans.schedule import add_months, version_window

    from .models import HeadCount, TrainingSession

    today = today or timezone.localdate()
    year = demo_year(partnership, today)
    start, end = version_window(year, partnership.year_start_month)
    course = Course.objects.filter(partnership=partnership, level="wrap").first()
    if year <= SEED_YEAR or course is None or TrainingSession.objects.filter(
            partnership=partnership, date__gte=start).exists():
        return 0
    organisations = {o.name: o for o in Organisation.objects.filter(partnership=partnership)}
    added, month, index = 0, start, 0
    while month <= end:
        day = nth_weekday(month.year, month.month, 1, 2)
        host = organisations.get(SESSION_HOSTS[index % len(SESSION_HOSTS)])
        session = object_create(actor=actor, instance=TrainingSession(
            partnership=partnership, course=course, date=day, host=host, venue="Shire Hall, Warwick", capacity=30))
        added += 1
        if day < today:
            for offset in range(3):
                name, sector, role, count = ATTENDEES[(index + offset) % len(ATTENDEES)]
                object_create(actor=actor, instance=HeadCount(
                    partnership=partnership, session=session, organisation=organisations.get(name) if name else None,
                    sector=sector, role=role, count=count + index % 3, returned_by="Helene Heath"))
                added += 1
        month, index = add_months(month, 1), index + 1
    return added
