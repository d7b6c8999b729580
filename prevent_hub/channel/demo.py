"""Channel set-up every partnership needs (the assessment factors, retention rules) and synthetic demo cases.

Demo cases are invented: made-up names, no religion, belief or ethnicity recorded,
and districts and types of concern assigned independently of each other, so the
demo never ties a place or a community to a kind of concern.
"""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from prevent_hub.core.services import object_create

from . import services
from .choices import ConcernType, Dimension
from .models import Case, RetentionRule, VafFactor

# The Vulnerability Assessment Framework's 22 factors in three dimensions (gov.uk "Channel vulnerability assessment").
STANDARD_FACTORS = {
    Dimension.ENGAGEMENT: [
        "Feelings of grievance and injustice", "Feeling under threat", "A need for identity, meaning and belonging",
        "A desire for status", "A desire for excitement and adventure", "A need to dominate and control others",
        "Susceptibility to indoctrination", "A desire for political or moral change", "Opportunistic involvement",
        "Family or friends support extremist offending", "Being at a transitional time of life",
        "Being influenced or controlled by a group", "Relevant mental health issues",
    ],
    Dimension.INTENT: [
        "Over-identification with a group or ideology", "Them and us thinking", "Dehumanisation of the enemy",
        "Attitudes that justify offending", "Harmful means to an end", "Harmful objectives",
    ],
    Dimension.CAPABILITY: [
        "Individual knowledge, skills and competencies", "Access to networks, funding or equipment",
        "Criminal capability",
    ],
}


@transaction.atomic
def standard_factors_add(partnership, *, actor=None) -> int:
    """Add whichever of the 22 standard factors the partnership does not have yet."""
    existing = set(VafFactor.objects.filter(partnership=partnership).values_list("name", flat=True))
    added = 0
    for dimension, names in STANDARD_FACTORS.items():
        for order, name in enumerate(names, start=1):
            if name not in existing:
                object_create(actor=actor, instance=VafFactor(partnership=partnership, dimension=dimension,
                                                              name=name, order=order))
                added += 1
    return added


@transaction.atomic
def retention_rules_add(partnership, *, actor=None) -> int:
    existing = set(RetentionRule.objects.filter(partnership=partnership).values_list("outcome", flat=True))
    added = 0
    for outcome, years in services.DEFAULT_RETENTION_YEARS.items():
        if outcome not in existing:
            object_create(actor=actor, instance=RetentionRule(partnership=partnership, outcome=outcome, years=years))
            added += 1
    return added


DEMO_PEOPLE = ["Alex Example", "Sam Sample", "Jo Placeholder", "Chris Fictional", "Robin Madeup", "Pat Invented"]
DISTRICTS = ["North Warwickshire", "Nuneaton and Bedworth", "Rugby", "Stratford-on-Avon", "Warwick"]
# Concerns cycle on a different stride from districts, so neither predicts the other.
CONCERNS = [ConcernType.NOT_KNOWN, ConcernType.CONFLICTED, ConcernType.NO_IDEOLOGY, ConcernType.OTHER]


@transaction.atomic
def load_demo_cases(partnership, *, actor=None) -> int:
    """Six invented cases at different stages, to show the workflow. Does nothing if the partnership has cases."""
    if Case.objects.filter(partnership=partnership).exists():
        return 0
    standard_factors_add(partnership, actor=actor)
    retention_rules_add(partnership, actor=actor)
    today = timezone.localdate()
    cases = []
    for index, name in enumerate(DEMO_PEOPLE):
        received = today - dt.timedelta(days=200 - 30 * index)
        birth = dt.date(received.year - (14 + 5 * index), 1 + index, 10)
        cases.append(services.referral_create(
            actor=actor, partnership=partnership, received_on=received,
            subject={"full_name": name, "date_of_birth": birth, "address": f"{index + 1} Example Street",
                     "contacts": "Not recorded (demo)"},
            referrer_name="Demo Referrer", referrer_role="Designated safeguarding lead", referrer_sector="education",
            gender=["female", "male", "other"][index % 3], district=DISTRICTS[index % 5],
            concern_type=CONCERNS[(index * 3) % 4],
            concern_how_arose="Demo text: a member of staff noticed a change in behaviour over several weeks.",
            concern_indicators="Demo text: statements repeated from online videos; withdrawal from friends.",
        ))
    services.case_screen(actor=actor, case=cases[1], outcome="no_further_action", screened_on=cases[1].received_on,
                         rationale="Demo text: no Prevent concern; school safeguarding continues.")
    for case in cases[2:]:
        services.case_screen(actor=actor, case=case, outcome="channel", screened_on=case.received_on,
                             rationale="Demo text: meets the threshold for Channel.")
    # Two cases listed for the panel's next meeting, when the panel's meetings are planned (bin/run plans them).
    coming = services.upcoming_panel_meetings(partnership).first()
    if coming is not None:
        for case in cases[2:4]:
            services.panel_list(actor=actor, case=case, meeting=coming, purpose="Demo: listed for discussion")
    return len(cases)


def load_channel_demo(partnership, *, actor=None) -> dict:
    return {"factors": standard_factors_add(partnership, actor=actor),
            "retention": retention_rules_add(partnership, actor=actor),
            "cases": load_demo_cases(partnership, actor=actor)}

