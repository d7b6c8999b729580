"""Print the head (last seq and hash) of each audit log as JSON, for export to a separate store.

``audit_daily`` already keeps signed heads in AUDIT_ANCHOR_FILE, which ``verify_audit``
checks by itself. This is for keeping a head in yet another place: later,
``verify_audit --log change --expect-head SEQ:HASH`` proves nothing up to that entry
was rewritten or cut off.
"""
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.audit.services import chain_head


class Command(BaseCommand):
    help = "Print each audit log's last seq and hash as JSON."

    def handle(self, *args, **options):
        heads = {
            "exported_at": timezone.now().isoformat(),
            "change": chain_head(ChangeLog),
            "access": chain_head(AccessLog),
        }
        self.stdout.write(json.dumps(heads, sort_keys=True))
