"""Settings for the test suite: same as production in behaviour, faster hashing."""
from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files are served from the apps' folders; there is no collectstatic output in tests.
WHITENOISE_AUTOREFRESH = True
# No anchor file unless a test names one under its tmp_path: an anchor outlives the test's
# rolled-back rows, so a shared file would fail every later test's verification.
AUDIT_ANCHOR_FILE = None
