"""Password reset by email, over a real SMTP connection, never skipping MFA."""
import re

import pytest
from django.urls import reverse

from prevent_hub.accounts.demo import current_code
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory, totp_secret
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.core.testing.smtp import body_of

NEW_PASSWORD = "a brand new long passphrase"


@pytest.mark.django_db
def test_reset_link_sets_a_new_password_but_mfa_is_still_required(client, smtp_server):
    partnership = PartnershipFactory(slug="alpha")
    user = user_with(Role.COORDINATOR, partnership)
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["X-Envelope-To"] == user.email
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", body_of(message)).group(0)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    response = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    # The reset does not sign anyone in ...
    overview = reverse("directory:partnership_detail", kwargs={"partnership": "alpha"})
    assert client.get(overview).status_code == 302
    # ... and the new password alone is not enough.
    response = client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(overview).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": current_code(totp_secret(user))})
    assert client.get(overview).status_code == 200


@pytest.mark.django_db
def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing_revealing(client, smtp_server):
    partnership = PartnershipFactory(slug="alpha")
    user = user_with(Role.COORDINATOR, partnership)
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m["X-Envelope-To"] for m in smtp_server.messages].count(user.email) == 1
    assert all("reset/key" not in body_of(m) for m in smtp_server.messages if m["X-Envelope-To"] != user.email)
