"""The only module that reads environment variables.

Every setting that differs between machines comes from here, so a deployment can
be audited by reading one file.
"""
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}


def get_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def get_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def get_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def get_database(default_url: str) -> dict:
    url = get_str("DATABASE_URL", default_url)
    config = dj_database_url.parse(url, conn_max_age=get_int("DB_CONN_MAX_AGE", 0))
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so the audit hash chain's
        # read-last-then-append is serialised on SQLite as it is on PostgreSQL.
        config.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
        config["OPTIONS"]["timeout"] = 20
    return config


SECRET_KEY = os.environ.get("SECRET_KEY")
ALLOWED_HOSTS = get_list("ALLOWED_HOSTS")
EMAIL_HOST = os.environ.get("EMAIL_HOST")
EMAIL_PORT = get_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = get_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "prevent-hub@localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
CACHE_URL = os.environ.get("CACHE_URL", "")
FIELD_ENCRYPTION_KEYS = get_list("FIELD_ENCRYPTION_KEYS")
AUDIT_ANCHOR_KEYS = get_list("AUDIT_ANCHOR_KEYS")
AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", "")
STATS_SUPPRESSION_THRESHOLD = get_int("STATS_SUPPRESSION_THRESHOLD", 5)
CHANNEL_FEEDBACK_LINK_DAYS = get_int("CHANNEL_FEEDBACK_LINK_DAYS", 60)
# Zero counts are shown as 0 unless this is set: then they are hidden like any count below the threshold.
STATS_SUPPRESS_ZEROS = get_bool("STATS_SUPPRESS_ZEROS", False)
# Set only by manage.py bench and loadtest for the server they start (issue 10); never in a deployment.
BENCH_BASELINE = get_bool("BENCH_BASELINE", False)
