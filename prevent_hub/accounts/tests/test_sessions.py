"""MFA is compulsory, sessions time out on the server, and revocation is immediate (SEC-06, SEC-07, SEC-09)."""
import datetime
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from prevent_hub.accounts import services
from prevent_hub.accounts.demo import current_code
from prevent_hub.accounts.models import Membership
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory, UserFactory, totp_secret
from prevent_hub.core.testing.matrix import user_with

PASSWORD = "correct horse battery staple"


@pytest.fixture
def partnership(db):
    return PartnershipFactory(slug="alpha")


def overview(partnership):
    return reverse("directory:partnership_detail", kwargs={"partnership": partnership.slug})


def sign_in(client, user, code=None):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code or current_code(totp_secret(user))})


def test_password_alone_does_not_sign_in(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(overview(partnership))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_password_and_one_time_code_sign_in(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    response = sign_in(client, user)
    assert response.status_code == 302
    assert client.get(overview(partnership)).status_code == 200


def test_a_wrong_code_is_refused_and_repeated_failures_are_throttled(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for _ in range(10):  # ACCOUNT_RATE_LIMITS["login_failed"]: 10 per 15 minutes per account
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert response.status_code == 200
        assert "Incorrect code" in response.content.decode()
    # Even the right code is refused once throttled.
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(totp_secret(user))})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(overview(partnership)).status_code == 302


def test_a_used_code_cannot_be_replayed(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    code = current_code(totp_secret(user))
    sign_in(client, user, code)
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(overview(partnership)).status_code == 302


def test_unknown_and_known_emails_get_the_same_answer(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    known = client.post(reverse("account_login"), {"login": user.email, "password": "wrong password 123"})
    unknown = client.post(reverse("account_login"), {"login": "nobody@example.test", "password": "wrong password 123"})
    assert known.status_code == unknown.status_code == 200

    def main_content(response):
        """The page body without the typed address and the per-request CSRF token."""
        html = response.content.decode().replace(user.email, "").replace("nobody@example.test", "")
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html.split("<main")[1].split("</main>")[0]

    assert main_content(known) == main_content(unknown)


def test_password_attempts_are_throttled(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    for _ in range(10):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong password 123"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "mfa_authenticate" not in response.get("Location", "")


def test_users_without_mfa_must_set_it_up_before_anything_else(client, partnership):
    user = UserFactory(mfa=False, roles=[(partnership, Role.COORDINATOR)])
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(overview(partnership))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    # Straight after signing in there is no second password prompt: the set-up form shows.
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in setup.content.decode()  # for typing into an authenticator app
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(overview(partnership)).status_code == 200


def test_changing_an_existing_second_factor_still_asks_for_the_password_again(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    sign_in(client, user)
    response = client.get(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_the_last_second_factor_cannot_be_removed(partnership):
    from prevent_hub.accounts.adapters import MFAAdapter

    user = user_with(Role.COORDINATOR, partnership)
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert MFAAdapter().can_delete_authenticator(totp) is False


@pytest.mark.parametrize(
    "role,minutes,signed_out",
    [
        (Role.COORDINATOR, 29, False),
        (Role.COORDINATOR, 31, True),
        (Role.CHANNEL_CHAIR, 14, False),
        (Role.CHANNEL_CHAIR, 16, True),
        (Role.POLICE_PREVENT, 16, True),
    ],
)
def test_idle_sessions_end_on_the_server(client, partnership, role, minutes, signed_out):
    user = user_with(role, partnership)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get(overview(partnership)).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
        response = client.get(overview(partnership))
    assert (response.status_code == 302) is signed_out
    if signed_out:
        assert response["Location"].startswith(reverse("account_login"))


def test_staying_active_keeps_the_session_until_the_absolute_limit(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        client.get(overview(partnership))
    for step in range(1, 25):  # a request every 29 minutes for 11.6 hours
        with time_machine.travel(start + datetime.timedelta(minutes=29 * step), tick=False):
            assert client.get(overview(partnership)).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=12, minutes=5), tick=False):
        assert client.get(overview(partnership)).status_code == 302


def test_stay_signed_in_resets_the_idle_timer(client, partnership):
    user = user_with(Role.CHANNEL_CHAIR, partnership)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        client.get(overview(partnership))
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        response = client.post(reverse("core:session_extend"))
        assert response.status_code == 200 and response.json()["idle_timeout_seconds"] == 15 * 60
    with time_machine.travel(start + datetime.timedelta(minutes=28), tick=False):
        assert client.get(overview(partnership)).status_code == 200


def test_page_views_save_the_session_at_most_every_half_minute(client, partnership):
    """A read only records activity when the last record is older than the resolution; a POST always does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes(do):
        with CaptureQueriesContext(connection) as captured:
            do()
        return sum('UPDATE "django_session"' in query["sql"] for query in captured)

    client.force_login(user_with(Role.COORDINATOR, partnership))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(overview(partnership))
    with time_machine.travel(start + datetime.timedelta(seconds=20), tick=False):
        assert session_writes(lambda: client.get(overview(partnership))) == 0
        assert session_writes(lambda: client.post(reverse("core:session_extend"))) == 1
    with time_machine.travel(start + datetime.timedelta(seconds=51), tick=False):
        assert session_writes(lambda: client.get(overview(partnership))) == 1


def test_the_page_tells_the_browser_when_to_warn(client, partnership):
    client.force_login(user_with(Role.PANEL_MEMBER, partnership))
    body = client.get(overview(partnership)).content.decode()
    assert 'data-idle-timeout="900"' in body and 'data-idle-warning="120"' in body


def test_sign_out_everywhere_ends_every_session(client, django_user_model, partnership):
    from django.test import Client

    user = user_with(Role.COORDINATOR, partnership)
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    assert phone.get(overview(partnership)).status_code == 200
    laptop.post(reverse("accounts:sign_out_everywhere"))
    assert laptop.get(overview(partnership)).status_code == 302
    assert phone.get(overview(partnership)).status_code == 302


def test_disabling_a_user_ends_their_sessions_at_once(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    admin = user_with(Role.SYSTEM_ADMIN, partnership)
    client.force_login(user)
    assert client.get(overview(partnership)).status_code == 200
    services.user_disable(actor=admin, user=user)
    response = client.get(overview(partnership))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_removing_a_role_takes_effect_on_the_next_request(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    client.force_login(user)
    assert client.get(overview(partnership)).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert client.get(overview(partnership)).status_code == 404


def test_session_id_changes_at_sign_in(client, partnership):
    user = user_with(Role.COORDINATOR, partnership)
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "attacker-chosen-value"
    sign_in(client, user)
    assert client.cookies["sessionid"].value != "attacker-chosen-value"
