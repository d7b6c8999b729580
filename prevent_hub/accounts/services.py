"""Writes to user accounts and memberships: atomic, change-logged, and effective at once."""
import logging

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction

from prevent_hub.core.services import object_create, object_delete, object_update

from .models import Membership, User

security_log = logging.getLogger("prevent_hub.security")


@transaction.atomic
def user_create(*, actor, partnership, email: str, full_name: str, roles, password: str | None = None) -> User:
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    object_create(actor=actor, instance=user)
    user_email_confirm(user=user)
    user_set_roles(actor=actor, partnership=partnership, user=user, roles=roles)
    return user


def user_email_confirm(*, user: User) -> None:
    """Record the account's email as verified and primary.

    Accounts are created by an administrator, never by sign-up, so the address is
    vouched for; allauth refuses to set up MFA for an unverified address.
    """
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )


@transaction.atomic
def user_update(*, actor, user: User, expected_version: int | None) -> User:
    user, _ = object_update(actor=actor, instance=user, expected_version=expected_version)
    user_email_confirm(user=user)
    return user


@transaction.atomic
def user_set_roles(*, actor, partnership, user: User, roles) -> None:
    """Make ``roles`` exactly the roles ``user`` holds in ``partnership``. Effective on the next request."""
    wanted = set(roles)
    held = {m.role: m for m in Membership.objects.filter(user=user, partnership=partnership)}
    for role, membership in held.items():
        if role not in wanted:
            object_delete(actor=actor, instance=membership)
    for role in wanted - set(held):
        object_create(actor=actor, instance=Membership(user=user, partnership=partnership, role=role))


def _end_sessions(user: User) -> None:
    # Changing the token changes the session hash, so every existing session fails
    # Django's check on its very next request.
    user.rotate_session_token()


@transaction.atomic
def user_disable(*, actor, user: User) -> User:
    user.is_active = False
    _end_sessions(user)
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("user disabled user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_enable(*, actor, user: User) -> User:
    user.is_active = True
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("user enabled user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_sign_out_everywhere(*, actor, user: User) -> User:
    _end_sessions(user)
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("sessions ended user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_reset_mfa(*, actor, user: User) -> int:
    """Remove every second factor; the user must set one up again when they next sign in."""
    authenticators = list(Authenticator.objects.filter(user=user))
    for authenticator in authenticators:
        object_delete(actor=actor, instance=authenticator)
    user_sign_out_everywhere(actor=actor, user=user)
    security_log.info("mfa reset user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return len(authenticators)
