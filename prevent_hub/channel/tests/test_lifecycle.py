"""Acceptance 1: one case walked through every stage, through the pages, by the people who do each step,
ending in its erasure when the retention period is over (and nothing of it left anywhere)."""
import datetime as dt

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prevent_hub.audit.models import AccessLog
from prevent_hub.channel import selectors, services
from prevent_hub.channel.choices import Stage
from prevent_hub.channel.models import Case, InformationRequest, Review
from prevent_hub.core.roles import Role

from .conftest import CASE_FIELDS, SUBJECT_FIELDS, canaries, case_url, channel_meeting, with_purpose

pytestmark = pytest.mark.django_db


def raw_database_text() -> str:
    """Every row of every table, as the database holds it (ciphertext included), joined into one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def rows_referring_to(case_pk: int, reference: str, log_ref: str) -> dict[str, int]:
    """Rows anywhere that still point at the case.

    - a foreign key to it, in any table;
    - its reference in any table, the audit logs included;
    - its log pseudonym in any table but the two audit logs (where it names the case's history
      and, with the case gone, no longer leads to it);
    - a change-log entry filed under the case's own id.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import ForeignKey, OneToOneField

    from prevent_hub.audit.models import ChangeLog

    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, ForeignKey | OneToOneField) and field.related_model is Case:
                count = model._base_manager.filter(**{field.attname: case_pk}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    logs = {"audit_changelog", "audit_accesslog"}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            text = "\n".join(str(row) for row in cursor.fetchall())
            if reference in text:
                found[f"{table} (reference)"] = text.count(reference)
            if table not in logs and log_ref in text:
                found[f"{table} (log reference)"] = text.count(log_ref)
    by_id = ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=str(case_pk))
    if by_id.exists():
        found["audit_changelog (case id)"] = by_id.count()
    return found


