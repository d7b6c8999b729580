"""Settings shared by every environment. Values that vary come from config.env."""
import base64
import hashlib
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env.SECRET_KEY or "insecure-local-key-only-for-development-and-tests-0123456789"
DEBUG = False

# Keys for case data encrypted at rest (channel.crypto), newest first. Without any in the
# environment a key is derived from SECRET_KEY, which production refuses (production.py).
FIELD_ENCRYPTION_KEYS = env.FIELD_ENCRYPTION_KEYS or [
    base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{SECRET_KEY}".encode()).digest()).decode()]
ALLOWED_HOSTS = env.ALLOWED_HOSTS or ["127.0.0.1", "localhost"]

# The audit logs' signed heads and anchors (audit.anchors; docs/architecture.md, "Audit logs").
# Keys newest first: the first signs, all verify. Without any in the environment a key is derived
# from SECRET_KEY with its own salt, which production refuses (production.py).
AUDIT_ANCHOR_KEYS = env.AUDIT_ANCHOR_KEYS or [hashlib.sha256(f"audit-anchor:{SECRET_KEY}".encode()).hexdigest()]
# The append-only file of signed heads; production names one explicitly, off the database's storage.
AUDIT_ANCHOR_FILE = Path(env.AUDIT_ANCHOR_FILE) if env.AUDIT_ANCHOR_FILE else BASE_DIR / "var" / "audit-anchors.jsonl"
# Everyone holding one of these roles (core.roles.Role) in any partnership is emailed when audit_daily fails.
AUDIT_ALERT_ROLES = ["auditor", "system_admin"]

INSTALLED_APPS = [
    # Our apps first so their templates override allauth's.
    "prevent_hub.core",
    "prevent_hub.audit",
    "prevent_hub.accounts",
    "prevent_hub.directory",
    "prevent_hub.plans",
    "prevent_hub.governance",
    "prevent_hub.training",
    "prevent_hub.channel",
    "prevent_hub.insights",
    "prevent_hub.reports",
    "prevent_hub.scale",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "prevent_hub.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "prevent_hub.core.middleware.LinkReferrerPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "prevent_hub.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "prevent_hub.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "prevent_hub.core.context_processors.layout",
            ],
        },
    },
]
FORM_RENDERER = "prevent_hub.core.forms.GovUKFormRenderer"

DATABASES = {"default": env.get_database(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "core_cache",
        # Rendered page parts are kept per partnership (core.caching): at national scale tens of
        # thousands of small entries, not the backend's default 300, past which it culls on every write.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
if env.CACHE_URL.startswith("redis://"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.CACHE_URL}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"

# Sessions: server-side, ended by idle timeout (accounts.middleware) and at 12 h absolute.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
IDLE_TIMEOUT_SECONDS = 30 * 60
CASE_ROLE_IDLE_TIMEOUT_SECONDS = 15 * 60
IDLE_WARNING_SECONDS = 2 * 60
ABSOLUTE_SESSION_SECONDS = 12 * 60 * 60

# allauth: email + password, MFA required (enforced by SessionPolicyMiddleware).
ACCOUNT_ADAPTER = "prevent_hub.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,10/15m/key",
    "reset_password": "20/m/ip,3/m/key",
}
MFA_ADAPTER = "prevent_hub.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Prevent Partnership Hub"
MFA_TOTP_TOLERANCE = 1

LANGUAGE_CODE = "en-gb"
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# WhiteNoise sends Access-Control-Allow-Origin: * by default; nothing of ours is for other sites to read.
WHITENOISE_ALLOW_ALL_ORIGINS = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DIRECTORY_IMPORT_MAX_BYTES = 2 * 1024 * 1024
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if env.EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.EMAIL_HOST or "localhost"
EMAIL_PORT = env.EMAIL_PORT
EMAIL_HOST_USER = env.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = env.EMAIL_USE_TLS
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
SITE_URL = env.SITE_URL

# Background jobs (reminder emails) run through django-tasks' database backend: `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
OWNER_LINK_DAYS = 14  # an emailed update link works this long, once
# A Channel feedback link works this many days from the day it is made, once (channel.models.FeedbackLink).
CHANNEL_FEEDBACK_LINK_DAYS = env.CHANNEL_FEEDBACK_LINK_DAYS
if CHANNEL_FEEDBACK_LINK_DAYS < 1:
    raise ImproperlyConfigured("CHANNEL_FEEDBACK_LINK_DAYS must be at least 1.")
REMINDER_LEAD_DAYS = 14  # the first digest goes this many days before a period ends
CHASER_INTERVAL_DAYS = 7  # then a chaser this often until every action is updated

# Security headers (django-csp 4 for CSP; the rest are Django's own).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

PAGINATE_BY = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "prevent_hub.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Statistics shown outside the case team hide counts below this (issue 8; to agree with the DPO).
STATS_SUPPRESSION_THRESHOLD = env.STATS_SUPPRESSION_THRESHOLD
STATS_SUPPRESS_ZEROS = env.STATS_SUPPRESS_ZEROS

# manage.py bench and loadtest start their own server with this on (issue 10): it mounts a bare page at
# /_bench/baseline/ to compare every page with, and times each response (Server-Timing: time and queries).
BENCH_BASELINE = env.BENCH_BASELINE
if BENCH_BASELINE:
    MIDDLEWARE = ["prevent_hub.scale.middleware.ServerTimingMiddleware", *MIDDLEWARE]
