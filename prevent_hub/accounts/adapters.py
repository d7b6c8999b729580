import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Don't ask for the password again when someone sets up their first factor just after signing in.

        MFA is compulsory, so a new user is sent to set it up straight from the sign-in
        page; asking for the password they typed seconds ago helps nobody. Changing an
        existing factor still needs reauthentication.
        """
        request = self.request
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            first_factor = not Authenticator.objects.filter(user=user).exists()
            records = get_authentication_records(request, user)
            fresh = records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
            if first_factor and fresh:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """MFA is compulsory: the last second factor cannot be removed."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        others = Authenticator.objects.filter(user_id=authenticator.user_id).exclude(pk=authenticator.pk)
        return others.exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