def post(client, name, case, data, expect=302, **kwargs):
    response = client.post(case_url(name, case, **kwargs), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def test_a_case_goes_through_every_stage_and_is_erased_at_the_end_of_retention(
        client, channel_world, django_capture_on_commit_callbacks):
    world, a = channel_world, channel_world.a
    marks = canaries("LIFE")
    today = timezone.localdate()
    start = today - dt.timedelta(days=500)
    referrer, police, chair = world.users[Role.PREVENT_LEAD], world.users[Role.POLICE_PREVENT], world.users[Role.CHANNEL_CHAIR]

    # Referral by a partner, who is thanked by email with the reference only.
    client.force_login(referrer)
    form = {f"person-{name}": marks[name] for name in SUBJECT_FIELDS}
    form.update({f"referral-{name}": marks[name] for name in CASE_FIELDS})
    form.update({"person-date_of_birth": "2010-03-04", "referral-referrer_name": "Referrer Life",
                 "referral-referrer_sector": "education", "referral-gender": "female",
                 "referral-district": "Test District", "referral-concern_type": "not_known"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("channel:referral_create", kwargs={"partnership": a.slug}), form)
    assert response.status_code == 302
    case = Case.objects.get(referrer_name="Referrer Life")
    Case.objects.filter(pk=case.pk).update(received_on=start)  # the story starts 500 days ago
    done = client.get(response["Location"])
    assert case.reference in done.content.decode()
    assert case.stage == Stage.REFERRED and case.age_band == "16_17"
    ack = [m for m in mail.outbox if referrer.email in m.to]
    assert ack and case.reference in ack[0].body and marks["full_name"] not in ack[0].body
    # The referrer cannot open the case they referred.
    assert client.get(case.get_absolute_url()).status_code == 404

    # Police gateway screening: purpose first, then the case, then the outcome.
    client.force_login(police)
    purpose_page = client.get(case.get_absolute_url())
    assert purpose_page.status_code == 302 and "/purpose/" in purpose_page["Location"]
    client.post(case_url("case_purpose", case), {"purpose": "screening"})
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200 and marks["full_name"] in page.content.decode()
    post(client, "case_screen", case, {"outcome": "channel", "screened_on": (start + dt.timedelta(days=3)).isoformat(),
                                       "rationale": "Meets the threshold", "national_reference": "NAT-1"})
    case.refresh_from_db()
    assert case.stage == Stage.GATHERING

    # Information gathering: a request with a single-use link, answered without an account.
    client.force_login(chair)
    with_purpose(client, case)
    post(client, "case_request_information", case, {"organisation": world.organisation.pk,
                                                     "question": "Is the person known to your service?",
                                                     "due_on": (today + dt.timedelta(days=7)).isoformat(),
                                                     "with_link": "on"})
    link = client.get(case.get_absolute_url()).context["new_link"]
    assert link and "/channel/request/" in link
    client.logout()
    assert client.get(link).status_code == 200
    assert client.post(link, {"response": "Known since last year", "returned_by": "Duty lead"}).status_code == 200
    assert client.get(link).status_code == 404  # single use
    assert InformationRequest.objects.get(case=case).returned_at is not None

    # Panel: listed, then adopted by consensus.
    client.force_login(chair)
    with_purpose(client, case)
    meeting = channel_meeting(a, days_ago=(today - start).days - 15)
    post(client, "case_list_for_panel", case, {"meeting": meeting.pk})
    post(client, "case_decide", case, {"decision": "adopt", "method": "consensus",
                                       "decided_on": (start + dt.timedelta(days=20)).isoformat(), "rationale": "Agreed"})
    case.refresh_from_db()
    assert case.stage == Stage.ADOPTED

    # Consent from a parent (the person is 15 or 16), then the assessment and the support plan.
    post(client, "case_record_consent", case, {"asked_from": "parent", "asked_by": "Channel coordinator",
                                               "method": "in_person", "asked_on": (start + dt.timedelta(days=25)).isoformat(),
                                               "outcome": "given"})
    case.refresh_from_db()
    assert case.stage == Stage.SUPPORT
    factors = list(selectors.active_factors(a))
    assessment = {"assessed_on": (start + dt.timedelta(days=26)).isoformat(), "assessed_by": "Chair",
                  "summary": "Engaged well"}
    assessment.update({f"rating_{f.pk}": "some" for f in factors})
    post(client, "case_assess", case, assessment)
    post(client, "case_add_intervention", case, {"kind": "ideological_mentoring", "provider": "Mentor Service",
                                                 "is_intervention_provider": "on", "funding": "home_office",
                                                 "starts_on": (start + dt.timedelta(days=30)).isoformat()})
    intervention = case.interventions.get()
    post(client, "case_review", case, {"held_on": (start + dt.timedelta(days=60)).isoformat(), "notes": "Good progress",
                                       "meeting": meeting.pk, f"progress_{intervention.pk}": "Attending weekly"})

    # Exit, and the reviews 6 and 12 months later (with a reminder when one falls due).
    exited_on = start + dt.timedelta(days=90)
    post(client, "case_exit", case, {"exited_on": exited_on.isoformat(), "reason": "risk_reduced"})
    reviews = {r.kind: r for r in Review.objects.filter(case=case).exclude(kind="panel")}
    assert reviews["post_exit_6"].due_on == services._months_after(exited_on, 6)
    assert reviews["post_exit_12"].due_on == exited_on.replace(year=exited_on.year + 1)
    mail.outbox.clear()
    assert services.channel_reminders(reviews["post_exit_6"].due_on) == 1
    assert case.reference in mail.outbox[0].body and marks["full_name"] not in mail.outbox[0].body
    assert services.channel_reminders(reviews["post_exit_6"].due_on) == 0  # once a day, not again
    for kind, review in reviews.items():
        post(client, "case_post_exit_review", case, {"held_on": min(review.due_on, today).isoformat(),
                                                     "notes": f"{kind} done"}, review=review.pk)

    # Closure: kept for the configured years after closure.
    closed_on = today - dt.timedelta(days=1)
    post(client, "case_close", case, {"closed_on": closed_on.isoformat()})
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.outcome == "channel_closed"
    assert case.erase_after == closed_on.replace(year=closed_on.year + 6)

    # Everything written so far is encrypted at rest and the reads were logged.
    raw = raw_database_text()
    assert not [name for name, mark in marks.items() if mark in raw]
    assert AccessLog.objects.filter(target_type="channel.case", target_id=case.log_ref, event="consultation").count() >= 2

    # Erasure: the day after the retention period, by the scheduled command; then a second run does nothing.
    pk, reference, log_ref = case.pk, case.reference, case.log_ref
    assert rows_referring_to(pk, reference, log_ref)  # the check finds a live case
    after = (case.erase_after + dt.timedelta(days=1)).isoformat()
    call_command("erase_expired_cases", "--as-of", case.erase_after.isoformat())  # not yet
    assert Case.objects.filter(pk=pk).exists()
    call_command("erase_expired_cases", "--as-of", after)
    call_command("erase_expired_cases", "--as-of", after)
    assert not Case.objects.filter(pk=pk).exists()
    assert rows_referring_to(pk, reference, log_ref) == {}
    erasure = AccessLog.objects.filter(event="erasure", target_id=log_ref)
    assert erasure.count() == 1
    row = erasure.get()
    assert row.target_repr == log_ref and "channel.consent: 1" in row.sections
    # Nothing written about the person survives anywhere, logs included.
    raw = raw_database_text()
    assert not [name for name, mark in marks.items() if mark in raw]
    assert "Known since last year" not in raw and "Referrer Life" not in raw
