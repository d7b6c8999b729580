"""Which URL names the test suite checks, so a new page cannot escape the role matrix."""
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open without signing in. Everything else must redirect to login.
PUBLIC_URL_NAMES = {
    "core:accessibility",
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "account_email_verification_sent",
    "account_confirm_email",
    "mfa_authenticate",
    "mfa_login_webauthn",
    "mfa_signup_webauthn",
    # An owner without an account, through an emailed single-use link (plans.reminders).
    "owner_links:owner_update",
    # ...and asking, from a link that no longer works, for a new one to be sent to the address on record.
    "owner_links:owner_renew",
    # A calendar program fetching a user's private feed; the secret address is the key (governance).
    "calendar:feed",
    # A trainer's return of figures and participants' feedback, through a session's link (training).
    "training_public:return",
    "training_public:feedback",
    # A partner answering one Channel information request, and anonymous Channel feedback, by single-use link.
    "channel_public:request",
    "channel_public:feedback",
    # The link sent to a new email address: following it applies the change (accounts).
    "accounts:email_change_confirm",
}

# Pages for any signed-in user about themselves; no partnership data on them.
SELF_SERVICE_URL_NAMES = {
    "core:home",
    "core:session_extend",
    "accounts:sign_out_everywhere",
    "account_change_password",
    "account_set_password",
    "account_email",
    "account_reauthenticate",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_trust",
    "calendar:feed_manage",
}

# Filled by the role-matrix test classes as they are defined.
MATRIX_URL_NAMES: set[str] = set()


def register(*names: str) -> None:
    MATRIX_URL_NAMES.update(names)


def all_url_patterns(resolver=None, namespace="", parent_kwargs=()):
    """Yield (full name, keyword argument names) for every named URL in the project.

    Keyword arguments include those captured by enclosing ``include()`` prefixes.
    """
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        kwargs = (*parent_kwargs, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_url_patterns(entry, ns, kwargs)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", kwargs
