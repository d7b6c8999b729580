"""The daily audit check: ``manage.py audit_daily`` (run it from cron once a day).

Verifies both logs against their signed heads and AUDIT_ANCHOR_FILE, then anchors each
log that verified. When one fails it is not anchored, the failure goes to the
``prevent_hub.security`` log, every active holder of AUDIT_ALERT_ROLES is emailed the
log's name and the problem (never an entry's content), and the command exits with status 1.
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.audit.services import LOGS, anchor_heads, describe, security_log, send_alert, verify_chain


class Command(BaseCommand):
    help = "Verify both audit logs, anchor their heads, and email the alert roles if either fails."

    def handle(self, *args, **options):
        if not settings.AUDIT_ANCHOR_FILE:
            raise CommandError("AUDIT_ANCHOR_FILE is not set: the daily check needs its anchors.")
        results = {name: verify_chain(model) for name, model in LOGS.items()}
        passed = {LOGS[name]: result for name, result in results.items() if result.ok}
        failures = {name: result for name, result in results.items() if not result.ok}
        for name, result in results.items():
            (self.stdout if result.ok else self.stderr).write(describe(name, result))
        if passed:
            for anchor in anchor_heads(passed):
                self.stdout.write(f"Anchored {anchor['log']} at seq {anchor['seq']} in {settings.AUDIT_ANCHOR_FILE}")
        if failures:
            for name, result in failures.items():
                security_log.error("Daily audit check: %s", describe(name, result))
            recipients = send_alert(failures)
            roles = ", ".join(settings.AUDIT_ALERT_ROLES)
            self.stderr.write(f"Alert emailed to {len(recipients)} holder(s) of {roles}.")
            raise CommandError("The daily audit check failed.", returncode=1)
