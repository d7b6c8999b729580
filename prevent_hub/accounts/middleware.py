"""Session rules enforced on the server for every request.

- MFA is compulsory: a signed-in user without a second factor can reach only
  the pages that set one up (and sign out).
- Idle timeout: 15 minutes for roles that can see case records, 30 otherwise (activity recorded
  to within LAST_SEEN_RESOLUTION seconds).
- Absolute lifetime: 12 hours from sign-in.
"""
import logging
import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from prevent_hub.core.permissions import has_any_role
from prevent_hub.core.roles import CASE_ROLES

security_log = logging.getLogger("prevent_hub.security")

LAST_SEEN_KEY = "policy_last_seen"
STARTED_KEY = "policy_started"
MFA_OK_KEY = "policy_mfa_ok"
LAST_SEEN_RESOLUTION = 30

# Pages a signed-in user may use before setting up MFA.
MFA_SETUP_URL_NAMES = {
    "account_logout",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
}


def is_public_view(view_func) -> bool:
    return getattr(view_func, "login_required", True) is False


def idle_timeout_for(user) -> int:
    if has_any_role(user, CASE_ROLES):
        return settings.CASE_ROLE_IDLE_TIMEOUT_SECONDS
    return settings.IDLE_TIMEOUT_SECONDS


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        now = time.time()
        session = request.session
        started = session.setdefault(STARTED_KEY, now)
        last_seen = session.get(LAST_SEEN_KEY, now)
        idle_limit = idle_timeout_for(user)
        if now - last_seen > idle_limit or now - started > settings.ABSOLUTE_SESSION_SECONDS:
            security_log.info("session expired user=%s idle=%ds", user.pk, int(now - last_seen))
            logout(request)
            messages.info(request, _("You were signed out because you had not done anything for a while."))
            return redirect(f"{reverse('account_login')}?next={request.path}")
        # A page view records activity at most every LAST_SEEN_RESOLUTION seconds, so most reads save no
        # session (a write and a commit per request otherwise); a POST, "stay signed in" among them, always does.
        if request.method != "GET" or now - session.get(LAST_SEEN_KEY, 0) >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_KEY] = now
        request.idle_timeout_seconds = idle_limit

        url_name = request.resolver_match.url_name if request.resolver_match else None
        if not session.get(MFA_OK_KEY):
            has_factor = Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
            if has_factor:
                session[MFA_OK_KEY] = True
            elif url_name not in MFA_SETUP_URL_NAMES and not is_public_view(view_func):
                messages.info(request, _("Set up two-factor authentication to continue."))
                return redirect("mfa_activate_totp")
        return None
