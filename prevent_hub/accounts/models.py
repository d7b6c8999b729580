import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.models import PartnershipScopedModel, TimestampedModel
from prevent_hub.core.roles import Role


def _new_session_token() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Identified by email; roles come from memberships."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    # Rotating this token invalidates every session at once ("sign out everywhere",
    # disabling a user): Django re-checks the session hash on each request.
    session_token = models.CharField(max_length=32, default=_new_session_token, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def get_session_auth_hash(self):
        key_salt = "prevent_hub.accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_token}", algorithm="sha256").hexdigest()

    def rotate_session_token(self):
        self.session_token = _new_session_token()


class Membership(TimestampedModel):
    """A role a user holds in one partnership."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    partnership = models.ForeignKey("directory.Partnership", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["partnership__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partnership", "role"], name="accounts_membership_unique_role")
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.partnership}"


class CaseAccessRequest(PartnershipScopedModel):
    """A change that would let someone open case records, waiting for a second person (docs/security.md).

    Granting a case role, and changing the email address or second factor of an account that
    holds one (the two steps of taking it over), are asked for by an administrator and carried
    out only when a member of the case team other than the asker and the account's holder
    approves.
    """

    class Kind(models.TextChoices):
        GRANT_ROLE = "grant_role", _("Give a case role")
        CHANGE_EMAIL = "change_email", _("Change the email address")
        RESET_MFA = "reset_mfa", _("Reset two-factor authentication")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    new_email = models.EmailField(_("new email address"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case access request")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "status"], name="accounts_accessreq_status_idx")]

    def __str__(self):
        if self.kind == self.Kind.GRANT_ROLE:
            return _("%(role)s for %(user)s") % {"role": self.get_role_display(), "user": self.user}
        return _("%(change)s of %(user)s") % {"change": self.get_kind_display(), "user": self.user}


class EmailChange(TimestampedModel):
    """A new address for an account, applied only when someone follows the link sent to it.

    The old address is told when the change is asked for and when it takes effect, so an
    account cannot be quietly moved to a mailbox its holder does not control.
    """

    audit_redact = ("token_hash",)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField(_("old email address"))
    new_email = models.EmailField(_("new email address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("email address change")
        ordering = ["-created_at"]

    def __str__(self):
        return _("New email address for %(user)s") % {"user": self.user}

    @property
    def is_open(self) -> bool:
        return self.confirmed_at is None and not self.cancelled and self.expires_at > timezone.now()
