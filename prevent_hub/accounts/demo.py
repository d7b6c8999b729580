"""Demo users: one per role in the demo partnership, each with TOTP already set up."""
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.db import transaction
from django.utils import timezone

from prevent_hub.core.roles import Role

from .models import Membership, User
from .services import user_create, user_email_confirm

DEMO_PASSWORD = "prevent-demo-2026"
DEMO_DOMAIN = "demo.prevent-hub.test"


def demo_email(role: Role) -> str:
    return f"{role.value.replace('_', '-')}@{DEMO_DOMAIN}"


@transaction.atomic
def create_demo_users(partnership) -> list[tuple[User, str, str]]:
    """Return (user, role label, TOTP secret) for every role, creating what is missing."""
    result = []
    for role in Role:
        email = demo_email(role)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                actor=None, partnership=partnership, email=email, full_name=f"Demo {role.label}",
                roles=[role.value], password=DEMO_PASSWORD,
            )
        elif not Membership.objects.filter(user=user, partnership=partnership, role=role).exists():
            Membership.objects.create(user=user, partnership=partnership, role=role)
        user_email_confirm(user=user)
        authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
        else:
            secret = decrypt(authenticator.data["secret"])
        result.append((user, role.label, secret))
    return result


def current_code(secret: str) -> str:
    from allauth.mfa import app_settings

    counter = int(timezone.now().timestamp()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
