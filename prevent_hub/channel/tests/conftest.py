"""Shared data for the Channel tests: two partnerships, one user per role, and cases with canaries.

Every person here is invented. Canary strings are planted in a case's identity,
special-category and narrative fields, so a leak of any of them is detectable.
"""
import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_hub.channel import services
from prevent_hub.channel.demo import standard_factors_add
from prevent_hub.channel.views import PURPOSES_KEY
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.governance.choices import GroupKind
from prevent_hub.governance.models import Group, Meeting

CASE_FIELDS = ("concern_how_arose", "concern_indicators", "concern_online", "complex_needs", "other_agencies",
               "parental_support")
SUBJECT_FIELDS = ("full_name", "address", "contacts", "religion_or_belief", "ethnicity", "health_and_neurodiversity")


def canaries(tag: str) -> dict[str, str]:
    """A distinct canary for every free-text field of a case (``tag`` tells cases apart)."""
    return {name: f"CANARY-{tag}-{name.replace('_', '').upper()}" for name in (*CASE_FIELDS, *SUBJECT_FIELDS)}


def make_case(partnership, *, actor=None, tag="A", birth=None, received_on=None, **overrides):
    marks = canaries(tag)
    received_on = received_on or timezone.localdate() - dt.timedelta(days=60)
    subject = {name: marks[name] for name in SUBJECT_FIELDS}
    subject["date_of_birth"] = birth or dt.date(received_on.year - 30, 5, 17)
    fields = {name: marks[name] for name in CASE_FIELDS}
    fields.update(referrer_name=f"Referrer {tag}", referrer_sector="education", gender="other",
                  district="Test District", concern_type="not_known")
    fields.update(overrides)
    return services.referral_create(actor=actor, partnership=partnership, subject=subject, received_on=received_on,
                                    **fields)


def channel_meeting(partnership, days_ago=55):
    group = Group.objects.filter(partnership=partnership, kind=GroupKind.CHANNEL_PANEL).first() or Group.objects.create(
        partnership=partnership, name=f"{partnership.name} Channel Panel", kind=GroupKind.CHANNEL_PANEL)
    return Meeting.objects.create(partnership=partnership, group=group, status="held",
                                  starts_at=timezone.now() - dt.timedelta(days=days_ago))


@dataclass
class ChannelWorld:
    a: object
    b: object
    users: dict = field(default_factory=dict)  # role -> user in A
    panel_assigned: object = None  # a panel member assigned to case_a
    case_a: object = None
    case_b: object = None  # in A too, nobody but the case team and nobody assigned: holds the B canaries
    case_other: object = None  # in partnership B
    organisation: object = None
    meeting: object = None


@pytest.fixture
def channel_world(db):
    a = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    b = PartnershipFactory(slug="bravo", name="Bravo Partnership")
    standard_factors_add(a)
    world = ChannelWorld(a=a, b=b)
    world.users = {role: user_with(role, a) for role in Role}
    world.panel_assigned = user_with(Role.PANEL_MEMBER, a)
    world.organisation = OrganisationFactory(partnership=a, name="Alpha Health Trust")
    world.case_a = make_case(a, tag="A")
    world.case_b = make_case(a, tag="B")
    world.case_other = make_case(b, tag="OTHER")
    services.assignment_add(actor=None, case=world.case_a, user=world.panel_assigned)
    world.meeting = channel_meeting(a)
    return world


def with_purpose(client, case, purpose="Preparing for or attending the panel"):
    """Record a purpose for ``case`` in the client's session, as the purpose page would."""
    session = client.session
    purposes = session.get(PURPOSES_KEY, {})
    purposes[str(case.pk)] = purpose
    session[PURPOSES_KEY] = purposes
    session.save()


def case_url(name, case, **kwargs):
    return reverse(f"channel:{name}", kwargs={"partnership": case.partnership.slug, "pk": case.pk, **kwargs})


def organisation_person(organisation, user):
    return PersonFactory(partnership=organisation.partnership, organisation=organisation, user=user)


def advance_to_support(case, *, organisation, meeting, tag=None, actor=None):
    """Take ``case`` from referral to support with a review, planting ``tag`` canaries in every narrative it writes.

    Returns the case (fresh from the database).
    """
    from prevent_hub.channel import selectors

    tag = tag or case.referrer_name.split()[-1]
    received = case.received_on
    services.case_screen(actor=actor, case=case, outcome="channel", screened_on=received + dt.timedelta(days=1),
                         rationale=f"CANARY-{tag}-GATEWAY", national_reference=f"CANARY-{tag}-NATREF")
    request, token = services.information_request_create(
        actor=actor, case=case, organisation=organisation, question=f"CANARY-{tag}-QUESTION",
        due_on=timezone.localdate() + dt.timedelta(days=5), with_link=True)
    services.information_return(request=request, response=f"CANARY-{tag}-RESPONSE", returned_by="Returning Officer Q", token=token)
    services.panel_list(actor=actor, case=case, meeting=meeting)
    services.panel_decide(actor=actor, case=case, decision="adopt", method="consensus",
                          rationale=f"CANARY-{tag}-DECISION", decided_on=received + dt.timedelta(days=10), meeting=meeting)
    services.consent_record(actor=actor, case=case, asked_from="person", asked_by="Coordinator", method="in_person",
                            asked_on=received + dt.timedelta(days=12), outcome="given",
                            capacity_notes=f"CANARY-{tag}-CAPACITY")
    factors = list(selectors.active_factors(case.partnership))
    services.assessment_create(actor=actor, case=case, assessed_on=received + dt.timedelta(days=13), assessed_by="Chair",
                               summary=f"CANARY-{tag}-SUMMARY",
                               ratings={f: ("some", f"CANARY-{tag}-NARRATIVE") for f in factors})
    intervention = services.intervention_add(actor=actor, case=case, kind="mental_health", provider="Provider",
                                             starts_on=received + dt.timedelta(days=14), funding="local",
                                             description=f"CANARY-{tag}-SUPPORT")
    services.review_record(actor=actor, case=case, held_on=received + dt.timedelta(days=20), notes=f"CANARY-{tag}-REVIEW",
                           progress={intervention: f"CANARY-{tag}-PROGRESS"}, meeting=meeting)
    case.refresh_from_db()
    return case
