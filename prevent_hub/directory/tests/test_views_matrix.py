"""Role × action matrix for every directory page (see core.testing.matrix)."""
import pytest
from django.urls import reverse

from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import (
    GlossaryTermFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PreventLeadFactory,
)
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, ModelViewMatrix, change_log_rows, row_counts, user_with
from prevent_hub.directory.models import GlossaryTerm, Organisation, Person, PreventLead

R = Role
# Written out by hand: who should be able to do what in the directory.
READERS = {
    R.PARTNERSHIP_ADMIN, R.COORDINATOR, R.ACTION_OWNER, R.PREVENT_LEAD, R.CHANNEL_CHAIR,
    R.POLICE_PREVENT, R.PANEL_MEMBER, R.BOARD_VIEWER,
}
EDITORS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR}
DIRECTORY_EXPECTED = {
    "view": READERS,
    "export": READERS,
    "add": EDITORS,
    "change": EDITORS,
    "delete": EDITORS,
    "import": EDITORS,
    "history": EDITORS,
}


class TestOrganisationViews(ModelViewMatrix):
    model = Organisation
    expected = DIRECTORY_EXPECTED

    def make(self, partnership, **kwargs):
        return OrganisationFactory(partnership=partnership, **kwargs)

    def create_data(self, partnership):
        return {"name": "Newtown Borough Council", "short_name": "NBC", "sector": "local_authority",
                "is_specified_authority": "on"}

    def change_data(self, obj):
        return {"name": obj.name, "short_name": "CHANGED", "sector": "health", "expected_version": obj.version}


class TestPersonViews(ModelViewMatrix):
    model = Person
    expected = DIRECTORY_EXPECTED

    def make(self, partnership, **kwargs):
        return PersonFactory(partnership=partnership, **kwargs)

    def create_data(self, partnership):
        org = OrganisationFactory(partnership=partnership)
        return {"name": "Robin Example", "job_title": "Prevent lead", "organisation": org.pk, "email": "robin@example.test"}

    def change_data(self, obj):
        return {"name": obj.name, "job_title": "Changed title", "email": obj.email, "expected_version": obj.version}


class TestPreventLeadViews(ModelViewMatrix):
    model = PreventLead
    expected = DIRECTORY_EXPECTED

    def make(self, partnership, name=None):
        lead = PreventLeadFactory(partnership=partnership)
        if name:  # put the canary where the pages show it
            lead.person.name = name
            lead.person.save()
        return lead

    def create_data(self, partnership):
        person = PersonFactory(partnership=partnership)
        return {"organisation": person.organisation.pk, "person": person.pk, "start_date": "2018-01-01"}

    def change_data(self, obj):
        return {"organisation": obj.organisation_id, "person": obj.person_id, "start_date": "2017-04-01",
                "end_date": "2019-03-31", "expected_version": obj.version}

    def conflicting_change(self, data):
        data["end_date"] = "2031-12-31"
        return "2031-12-31"


class TestGlossaryTermViews(ModelViewMatrix):
    model = GlossaryTerm
    expected = DIRECTORY_EXPECTED
    canary_field = "meaning"

    def make(self, partnership, **kwargs):
        return GlossaryTermFactory(partnership=partnership, **kwargs)

    def create_data(self, partnership):
        return {"acronym": "CTLP", "meaning": "Counter Terrorism Local Profile"}

    def change_data(self, obj):
        return {"acronym": obj.acronym, "meaning": "Changed meaning", "expected_version": obj.version}


coverage.register("directory:partnership_detail")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_partnership_overview_by_role_and_never_for_non_members(client, role):
    alpha = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    bravo = PartnershipFactory(slug="bravo", name=f"Bravo {CANARY}")
    OrganisationFactory(partnership=bravo, name=f"Bravo org {CANARY}")
    client.force_login(user_with(role, alpha))
    own = client.get(reverse("directory:partnership_detail", kwargs={"partnership": "alpha"}))
    assert own.status_code == (200 if role in READERS else 403)
    other = client.get(reverse("directory:partnership_detail", kwargs={"partnership": "bravo"}))
    assert other.status_code == 404
    assert CANARY.encode() not in own.content + other.content


coverage.register("directory:partnership_settings")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_partnership_administrator_changes_its_settings(client, role):
    alpha = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    PartnershipFactory(slug="bravo", name="Bravo Partnership")
    client.force_login(user_with(role, alpha))
    url = reverse("directory:partnership_settings", kwargs={"partnership": "alpha"})
    allowed = role == Role.PARTNERSHIP_ADMIN
    assert client.get(url).status_code == (200 if allowed else 403)
    before = row_counts()
    data = {"name": "Alpha Prevent Partnership", "area": "Alphashire", "year_start_month": "4",
            "email_from_name": "Alpha Prevent", "email_from_address": "prevent@alpha.example.test",
            "expected_version": alpha.version}
    response = client.post(url, data)
    alpha.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and alpha.sender() == "Alpha Prevent <prevent@alpha.example.test>"
        assert change_log_rows(alpha, "update").count() == 1
        # A bad address and a name another partnership has are refused, naming the field.
        bad = client.post(url, {**data, "name": "Bravo Partnership", "email_from_address": "not an address",
                                "expected_version": alpha.version})
        page = bad.content.decode()
        assert bad.status_code == 400 and "Another partnership already has this name" in page
        assert "Enter the address in the correct format" in page
        # A stale form is refused, not saved over the newer settings.
        stale = client.post(url, {**data, "area": "Elsewhere", "expected_version": alpha.version - 1})
        assert stale.status_code == 409
    else:
        assert response.status_code == 403 and row_counts() == before
    assert client.get(reverse("directory:partnership_settings", kwargs={"partnership": "bravo"})).status_code == 404
