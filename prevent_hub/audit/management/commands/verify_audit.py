"""Check the audit logs: ``manage.py verify_audit [--log change|access] [--expect-head [SEQ:]HASH]``.

Each log's hash chain, its signed head and every anchor in AUDIT_ANCHOR_FILE
(``services.verify_chain``): a log cut short, emptied or rewritten fails without
``--expect-head``, which remains for checking against a head kept anywhere else.
"""
from django.core.management.base import BaseCommand, CommandError

from prevent_hub.audit.services import LOGS, describe, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the change log and access log: hash chains, signed heads and anchors. "
        "Exits with status 1 if either fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--log", choices=sorted(LOGS), help="Verify only this log (default: both).")
        parser.add_argument(
            "--expect-head",
            metavar="[SEQ:]HASH",
            help=(
                "Also fail unless the chain's last entry has this hash (detects a truncated tail). "
                "With SEQ, the entry numbered SEQ must have it instead, for checking against a head "
                "exported earlier (see audit_head). Needs --log."
            ),
        )

    def handle(self, *args, log=None, expect_head=None, **options):
        if expect_head and not log:
            raise CommandError("--expect-head needs --log change or --log access.")
        failed = False
        for name in [log] if log else sorted(LOGS):
            model = LOGS[name]
            result = verify_chain(model)
            if not result.ok:
                failed = True
                self.stderr.write(describe(name, result))
                continue
            problem = expect_head and self._head_problem(model, result, expect_head)
            if problem:
                failed = True
                self.stderr.write(f"{name} log: FAILED: {problem} ({result.rows_checked} rows checked)")
                continue
            self.stdout.write(describe(name, result))
        if failed:
            raise CommandError("An audit log did not verify.", returncode=1)

    @staticmethod
    def _head_problem(model, result, expected: str) -> str:
        seq_text, _, hash_text = expected.rpartition(":")
        if not seq_text:
            if result.last_hash != hash_text:
                return f"last hash {result.last_hash or '(empty log)'} is not the expected head {hash_text}"
            return ""
        try:
            seq = int(seq_text)
        except ValueError:
            raise CommandError("--expect-head must be HASH or SEQ:HASH.") from None
        stored = model.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if stored is None:
            return f"entry {seq} of the exported head is missing (log truncated?)"
        if stored != hash_text:
            return f"entry {seq} has hash {stored}, not the exported {hash_text}"
        return ""
