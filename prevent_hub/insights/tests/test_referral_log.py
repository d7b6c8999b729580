"""Referral records in the change log: logged like case records, by a pseudonym and by shape only.

Referral records are for the case team alone (core.roles), but the change log is read by coordinators,
partnership administrators and auditors. Reproduces the finding: a referral imported, corrected and
deleted must leave neither its reference nor its district anywhere those readers can see, nor in the
stored before and after images.
"""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prevent_hub.audit.models import ChangeLog
from prevent_hub.core.roles import Role, roles_with
from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import CANARY, change_log_rows, user_with
from prevent_hub.insights.models import ImportBatch, Referral

pytestmark = pytest.mark.django_db

REFERENCE = f"REF-{CANARY}"
DISTRICT = f"District {CANARY}"
CORRECTED_DISTRICT = f"Corrected {CANARY}-2"
CHANGE_LOG_READERS = sorted(roles_with("audit.view_changelog"))


def referral_file() -> bytes:
    return ("Reference,Referral date,Sector,Age,Gender,Type of concern,District,Stage reached\n"
            f"{REFERENCE},2024-05-14,Education,15,Male,Extreme right-wing,{DISTRICT},Signposted to other services\n"
            ).encode()


@pytest.fixture
def logged_referral(client):
    """A referral imported through the page, corrected by a service and deleted through the page by the case team."""
    alpha = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    client.force_login(user_with(Role.POLICE_PREVENT, alpha))
    url = reverse("insights:referral_import", kwargs={"partnership": "alpha"})
    preview = client.post(url, {"file": SimpleUploadedFile("referrals.csv", referral_file())})
    assert preview.status_code == 200, preview.content.decode()
    confirmed = client.post(url, {"confirm": "1", "token": preview.context["token"]})
    assert confirmed.status_code == 302
    referral = Referral.objects.get(partnership=alpha)
    assert referral.reference == REFERENCE and referral.district == DISTRICT
    # No page edits a referral record; a correction through the shared services is logged the same way.
    referral.district = CORRECTED_DISTRICT
    object_update(actor=None, instance=referral, expected_version=referral.version)
    deleted = client.post(reverse("insights:referral_delete", kwargs={"partnership": "alpha", "pk": referral.pk}))
    assert deleted.status_code == 302 and not Referral.objects.exists()
    client.logout()
    return alpha, referral


def test_the_stored_entries_name_the_referral_by_a_pseudonym_and_withhold_its_content(logged_referral):
    _, referral = logged_referral
    entries = change_log_rows(referral)
    assert sorted(entries.values_list("action", flat=True)) == ["delete", "update"]
    for entry in entries:
        assert entry.object_id == entry.object_repr == f"insights/referral/{referral.pk}"
        for image in (entry.before, entry.after):
            if image is not None:
                assert image["reference"] == image["district"] == "[withheld]"
    stored = " ".join(f"{e.object_id} {e.object_repr} {e.before} {e.after}" for e in ChangeLog.objects.all())
    assert CANARY not in stored
    # The import is logged as one batch, which names the file and the count, not the referrals in it.
    assert change_log_rows(ImportBatch.objects.get(), "create").count() == 1


@pytest.mark.parametrize("role", CHANGE_LOG_READERS)
def test_no_change_log_reader_sees_the_reference_or_the_district(client, logged_referral, role):
    alpha, referral = logged_referral
    client.force_login(user_with(role, alpha))
    page = client.get(reverse("audit:changelog_list", kwargs={"partnership": "alpha"}))
    assert page.status_code == 200
    html = page.content.decode()
    assert CANARY not in html
    assert "referral import" in html.lower()  # the batch is an ordinary record: its entry is there
    # Like case records, the entries are shown to the auditor only, and then by their pseudonym.
    assert (f"insights/referral/{referral.pk}" in html) == (role == Role.AUDITOR)
    history = client.get(reverse("insights:referral_history", kwargs={"partnership": "alpha", "pk": referral.pk}))
    assert history.status_code in (403, 404)
    assert CANARY not in history.content.decode()
