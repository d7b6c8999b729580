"""User management: only system administrators, only their partnership's users, every change logged."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from prevent_hub.accounts.models import Membership, User
from prevent_hub.audit.models import ChangeLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, row_counts, user_with

coverage.register(
    "accounts:user_list", "accounts:user_add", "accounts:user_detail", "accounts:user_edit", "accounts:user_operation"
)
MANAGERS = {Role.SYSTEM_ADMIN}


@pytest.fixture
def world(db):
    a = PartnershipFactory(slug="alpha")
    b = PartnershipFactory(slug="bravo")
    member = user_with(Role.ACTION_OWNER, a, full_name="Member of Alpha")
    outsider = user_with(Role.COORDINATOR, b, full_name=f"Outsider {CANARY}")
    return a, b, member, outsider


def url(name, partnership, **kwargs):
    return reverse(f"accounts:{name}", kwargs={"partnership": partnership.slug, **kwargs})


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_system_administrators_see_and_manage_users(client, world, role):
    a, b, member, outsider = world
    client.force_login(user_with(role, a))
    allowed = role in MANAGERS
    before = row_counts()
    assert client.get(url("user_list", a)).status_code == (200 if allowed else 403)
    assert client.get(url("user_detail", a, pk=member.pk)).status_code == (200 if allowed else 403)
    response = client.post(url("user_operation", a, pk=member.pk, operation="disable"))
    member.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and not member.is_active
    else:
        assert response.status_code == 403 and member.is_active
        assert row_counts() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_users_of_other_partnerships_are_invisible(client, world, role):
    a, b, member, outsider = world
    client.force_login(user_with(role, a))
    for name, kwargs in (("user_detail", {}), ("user_edit", {}), ("user_operation", {"operation": "disable"})):
        response = client.get(url(name, a, pk=outsider.pk, **kwargs))
        assert response.status_code in (403, 404)
        assert CANARY.encode() not in response.content
    assert client.get(url("user_list", b)).status_code == 404
    list_response = client.get(url("user_list", a))
    assert CANARY.encode() not in list_response.content


def test_adding_a_user_creates_the_account_and_roles_and_emails_an_invitation(
        client, world, mailoutbox, django_capture_on_commit_callbacks):
    a, *_ = world
    admin = user_with(Role.SYSTEM_ADMIN, a)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("user_add", a),
            {"full_name": "New Colleague", "email": "New.Colleague@Example.test", "roles": ["coordinator", "prevent_lead"]},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.colleague@example.test")
    assert not user.has_usable_password()
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"coordinator", "prevent_lead"}
    assert ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)).count() == 1
    assert ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(Membership), action="create").count() >= 2
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]


def test_an_address_already_here_is_refused_with_a_clear_message(client, world):
    a, b, member, outsider = world
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))
    before = row_counts()
    response = client.post(url("user_add", a), {"full_name": "Again", "email": member.email.upper(), "roles": []})
    assert response.status_code == 400
    assert "Someone with this email address already has a role here" in response.content.decode()
    assert row_counts() == before


def test_changing_roles_is_logged_and_only_touches_this_partnership(client, world):
    a, b, member, outsider = world
    Membership.objects.create(user=member, partnership=b, role=Role.BOARD_VIEWER)
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))
    response = client.post(
        url("user_edit", a, pk=member.pk),
        {"full_name": member.full_name, "email": member.email, "roles": ["board_viewer"], "expected_version": member.version},
    )
    assert response.status_code == 302
    assert set(Membership.objects.filter(user=member, partnership=a).values_list("role", flat=True)) == {"board_viewer"}
    assert Membership.objects.filter(user=member, partnership=b).count() == 1


def test_administrators_cannot_disable_themselves(client, world):
    a, *_ = world
    admin = user_with(Role.SYSTEM_ADMIN, a)
    client.force_login(admin)
    assert client.post(url("user_operation", a, pk=admin.pk, operation="disable")).status_code == 403
    admin.refresh_from_db()
    assert admin.is_active


def test_resetting_mfa_removes_factors_and_signs_the_user_out(client, world):
    from allauth.mfa.models import Authenticator
    from django.test import Client

    a, b, member, outsider = world
    their_browser = Client()
    their_browser.force_login(member)
    overview = reverse("directory:partnership_detail", kwargs={"partnership": "alpha"})
    assert their_browser.get(overview).status_code == 200
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))
    assert client.post(url("user_operation", a, pk=member.pk, operation="reset-mfa")).status_code == 302
    assert not Authenticator.objects.filter(user=member).exists()
    assert their_browser.get(overview).status_code == 302


def test_unknown_operations_are_not_found(client, world):
    a, b, member, outsider = world
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))
    assert client.post(url("user_operation", a, pk=member.pk, operation="promote")).status_code == 404
