"""Case pages read the database a fixed number of times however many cases and records there are."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_hub.channel import services
from prevent_hub.core.roles import Role

from .conftest import advance_to_support, make_case, with_purpose

pytestmark = pytest.mark.django_db


def count(client, url):
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_case_list_queries_do_not_grow_with_the_number_of_cases(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    url = reverse("channel:case_list", kwargs={"partnership": "alpha"})
    few = count(client, url)
    for index in range(60):
        make_case(world.a, tag=f"Q{index}")
    assert count(client, url) == few


def test_the_case_list_reads_no_encrypted_column(client, channel_world):
    """It shows references, stages and dates only: nothing sensitive is fetched or decrypted for it."""
    from prevent_hub.channel.crypto import EncryptedDateField, EncryptedTextField
    from prevent_hub.channel.models import Case

    encrypted = [f.column for f in Case._meta.concrete_fields if isinstance(f, (EncryptedTextField, EncryptedDateField))]
    assert encrypted
    client.force_login(channel_world.users[Role.CHANNEL_CHAIR])
    url = reverse("channel:case_list", kwargs={"partnership": "alpha"})
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert channel_world.case_a.reference in page.content.decode()
    case_queries = [q["sql"] for q in captured.captured_queries if '"channel_case"' in q["sql"]]
    assert case_queries and not [column for column in encrypted for sql in case_queries if f'"{column}"' in sql]


def test_case_page_queries_do_not_grow_with_the_records_on_the_case(client, channel_world):
    world = channel_world
    case = advance_to_support(world.case_a, organisation=world.organisation, meeting=world.meeting, tag="A")
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, case)
    before = count(client, case.get_absolute_url())
    for index in range(5):
        day = timezone.localdate() - dt.timedelta(days=10 - index)
        services.information_request_create(actor=None, case=case, organisation=world.organisation, question="q",
                                            due_on=timezone.localdate(), with_link=True)
        intervention = services.intervention_add(actor=None, case=case, kind="housing", provider="p", funding="local",
                                                 starts_on=day)
        services.review_record(actor=None, case=case, held_on=day, notes="n", progress={intervention: "ok"})
        services.consent_record(actor=None, case=case, asked_from="person", asked_by="x", method="phone",
                                asked_on=day, outcome="given")
    assert count(client, case.get_absolute_url()) == before
