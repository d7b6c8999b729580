"""SEC-10: headers on every page, no-store on authenticated pages, generic error pages."""
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory
from prevent_hub.core.testing.matrix import user_with


def assert_hardened(response):
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+'", csp)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_public_and_authenticated_pages_carry_the_security_headers(client):
    assert_hardened(client.get(reverse("account_login")))
    partnership = PartnershipFactory(slug="alpha")
    OrganisationFactory(partnership=partnership)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.get(reverse("directory:organisation_list", kwargs={"partnership": "alpha"}))
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.django_db
def test_each_response_gets_its_own_nonce_and_scripts_use_it(client):
    first = client.get(reverse("account_login"))
    second = client.get(reverse("account_login"))
    nonce = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"]).group(1)
    assert nonce not in second["Content-Security-Policy"]
    for tag in re.findall(r"<script[^>]*>", first.content.decode()):
        assert f'nonce="{nonce}"' in tag, tag


@pytest.mark.django_db
def test_unknown_pages_get_the_generic_not_found_page(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.get("/p/alpha/organisations/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_production_settings_are_hardened(monkeypatch):
    import importlib
    import sys

    from config.settings import base

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ALLOWED_HOSTS", "hub.example.org")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "aGVyZS1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLSE=")
    # production.py reads the config.env that ``from .base import *`` hands it, which is not
    # config.env any more once a test has imported that afresh.
    for env in {sys.modules["config.env"], base.env}:
        monkeypatch.setattr(env, "FIELD_ENCRYPTION_KEYS", ["aGVyZS1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLSE="])
        monkeypatch.setattr(env, "AUDIT_ANCHOR_KEYS", ["y" * 64, "z" * 32])
        monkeypatch.setattr(env, "AUDIT_ANCHOR_FILE", "/srv/anchors/audit-anchors.jsonl")
    sys.modules.pop("config.settings.production", None)
    production = importlib.import_module("config.settings.production")
    assert production.DEBUG is False
    assert production.AUDIT_ANCHOR_KEYS == ["y" * 64, "z" * 32]
    assert str(production.AUDIT_ANCHOR_FILE) == "/srv/anchors/audit-anchors.jsonl"
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_NAME.startswith("__Host-")
    assert production.SECURE_HSTS_SECONDS >= 31536000 and production.SECURE_HSTS_INCLUDE_SUBDOMAINS


def test_production_settings_refuse_a_missing_or_weak_secret(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("ALLOWED_HOSTS", "hub.example.org")
    for secret in (None, "short"):
        if secret is None:
            monkeypatch.delenv("SECRET_KEY", raising=False)
        else:
            monkeypatch.setenv("SECRET_KEY", secret)
        sys.modules.pop("config.settings.production", None)
        sys.modules.pop("config.env", None)
        with pytest.raises(ImproperlyConfigured):
            importlib.import_module("config.settings.production")
    sys.modules.pop("config.env", None)
    importlib.import_module("config.env")


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        ([], "/srv/anchors/audit-anchors.jsonl"),  # no anchor key
        (["too short"], "/srv/anchors/audit-anchors.jsonl"),
        (["x" * 64], "/srv/anchors/audit-anchors.jsonl"),  # the SECRET_KEY itself
        (["y" * 64], ""),  # no anchor file
        (["y" * 64], "var/audit-anchors.jsonl"),  # relative to wherever the server starts
    ],
    ids=["no-key", "short-key", "secret-key", "no-file", "relative-file"],
)
def test_production_settings_refuse_audit_anchoring_without_its_own_key_and_file(monkeypatch, keys, path):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    from config.settings import base

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ALLOWED_HOSTS", "hub.example.org")
    # production.py reads the config.env that ``from .base import *`` hands it, which is not
    # config.env any more once a test has imported that afresh.
    for env in {sys.modules["config.env"], base.env}:
        monkeypatch.setattr(env, "FIELD_ENCRYPTION_KEYS", ["aGVyZS1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLSE="])
        monkeypatch.setattr(env, "AUDIT_ANCHOR_KEYS", keys)
        monkeypatch.setattr(env, "AUDIT_ANCHOR_FILE", path)
    sys.modules.pop("config.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="AUDIT_ANCHOR"):
        importlib.import_module("config.settings.production")
    sys.modules.pop("config.settings.production", None)


@override_settings(DEBUG=False)
def test_server_errors_show_a_generic_page_without_internals(client, monkeypatch):
    from prevent_hub.core import views

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("SECRET_SETTING_NAME in /srv/app/views.py")

    monkeypatch.setattr(views.AccessibilityStatementView, "get", explode)
    client.raise_request_exception = False
    response = client.get(reverse("core:accessibility"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "Traceback" not in body and "SECRET_SETTING_NAME" not in body and "/srv/app" not in body


@pytest.mark.django_db
def test_static_files_carry_no_cors_header(settings):
    from django.test import Client

    url = settings.STATIC_URL + "core/app.css"
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert "Access-Control-Allow-Origin" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    # WhiteNoise's default would send it: the setting is what keeps it off (read when the middleware is built).
    settings.WHITENOISE_ALLOW_ALL_ORIGINS = True
    assert Client().get(url)["Access-Control-Allow-Origin"] == "*"
