"""manage.py fold_change_counts: fold each table's write counts into one row (core.changes).

Run it daily. Pages cached under a fingerprint (core.caching) read the total of a table's count
rows; folding keeps that a short sum. Totals do not change, so nothing cached is invalidated.
"""
from django.core.management.base import BaseCommand

from prevent_hub.core.changes import fold_all, unfolded
from prevent_hub.core.progress import ProgressBar


class Command(BaseCommand):
    help = "Fold the write counts of partnership-scoped tables (keeps cache fingerprints quick to read)."

    def handle(self, *args, **options):
        with ProgressBar(len(unfolded()), "Folding write counts", stream=self.stderr) as bar:
            folded = fold_all(progress=bar)
        self.stdout.write(f"Folded the counts of {folded} table(s).")
