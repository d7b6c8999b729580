"""Writes to user accounts and memberships: atomic, change-logged, and effective at once.

Three rules keep user management from becoming a way into case records (docs/security.md):
- an account's global details (email, second factor, sign-in, active) are changed only by
  someone who administers every partnership the account belongs to;
- nobody changes their own roles;
- a case role, or a new email or second factor on an account that holds one, waits for a
  second person from the case team (``CaseAccessRequest``).
``actor=None`` is the platform operator at the command line (demo data, ``grant_role``).
"""
import datetime
import logging
import smtplib
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prevent_hub.core.permissions import forget_memberships, has_perm
from prevent_hub.core.roles import CASE_ACCESS_ROLES, Role
from prevent_hub.core.services import object_create, object_delete, object_update
from prevent_hub.core.tokens import new_secret, secret_hash

from . import selectors
from .models import CaseAccessRequest, EmailChange, Membership, User

security_log = logging.getLogger("prevent_hub.security")
mail_log = logging.getLogger("prevent_hub.accounts")

EMAIL_CHANGE_LINK_HOURS = 72
UNCHANGED = object()  # a keyword left as it is, where None means "none"


class AccountRuleError(PermissionDenied):
    """A user-management step the rules refuse; the message says which rule, for the person who tried."""


@dataclass
class AccountChange:
    """What a change to an account did: the requests now waiting for the case team, and any new address."""

    user: User
    requests: list = field(default_factory=list)
    email_change: EmailChange | None = None
    created: bool = False


def _require_account_admin(actor, user: User) -> None:
    if not selectors.administers_account(actor, user):
        raise AccountRuleError(_(
            "%(name)s also belongs to a partnership you do not administer, so only an administrator of "
            "every partnership they belong to can change their email, sign-in or second factor."
        ) % {"name": user})


def _needs_second_person(actor, user: User) -> bool:
    """Changes that could hand over an account which opens case records wait for the case team."""
    return actor is not None and selectors.holds_case_role(user)


# Creating accounts and memberships -----------------------------------------------------------

@transaction.atomic
def user_create(*, actor, partnership, email: str, full_name: str, roles, password: str | None = None,
                reason: str = "") -> User:
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    object_create(actor=actor, instance=user)
    user_email_confirm(user=user)
    user_set_roles(actor=actor, partnership=partnership, user=user, roles=roles, reason=reason)
    return user


def user_email_confirm(*, user: User) -> None:
    """Record the account's email as verified and primary.

    Accounts are created by an administrator, never by sign-up, and a later change of address
    takes effect only through a link sent to it, so the address is vouched for; allauth refuses
    to set up MFA for an unverified address.
    """
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )


@transaction.atomic
def user_add_to_partnership(*, actor, partnership, email: str, full_name: str, roles, reason: str = "",
                            person=None) -> AccountChange:
    """Give ``email`` the ``roles`` here: a new account, or one that already exists elsewhere.

    Either way the person is emailed, and the caller answers the same, so adding a user never
    tells an administrator whether an address is known in another partnership.
    """
    if actor is not None and not has_perm(actor, "accounts.add_user", partnership):
        raise AccountRuleError(_("Only a system administrator of this partnership can add users to it."))
    user = User.objects.filter(email__iexact=email.strip()).first()
    created = user is None
    if created:
        user = user_create(actor=actor, partnership=partnership, email=email, full_name=full_name, roles=(),
                           reason=reason)
        _send_invitation(user=user, partnership=partnership, invited_by=actor)
    else:
        _send_added_to_partnership(user=user, partnership=partnership)
    requests = user_set_roles(actor=actor, partnership=partnership, user=user, roles=roles, reason=reason)
    if person is not None:
        _link_directory_entry(actor, partnership, user, person)
    return AccountChange(user=user, requests=requests, created=created)


def _link_directory_entry(actor, partnership, user, person) -> None:
    """Make ``person`` (or nobody) the directory entry of ``user`` in ``partnership``."""
    from prevent_hub.directory.models import Person

    if person is None:
        for linked in Person.objects.filter(partnership=partnership, user=user):
            person_link(actor=actor, person=linked, user=None)
    elif person.partnership_id == partnership.pk:
        person_link(actor=actor, person=person, user=user)


