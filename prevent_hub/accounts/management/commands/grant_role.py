"""Give a user a role in a partnership as the platform operator: ``manage.py grant_role EMAIL ROLE --partnership SLUG``.

The way to appoint a partnership's first system administrator or first Channel chair, when
nobody in the hub can yet approve a case role (docs/security.md). The change log records it
as made by the system.
"""
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.accounts import services
from prevent_hub.accounts.models import Membership, User
from prevent_hub.core.roles import Role
from prevent_hub.directory.models import Partnership


class Command(BaseCommand):
    help = "Give an existing user a role in a partnership, with no approval step (platform operators only)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--partnership", required=True, help="The partnership's slug.")

    def handle(self, *args, email, role, partnership, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user has the email address {email}.")
        found = Partnership.objects.filter(slug=partnership).first()
        if found is None:
            raise CommandError(f"No partnership has the slug {partnership}.")
        held = set(Membership.objects.filter(user=user, partnership=found).values_list("role", flat=True))
        services.user_set_roles(actor=None, partnership=found, user=user, roles=held | {role})
        self.stdout.write(f"{user} now holds {Role(role).label} in {found}.")
