from django.core.management.base import BaseCommand, CommandError

from prevent_hub.accounts.demo import DEMO_PASSWORD, create_demo_users
from prevent_hub.directory.models import Partnership


class Command(BaseCommand):
    help = "Create one demo user per role in a partnership (with TOTP set up) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", default="warwickshire")

    def handle(self, *args, partnership, **options):
        found = Partnership.objects.filter(slug=partnership).first()
        if found is None:
            raise CommandError(f"There is no partnership '{partnership}'. Run load_demo first.")
        users = create_demo_users(found)
        self.stdout.write("\nDemo users (password for all: %s)\n" % DEMO_PASSWORD)
        self.stdout.write(f"{'Role':<32} {'Email':<48} TOTP secret")
        for user, label, secret in users:
            self.stdout.write(f"{label:<32} {user.email:<48} {secret}")
        self.stdout.write(
            "\nEvery account needs a one-time code after the password. Either add the TOTP secret to an "
            "authenticator app, or print the current code with:\n"
            "  .venv/bin/python manage.py demo_totp coordinator@demo.prevent-hub.test\n"
        )
