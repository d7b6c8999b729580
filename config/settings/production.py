"""Production settings: secrets and hosts must come from the environment."""
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import env

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = env.get_str("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")
FIELD_ENCRYPTION_KEYS = env.FIELD_ENCRYPTION_KEYS
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required in production (Fernet keys, newest first).")
AUDIT_ANCHOR_KEYS = env.AUDIT_ANCHOR_KEYS
if not AUDIT_ANCHOR_KEYS:
    raise ImproperlyConfigured("AUDIT_ANCHOR_KEYS is required in production (secrets for audit heads, newest first).")
if any(len(key) < 32 or key == SECRET_KEY for key in AUDIT_ANCHOR_KEYS):
    raise ImproperlyConfigured("Each AUDIT_ANCHOR_KEYS entry must be a secret of 32+ characters, not SECRET_KEY.")
if not env.AUDIT_ANCHOR_FILE or not Path(env.AUDIT_ANCHOR_FILE).is_absolute():
    raise ImproperlyConfigured(
        "AUDIT_ANCHOR_FILE is required in production: an absolute path on storage the database cannot reach.")
AUDIT_ANCHOR_FILE = Path(env.AUDIT_ANCHOR_FILE)
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production.")

# Keep each worker's database connection (checked before reuse) instead of opening one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.get_int("DB_CONN_MAX_AGE", 60)  # noqa: F405

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Unhandled errors (and CSRF refusals) go to stderr as one line each: request id, method, view, status,
# exception type and frames; never the path (link pages carry tokens), the query, posted data or the
# exception's message (core.errorlog). A new dictionary, so the base settings' one is left as it was.
_BASE_LOGGING = LOGGING  # noqa: F405
LOGGING = {
    **_BASE_LOGGING,
    "formatters": {**_BASE_LOGGING["formatters"],
                   "request": {"()": "prevent_hub.core.errorlog.RequestErrorFormatter"}},
    "handlers": {**_BASE_LOGGING["handlers"],
                 "request_errors": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                    "formatter": "request"}},
    "loggers": {
        **_BASE_LOGGING["loggers"],
        "django.request": {"handlers": ["request_errors"], "level": "ERROR", "propagate": False},
        "django.security.csrf": {"handlers": ["request_errors"], "level": "WARNING", "propagate": False},
    },
}