def invitation_url(user: User) -> str:
    """A link for a new account to choose its password (allauth's reset-from-key page, valid for its timeout)."""
    from allauth.account import app_settings as account_settings
    from allauth.account.utils import user_pk_to_url_str

    key = f"{user_pk_to_url_str(user)}-{account_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"}).replace("UID-KEY", key)
    return settings.SITE_URL.rstrip("/") + path


def _send_added_to_partnership(*, user, partnership) -> None:
    """Tell someone who already has an account that they now have a role in ``partnership``."""
    context = {"user": user, "partnership": partnership, "site_url": settings.SITE_URL}
    transaction.on_commit(lambda: _mail(
        _("You have been given access to %(partnership)s") % {"partnership": partnership},
        "accounts/email/added_to_partnership.txt", context, [user.email], sender=partnership.sender()))


def _send_invitation(*, user: User, partnership, invited_by) -> None:
    """Email a new account its invitation once the transaction that made it has committed."""
    def send():
        _mail(_("You are invited to the Prevent Partnership Hub"), "accounts/email/invitation.txt",
              {"user": user, "partnership": partnership, "invited_by": invited_by, "link": invitation_url(user),
               "site_url": settings.SITE_URL}, [user.email], sender=partnership.sender())

    transaction.on_commit(send)


@transaction.atomic
def person_invite(*, actor, person) -> AccountChange:
    """Give a directory person an account to sign in with, linked to their entry: "invite this person".

    A coordinator may do this for the people in their directory. The account gets the action owner
    role (and Prevent lead, when the person is a current lead), never a case role; its holder sets a
    password through the emailed link and a second factor at their first sign-in. An address that
    already has an account is linked to it and told, as when an administrator adds a user.
    """
    from prevent_hub.directory.models import Person

    partnership = person.partnership
    if not has_perm(actor, "directory.invite_person", partnership):
        raise AccountRuleError(_("Only the partnership's coordinators can invite people to sign in."))
    if not person.email:
        raise AccountRuleError(_("%(name)s has no email address. Add one to their entry first: the invitation "
                                 "goes there.") % {"name": person})
    if person.user_id:
        raise AccountRuleError(_("%(name)s can already sign in.") % {"name": person})
    user = User.objects.filter(email__iexact=person.email).first()
    created = user is None
    if created:
        user = User(email=User.objects.normalize_email(person.email).lower(), full_name=person.name)
        user.set_unusable_password()
        object_create(actor=actor, instance=user)
        user_email_confirm(user=user)
        _send_invitation(user=user, partnership=partnership, invited_by=actor)
    else:
        _send_added_to_partnership(user=user, partnership=partnership)
    roles = {Role.ACTION_OWNER} | ({Role.PREVENT_LEAD} if selectors.is_current_lead(person) else set())
    held = set(Membership.objects.filter(user=user, partnership=partnership).values_list("role", flat=True))
    for role in sorted(roles - held):
        assert role not in CASE_ACCESS_ROLES  # an invitation never opens case records
        object_create(actor=actor, instance=Membership(user=user, partnership=partnership, role=role))
    person = Person.objects.select_for_update().get(pk=person.pk)
    person.user = user
    object_update(actor=actor, instance=person, expected_version=None)
    forget_memberships(user)
    return AccountChange(user=user, created=created)


@transaction.atomic
def person_link(*, actor, person, user: User | None) -> None:
    """Link (or unlink, with None) a directory entry and a user account of the same partnership.

    An account is linked to at most one entry per partnership: linking it here unlinks any other.
    """
    from prevent_hub.directory.models import Person

    if user is not None and not Membership.objects.filter(user=user, partnership=person.partnership).exists():
        raise AccountRuleError(_("That account has no role in this partnership."))
    if user is not None:
        for other in Person.objects.filter(partnership=person.partnership, user=user).exclude(pk=person.pk):
            other.user = None
            object_update(actor=actor, instance=other, expected_version=None)
    if person.user_id != (user.pk if user else None):
        person.user = user
        object_update(actor=actor, instance=person, expected_version=None)


