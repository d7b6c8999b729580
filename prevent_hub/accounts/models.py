import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.models import TimestampedModel
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
