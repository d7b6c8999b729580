"""Unhandled errors under the production settings: logged to stderr, once, with the request id and nothing personal.

The finding: under config.settings.production ``django.request`` had no handler, so a 500 left no trace.
"""
import importlib
import logging
import logging.config
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.log import configure_logging

from prevent_hub.core.testing.matrix import CANARY

KEY = "aGVyZS1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLSE="
PATH_CANARY = "PATHCANARY-31c7"
QUERY_CANARY = f"QUERY-{CANARY}"
MESSAGE_CANARY = f"MESSAGE-{CANARY}"


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def production_logging(monkeypatch, capsys):
    """Configure logging exactly as config.settings.production does, when called in the test (so its stderr
    handler writes to the stream capsys reads then); return the records ``django.request`` received.
    Django's own configuration is restored afterwards."""
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY)
    from config.settings import base

    # production.py reads the config.env that ``from .base import *`` hands it (see test_security_headers).
    for env in {sys.modules["config.env"], base.env}:
        monkeypatch.setattr(env, "FIELD_ENCRYPTION_KEYS", [KEY])
        monkeypatch.setattr(env, "AUDIT_ANCHOR_KEYS", ["y" * 64])
        monkeypatch.setattr(env, "AUDIT_ANCHOR_FILE", "/srv/anchors/audit-anchors.jsonl")
    sys.modules.pop("config.settings.production", None)
    production = importlib.import_module("config.settings.production")
    sys.modules.pop("config.settings.production", None)
    records = Records()

    def configure():
        logging.config.dictConfig(production.LOGGING)
        logging.getLogger("django.request").addHandler(records)
        capsys.readouterr()
        return records

    try:
        yield configure
    finally:
        logging.getLogger("django.request").removeHandler(records)
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def explode(self, request, *args, **kwargs):
    raise RuntimeError(f"Could not save {MESSAGE_CANARY} for case CH-ABCD-2345")


@override_settings(DEBUG=False)
def test_an_unhandled_error_is_logged_once_with_its_request_id_and_nothing_personal(production_logging, capsys,
                                                                                    monkeypatch):
    from prevent_hub.core import views

    monkeypatch.setattr(views.AccessibilityStatementView, "get", explode)
    records = production_logging()
    client = Client(raise_request_exception=False)
    response = client.get(reverse("core:accessibility"), {"token": QUERY_CANARY})
    assert response.status_code == 500
    err = capsys.readouterr().err
    assert len(records.records) == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert f"request_id={response['X-Request-Id']}" in line
    assert "exception=RuntimeError" in line and "status=500" in line and "method=GET" in line
    assert "view=core:accessibility" in line and "logger=django.request" in line
    assert f"{__file__}:" in line and ":explode" in line  # the frame that raised: file, line, function
    for secret in ("/accessibility", "accessibility/", QUERY_CANARY, MESSAGE_CANARY, "CH-ABCD", "Could not save"):
        assert secret not in line, secret


@override_settings(DEBUG=False)
def test_a_link_pages_token_stays_out_of_the_log(db, production_logging, capsys, monkeypatch):
    from prevent_hub.channel import views

    monkeypatch.setattr(views.PublicFeedbackView, "get", explode)
    production_logging()
    client = Client(raise_request_exception=False)
    token = f"{PATH_CANARY}-token"
    response = client.get(reverse("channel_public:feedback", kwargs={"token": token}))
    assert response.status_code == 500
    line = capsys.readouterr().err.strip()
    assert "view=channel_public:feedback" in line and f"request_id={response['X-Request-Id']}" in line
    assert PATH_CANARY not in line and "/channel/feedback/" not in line and MESSAGE_CANARY not in line


@override_settings(DEBUG=False)
def test_an_error_raised_from_another_names_both_types_and_never_their_messages(production_logging, capsys,
                                                                               monkeypatch):
    from prevent_hub.core import views

    def wrapped(self, request, *args, **kwargs):
        try:
            {}[MESSAGE_CANARY]
        except KeyError as error:
            raise ValueError(f"bad value {MESSAGE_CANARY}") from error

    monkeypatch.setattr(views.AccessibilityStatementView, "get", wrapped)
    production_logging()
    Client(raise_request_exception=False).get(reverse("core:accessibility"))
    line = capsys.readouterr().err.strip()
    assert "exception=ValueError" in line and "caused_by=KeyError" in line
    assert MESSAGE_CANARY not in line


def test_not_found_pages_are_not_logged_as_errors(db, production_logging, capsys):
    records = production_logging()
    response = Client().get(f"/{PATH_CANARY}/")
    assert response.status_code in (302, 404)
    assert PATH_CANARY not in capsys.readouterr().err
    assert records.records == []


def test_csrf_refusals_on_link_pages_are_logged_without_the_token(db, production_logging, capsys):
    production_logging()
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("channel_public:feedback", kwargs={"token": f"{PATH_CANARY}-csrf"}), {"rating": 3})
    assert response.status_code == 403
    line = capsys.readouterr().err.strip()
    assert "logger=django.security.csrf" in line and "status=403" in line
    assert PATH_CANARY not in line