@transaction.atomic
def user_change(*, actor, partnership, user: User, full_name: str, email: str, roles=None, reason: str = "",
                expected_version: int | None = None, person=UNCHANGED) -> AccountChange:
    """Change an account's name, address (through a confirmed link) and, unless ``roles`` is None, its roles here.

    Raises ConflictError if someone saved the account since ``expected_version``.
    """
    stored = User.objects.get(pk=user.pk)
    if stored.full_name != full_name or stored.email != email.lower():
        _require_account_admin(actor, stored)
    user.full_name, user.email = full_name, stored.email  # the address changes only when its link is followed
    user, _changed = object_update(actor=actor, instance=user, expected_version=expected_version)
    result = AccountChange(user=user)
    if roles is not None:
        result.requests = user_set_roles(actor=actor, partnership=partnership, user=user, roles=roles, reason=reason)
    if person is not UNCHANGED:
        _link_directory_entry(actor, partnership, user, person)
    if email.lower() != stored.email:
        change = email_change_request(actor=actor, user=user, new_email=email, reason=reason, partnership=partnership)
        if isinstance(change, CaseAccessRequest):
            result.requests.append(change)
        else:
            result.email_change = change
    return result


# Roles ------------------------------------------------------------------------------------------

@transaction.atomic
def user_set_roles(*, actor, partnership, user: User, roles, reason: str = "") -> list[CaseAccessRequest]:
    """Make ``roles`` the roles ``user`` holds in ``partnership``, except case roles newly asked for.

    Roles taken away go at once (effective on the next request). A case role is given straight
    away only by the platform operator (``actor=None``); asked for by anyone else it becomes a
    request for the case team to approve, and the Channel chair is told. Returns the requests made.
    """
    if actor is not None and actor.pk == user.pk:
        raise AccountRuleError(_("You cannot change your own roles. Ask another administrator."))
    if actor is not None and not has_perm(actor, "accounts.change_user", partnership):
        raise AccountRuleError(_("Only a system administrator of this partnership can change its roles."))
    wanted = {Role(role) for role in roles}
    held = {Role(m.role): m for m in Membership.objects.filter(user=user, partnership=partnership)}
    for role, membership in held.items():
        if role not in wanted:
            object_delete(actor=actor, instance=membership)
    requests = []
    for role in sorted(wanted - set(held)):
        if role in CASE_ACCESS_ROLES and actor is not None:
            requests.append(_request(actor=actor, partnership=partnership, user=user,
                                     kind=CaseAccessRequest.Kind.GRANT_ROLE, role=role, reason=reason))
        else:
            object_create(actor=actor, instance=Membership(user=user, partnership=partnership, role=role))
    forget_memberships(user)
    return requests


def _request(*, actor, partnership, user, kind, role="", new_email="", reason="") -> CaseAccessRequest:
    pending = CaseAccessRequest.objects.filter(partnership=partnership, user=user, kind=kind, role=role,
                                               status=CaseAccessRequest.Status.PENDING)
    existing = pending.first()
    if existing is not None and existing.new_email == new_email:
        return existing
    if existing is not None:  # a newer address replaces the one still waiting
        _close(actor, existing, CaseAccessRequest.Status.WITHDRAWN)
    access_request = object_create(actor=actor, instance=CaseAccessRequest(
        partnership=partnership, user=user, kind=kind, role=role, new_email=new_email, reason=reason,
        requested_by=actor))
    security_log.info("case access requested kind=%s user=%s by=%s", kind, user.pk, actor.pk)
    transaction.on_commit(lambda: _tell_the_case_team(access_request, "accounts/email/access_requested.txt"))
    return access_request


def _close(actor, access_request, status) -> CaseAccessRequest:
    access_request.status, access_request.decided_by, access_request.decided_at = status, actor, timezone.now()
    object_update(actor=actor, instance=access_request, expected_version=None)
    return access_request


