"""Who may read the logs (SEC-16: only the auditor reads the access log)."""
import pytest
from django.urls import reverse

from prevent_hub.audit.services import log_access
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, user_with

coverage.register("audit:changelog_list", "audit:accesslog_list")
CHANGE_LOG_READERS = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.AUDITOR}
ACCESS_LOG_READERS = {Role.AUDITOR}


@pytest.fixture
def world(db):
    a = PartnershipFactory(slug="alpha")
    b = PartnershipFactory(slug="bravo")
    own = OrganisationFactory(partnership=a, name="Alpha Council")
    log_access(actor=None, event="export", target=own, purpose="Quarterly return")
    other = OrganisationFactory(partnership=b, name=f"Bravo {CANARY}")
    log_access(actor=None, event="export", target=other, purpose=f"Purpose {CANARY}")
    return a, b


@pytest.mark.parametrize("role", ALL_ROLES)
def test_change_log_page(client, world, role):
    a, b = world
    client.force_login(user_with(role, a))
    response = client.get(reverse("audit:changelog_list", kwargs={"partnership": "alpha"}))
    assert response.status_code == (200 if role in CHANGE_LOG_READERS else 403)
    assert CANARY.encode() not in response.content
    assert client.get(reverse("audit:changelog_list", kwargs={"partnership": "bravo"})).status_code == 404


@pytest.mark.parametrize("role", ALL_ROLES)
def test_access_log_page(client, world, role):
    a, b = world
    client.force_login(user_with(role, a))
    response = client.get(reverse("audit:accesslog_list", kwargs={"partnership": "alpha"}))
    assert response.status_code == (200 if role in ACCESS_LOG_READERS else 403)
    if response.status_code == 200:
        assert "Quarterly return" in response.content.decode()
    assert CANARY.encode() not in response.content
