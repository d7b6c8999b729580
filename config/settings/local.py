"""Settings for running the demo on a developer's machine (SQLite by default)."""
from config import env

from .base import *  # noqa: F401,F403

DEBUG = env.get_bool("DEBUG", False)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# Serve static files straight from the apps' folders; there is no collectstatic step here.
WHITENOISE_AUTOREFRESH = True
