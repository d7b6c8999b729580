"""Append each audit log's signed head to AUDIT_ANCHOR_FILE: ``manage.py anchor_audit [--log change|access]``.

A log is anchored only when it verifies (hash chain, signed head, earlier anchors); if
any does not, nothing is written and the command exits with status 1. ``audit_daily``
runs the same check and anchoring every day and alerts when it fails.

``--resign-head`` is for after an incident has been investigated: it signs each log's
head afresh at its last entry when the rows themselves chain (docs/architecture.md,
"Audit logs"), and writes no anchor.
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.audit.services import LOGS, anchor_heads, describe, resign_head, verify_chain


class Command(BaseCommand):
    help = "Verify the audit logs and append their signed heads to AUDIT_ANCHOR_FILE."

    def add_arguments(self, parser):
        parser.add_argument("--log", choices=sorted(LOGS), help="Anchor only this log (default: both).")
        parser.add_argument(
            "--resign-head",
            action="store_true",
            help="Sign each log's head afresh at its last entry if its rows chain (after an investigated incident).",
        )

    def handle(self, *args, log=None, resign_head=False, **options):
        names = [log] if log else sorted(LOGS)
        if resign_head:
            return self._resign(names)
        if not settings.AUDIT_ANCHOR_FILE:
            raise CommandError("AUDIT_ANCHOR_FILE is not set: there is nowhere to write anchors.")
        results = {name: verify_chain(LOGS[name]) for name in names}
        for name, result in results.items():
            (self.stdout if result.ok else self.stderr).write(describe(name, result))
        if not all(result.ok for result in results.values()):
            raise CommandError("An audit log did not verify, so nothing was anchored.", returncode=1)
        for anchor in anchor_heads({LOGS[name]: result for name, result in results.items()}):
            self.stdout.write(f"Anchored {anchor['log']} at seq {anchor['seq']} in {settings.AUDIT_ANCHOR_FILE}")

    def _resign(self, names):
        failed = False
        for name in names:
            result = resign_head(LOGS[name])
            if result.ok:
                self.stdout.write(f"{name} log: head signed afresh at seq {result.last_seq or 0}")
            else:
                failed = True
                self.stderr.write(describe(name, result))
        if failed:
            raise CommandError("A log's rows do not chain, so its head was not signed.", returncode=1)