@transaction.atomic
def access_request_decide(*, actor, access_request: CaseAccessRequest, approve: bool) -> CaseAccessRequest:
    """Approve (and carry out) or reject a request; the asker and the account holder cannot decide it."""
    access_request = CaseAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if not has_perm(actor, "accounts.decide_caseaccessrequest", access_request.partnership_id):
        raise AccountRuleError(_("Only a member of the case team can decide this request."))
    if access_request.status != CaseAccessRequest.Status.PENDING:
        raise AccountRuleError(_("This request has already been decided."))
    if actor.pk in (access_request.requested_by_id, access_request.user_id):
        raise AccountRuleError(_("A second person must decide: not the one who asked, nor the account's holder."))
    if approve:
        _carry_out(actor, access_request)
    _close(actor, access_request, CaseAccessRequest.Status.APPROVED if approve else CaseAccessRequest.Status.REJECTED)
    security_log.info("case access %s kind=%s user=%s by=%s", "approved" if approve else "rejected",
                      access_request.kind, access_request.user_id, actor.pk)
    transaction.on_commit(lambda: _tell_the_case_team(access_request, "accounts/email/access_decided.txt",
                                                      also=[access_request.requested_by.email]))
    return access_request


def _carry_out(actor, access_request: CaseAccessRequest) -> None:
    user = access_request.user
    if access_request.kind == CaseAccessRequest.Kind.GRANT_ROLE:
        if not Membership.objects.filter(user=user, partnership_id=access_request.partnership_id,
                                         role=access_request.role).exists():
            object_create(actor=actor, instance=Membership(user=user, partnership_id=access_request.partnership_id,
                                                           role=access_request.role))
    elif access_request.kind == CaseAccessRequest.Kind.CHANGE_EMAIL:
        _email_change_start(actor=access_request.requested_by, user=user, new_email=access_request.new_email)
    else:
        _reset_mfa(actor=actor, user=user)


@transaction.atomic
def access_request_withdraw(*, actor, access_request: CaseAccessRequest) -> CaseAccessRequest:
    access_request = CaseAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != CaseAccessRequest.Status.PENDING:
        raise AccountRuleError(_("This request has already been decided."))
    return _close(actor, access_request, CaseAccessRequest.Status.WITHDRAWN)


def _tell_the_case_team(access_request, template: str, also=()) -> None:
    recipients = set(selectors.channel_chair_emails(access_request.partnership_id)) | set(also)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "channel:approval_list", kwargs={"partnership": access_request.partnership.slug})
    _mail(_("Case access: %(request)s") % {"request": access_request}, template,
          {"access_request": access_request, "link": link}, sorted(recipients))


# Email address --------------------------------------------------------------------------------

@transaction.atomic
def email_change_request(*, actor, user: User, new_email: str, reason: str = "", partnership=None):
    """Ask for ``user``'s address to become ``new_email``; return the EmailChange or CaseAccessRequest made.

    The new address must confirm through a link before anything changes, and the old one is told.
    On an account that opens case records the case team approves first.
    """
    _require_account_admin(actor, user)
    new_email = User.objects.normalize_email(new_email).lower()
    if _needs_second_person(actor, user):
        return _request(actor=actor, partnership=selectors.case_role_partnership(user, partnership), user=user,
                        kind=CaseAccessRequest.Kind.CHANGE_EMAIL, new_email=new_email, reason=reason)
    return _email_change_start(actor=actor, user=user, new_email=new_email)


