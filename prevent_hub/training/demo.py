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
