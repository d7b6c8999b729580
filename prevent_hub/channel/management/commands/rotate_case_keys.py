"""manage.py rotate_case_keys: re-encrypt every encrypted case field under the newest key.

Put the new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it), run
this, then remove the old keys. Each table is re-encrypted in batches, each batch
in one transaction; running it twice is harmless.
"""
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from prevent_hub.channel.crypto import encrypted_fields
from prevent_hub.core.progress import ProgressBar

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted case field under the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_app_config("channel").get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            names = [field.attname for field in fields]
            rows = model._base_manager.count()
            with ProgressBar(rows, model._meta.verbose_name_plural.capitalize(), stream=self.stderr) as bar:
                pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
                for start in range(0, len(pks), BATCH):
                    total += self._rotate(model, names, pks[start:start + BATCH])
                    bar.advance(len(pks[start:start + BATCH]))
        self.stdout.write(f"Re-encrypted {total} values.")

    @staticmethod
    @transaction.atomic
    def _rotate(model, names, pks) -> int:
        # Reading decrypts with whichever key fits; update() encrypts with the newest. The
        # values themselves do not change, so this is not a change to log.
        changed = 0
        for pk, *values in model._base_manager.select_for_update().filter(pk__in=pks).values_list("pk", *names):
            model._base_manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
            changed += sum(1 for value in values if value not in (None, ""))
        return changed
