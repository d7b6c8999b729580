"""Acceptance 5: bad input gets a clear message and nothing is saved."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_hub.channel import services
from prevent_hub.channel.choices import Stage
from prevent_hub.channel.models import Case
from prevent_hub.channel.workflow import WorkflowError
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.matrix import row_counts

from .conftest import advance_to_support, case_url, make_case, with_purpose

pytestmark = pytest.mark.django_db


def referral_form(**changes):
    form = {"person-full_name": "Invented Person", "person-date_of_birth": "2001-02-03",
            "referral-referrer_name": "A Referrer", "referral-referrer_sector": "health", "referral-gender": "male",
            "referral-district": "Test District", "referral-concern_type": "not_known",
            "referral-concern_how_arose": "Noticed at an appointment", "referral-concern_indicators": "Said things"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def refer(client, world, **changes):
    client.force_login(world.users[Role.PREVENT_LEAD])
    return client.post(reverse("channel:referral_create", kwargs={"partnership": "alpha"}), referral_form(**changes))


def test_a_complete_referral_is_accepted(client, channel_world):
    before = Case.objects.count()
    assert refer(client, channel_world).status_code == 302
    assert Case.objects.count() == before + 1


@pytest.mark.parametrize("field, message", [
    ("referral-concern_how_arose", "Enter how the concerns arose"),
    ("referral-concern_indicators", "Enter what was seen or heard (indicators)"),
    ("person-full_name", "Enter full name"),
    ("person-date_of_birth", "Enter date of birth"),
    ("referral-referrer_sector", "Choose referrer&#x27;s sector"),
])
def test_a_referral_missing_a_required_section_is_refused_and_nothing_is_saved(client, channel_world, field, message):
    before = row_counts()
    response = refer(client, channel_world, **{field: None})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert row_counts() == before


def test_a_date_of_birth_in_the_future_is_refused(client, channel_world):
    before = row_counts()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = refer(client, channel_world, **{"person-date_of_birth": tomorrow})
    assert response.status_code == 400 and "The date of birth must be in the past" in response.content.decode()
    assert row_counts() == before
    with pytest.raises(services.CaseError, match="future"):
        make_case(channel_world.a, birth=timezone.localdate() + dt.timedelta(days=3))
    assert row_counts() == before


def test_parental_consent_for_an_adult_is_refused(client, channel_world):
    world = channel_world
    case = world.case_a  # the person is 30
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    services.panel_decide(actor=None, case=case, decision="adopt", method="chair", rationale="r",
                          decided_on=case.received_on + dt.timedelta(days=1))
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    before = row_counts()
    response = client.post(case_url("case_record_consent", case), {
        "asked_from": "parent", "asked_by": "Coordinator", "method": "phone",
        "asked_on": (case.received_on + dt.timedelta(days=2)).isoformat(), "outcome": "given"})
    assert response.status_code == 400
    assert "an adult gives their own consent, not a parent or guardian" in response.content.decode()
    assert row_counts() == before
    case.refresh_from_db()
    assert case.stage == Stage.ADOPTED


def test_parental_consent_for_a_child_is_accepted(channel_world):
    world = channel_world
    received = timezone.localdate() - dt.timedelta(days=30)
    case = make_case(world.a, tag="KID", birth=received.replace(year=received.year - 13), received_on=received)
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=received, rationale="r")
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    services.panel_decide(actor=None, case=case, decision="adopt", method="chair", rationale="r", decided_on=received)
    services.consent_record(actor=None, case=case, asked_from="parent", asked_by="Coordinator", method="letter",
                            asked_on=received + dt.timedelta(days=1), outcome="given")
    case.refresh_from_db()
    assert case.stage == Stage.SUPPORT


@pytest.mark.parametrize("step, data", [
    ("case_decide", {"decision": "adopt", "method": "consensus", "decided_on": "2026-01-01", "rationale": "x"}),
    ("case_record_consent", {"asked_from": "person", "asked_by": "x", "method": "phone", "asked_on": "2026-01-01",
                             "outcome": "given"}),
    ("case_add_intervention", {"kind": "housing", "provider": "x", "funding": "local", "starts_on": "2026-01-01"}),
    ("case_exit", {"exited_on": "2026-01-01", "reason": "other"}),
    ("case_close", {"closed_on": "2026-01-01"}),
])
def test_a_step_out_of_order_is_refused_with_a_clear_message(client, channel_world, step, data):
    """A case just referred: no panel decision before screening, no support before consent, and so on."""
    world = channel_world
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, world.case_a)
    before = row_counts()
    response = client.post(case_url(step, world.case_a), data)
    assert response.status_code == 400
    assert "while the case is at “Referred: awaiting police screening”" in response.content.decode()
    assert row_counts() == before
    assert client.get(case_url(step, world.case_a)).status_code == 302  # the form is not even offered


def test_support_cannot_start_without_consent(channel_world):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                            asked_on=timezone.localdate(), outcome="withdrawn")
    before = row_counts()
    with pytest.raises(WorkflowError, match="Support cannot start without consent"):
        services.intervention_add(actor=None, case=case, kind="housing", provider="x", funding="local",
                                  starts_on=timezone.localdate())
    assert row_counts() == before


def test_consent_cannot_be_withdrawn_before_it_was_given_nor_recorded_out_of_date_order(channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    services.panel_list(actor=None, case=case, meeting=world.meeting)
    services.panel_decide(actor=None, case=case, decision="adopt", method="chair", rationale="r", decided_on=case.received_on)
    with pytest.raises(services.CaseError, match="only be withdrawn after it was given"):
        services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                                asked_on=case.received_on, outcome="withdrawn")
    services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                            asked_on=case.received_on + dt.timedelta(days=5), outcome="refused")
    with pytest.raises(services.CaseError, match="later consent record"):
        services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                                asked_on=case.received_on + dt.timedelta(days=1), outcome="given")


def test_dates_before_the_referral_or_in_the_future_are_refused(channel_world):
    case = channel_world.case_a
    for day, message in ((case.received_on - dt.timedelta(days=1), "cannot be before"),
                         (timezone.localdate() + dt.timedelta(days=1), "cannot be in the future")):
        with pytest.raises(services.CaseError, match=message):
            services.case_screen(actor=None, case=case, outcome="channel", screened_on=day, rationale="r")
    case.refresh_from_db()
    assert case.stage == Stage.REFERRED


def test_an_assessment_must_rate_every_factor(client, channel_world):
    world = channel_world
    case = world.case_a
    services.case_screen(actor=None, case=case, outcome="channel", screened_on=case.received_on, rationale="r")
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    before = row_counts()
    response = client.post(case_url("case_assess", case), {"assessed_on": case.received_on.isoformat(),
                                                           "assessed_by": "x", "summary": "s"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required" not in page and page.count('class="govuk-error-message"') >= 1
    assert re.search(r'<a href="#id_[^"]+">Choose [^<]+</a>', page)  # each factor named in the summary
    assert row_counts() == before


def test_two_people_screening_at_once_cannot_both_move_the_case(channel_world):
    case = channel_world.case_a
    stale = Case.objects.get(pk=case.pk)
    services.case_screen(actor=None, case=case, outcome="no_further_action", screened_on=case.received_on, rationale="r")
    with pytest.raises(WorkflowError):
        services.case_screen(actor=None, case=stale, outcome="channel", screened_on=case.received_on, rationale="r")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.outcome == "no_further_action"


def test_correcting_the_identity_refuses_a_stale_form_and_logs_field_names_only(client, channel_world):
    from prevent_hub.audit.models import AccessLog

    world = channel_world
    case = world.case_a
    url = case_url("case_identity", case)
    client.force_login(world.panel_assigned)
    with_purpose(client, case)
    assert client.get(url).status_code == 403  # a panel member never sees the identity
    client.force_login(world.users[Role.POLICE_PREVENT])
    with_purpose(client, case)
    form = client.get(url).context["form"]
    data = {name: (value.isoformat() if hasattr(value, "isoformat") else value or "")
            for name, value in form.initial.items()}
    first = {**data, "full_name": "Corrected Name"}
    assert client.post(url, first).status_code == 302
    second = {**data, "full_name": "A Second Editor's Name"}  # loaded at the same version as the first
    response = client.post(url, second)
    assert response.status_code == 409 and "Someone else changed these details" in response.content.decode()
    case.subject.refresh_from_db()
    assert case.subject.full_name == "Corrected Name"
    row = AccessLog.objects.filter(event="alteration", target_id=case.log_ref).latest("seq")
    assert row.sections == ["identity: full_name"] and "Corrected" not in str(row.sections) + row.purpose
    future = {**data, "expected_version": case.subject.version,
              "date_of_birth": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}
    before = row_counts()
    assert client.post(url, future).status_code == 400
    assert row_counts() == before