def _email_change_start(*, actor, user: User, new_email: str) -> EmailChange:
    for open_change in EmailChange.objects.filter(user=user, confirmed_at__isnull=True, cancelled=False):
        open_change.cancelled = True
        object_update(actor=actor, instance=open_change, expected_version=None)
    token, token_hash = new_secret()
    change = object_create(actor=actor, instance=EmailChange(
        user=user, old_email=user.email, new_email=new_email, token_hash=token_hash, requested_by=actor,
        expires_at=timezone.now() + datetime.timedelta(hours=EMAIL_CHANGE_LINK_HOURS)))
    link = settings.SITE_URL.rstrip("/") + reverse("accounts:email_change_confirm", kwargs={"token": token})
    context = {"user": user, "change": change, "link": link, "requested_by": actor, "hours": EMAIL_CHANGE_LINK_HOURS}
    # An address another account uses gets no link (the change can never complete), but the asker
    # is answered as for any other address: changing an email is no way to find who has an account.
    taken = User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists()
    transaction.on_commit(lambda: (
        taken or _mail(_("Confirm your new email address"), "accounts/email/email_change_confirm.txt", context,
                       [new_email]),
        _mail(_("Your email address is being changed"), "accounts/email/email_change_notice.txt", context,
              [change.old_email]),
    ))
    security_log.info("email change requested user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return change


def email_change_for_token(token: str) -> EmailChange | None:
    """Return the open change behind ``token`` (None if unknown, used, cancelled or expired)."""
    change = EmailChange.objects.select_related("user").filter(token_hash=secret_hash(token)).first()
    return change if change is not None and change.is_open else None


@transaction.atomic
def email_change_confirm(*, token: str) -> User | None:
    """Apply the change behind ``token``; return the account, or None if the link no longer works."""
    change = EmailChange.objects.select_for_update().filter(token_hash=secret_hash(token)).first()
    if change is None or not change.is_open:
        return None
    user = User.objects.select_for_update().get(pk=change.user_id)
    if User.objects.filter(email__iexact=change.new_email).exclude(pk=user.pk).exists() or user.email != change.old_email:
        change.cancelled = True
        object_update(actor=None, instance=change, expected_version=None)
        return None
    change.confirmed_at = timezone.now()
    object_update(actor=user, instance=change, expected_version=None)
    user.email = change.new_email
    object_update(actor=user, instance=user, expected_version=None)
    user_email_confirm(user=user)
    context = {"user": user, "change": change}
    transaction.on_commit(lambda: _mail(_("Your email address has been changed"),
                                        "accounts/email/email_changed.txt", context, [change.old_email]))
    security_log.info("email changed user=%s", user.pk)
    return user


# Sign-in and second factor ----------------------------------------------------------------------

def _end_sessions(user: User) -> None:
    # Changing the token changes the session hash, so every existing session fails
    # Django's check on its very next request.
    user.rotate_session_token()


@transaction.atomic
def user_disable(*, actor, user: User) -> User:
    _require_account_admin(actor, user)
    user.is_active = False
    _end_sessions(user)
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("user disabled user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_enable(*, actor, user: User) -> User:
    _require_account_admin(actor, user)
    user.is_active = True
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("user enabled user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_sign_out_everywhere(*, actor, user: User) -> User:
    if actor is None or actor.pk != user.pk:  # anyone may end their own sessions
        _require_account_admin(actor, user)
    _end_sessions(user)
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("sessions ended user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return user


@transaction.atomic
def user_reset_mfa(*, actor, user: User, partnership=None, reason: str = ""):
    """Remove every second factor (they set one up again at their next sign-in); return how many.

    On an account that opens case records, return the request for the case team instead.
    """
    _require_account_admin(actor, user)
    if _needs_second_person(actor, user):
        return _request(actor=actor, partnership=selectors.case_role_partnership(user, partnership), user=user,
                        kind=CaseAccessRequest.Kind.RESET_MFA, reason=reason)
    return _reset_mfa(actor=actor, user=user)


def _reset_mfa(*, actor, user: User) -> int:
    authenticators = list(Authenticator.objects.filter(user=user))
    for authenticator in authenticators:
        object_delete(actor=actor, instance=authenticator)
    _end_sessions(user)
    object_update(actor=actor, instance=user, expected_version=None)
    security_log.info("mfa reset user=%s by=%s", user.pk, getattr(actor, "pk", None))
    return len(authenticators)


# Mail -------------------------------------------------------------------------------------------

def _mail(subject: str, template: str, context: dict, recipients, sender=None) -> bool:
    recipients = [address for address in recipients if address]
    if not recipients:
        return False
    try:
        send_mail(subject, render_to_string(template, context), sender, recipients)
        return True
    except (OSError, smtplib.SMTPException) as error:
        mail_log.error("An account email could not be sent (%s).", type(error).__name__)
        return False
