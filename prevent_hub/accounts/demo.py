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
# Demo users who are also people in the demo directory: their actions are under My actions.
DEMO_PEOPLE = {
    Role.COORDINATOR: "Helene Heath",
    Role.ACTION_OWNER: "Paul Tolley",
    Role.PREVENT_LEAD: "Jordan Ellis",
    Role.CHANNEL_CHAIR: "Dan Green",
    Role.POLICE_PREVENT: "Manjit Sidhu",
}


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
        _link_person(partnership, user, DEMO_PEOPLE.get(role))
        result.append((user, role.label, secret))
    return result


def _link_person(partnership, user, name) -> None:
    from prevent_hub.directory.models import Person

    from .services import person_link

    person = Person.objects.filter(partnership=partnership, name=name, user__isnull=True).first() if name else None
    if person is not None and not Person.objects.filter(partnership=partnership, user=user).exists():
        person_link(actor=None, person=person, user=user)


def current_code(secret: str) -> str:
    from allauth.mfa import app_settings

    counter = int(timezone.now().timestamp()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
