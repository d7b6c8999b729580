"""manage.py import_referrals FILE --partnership SLUG [--dry-run]: load referral records (CSV or XLSX).

Every row is checked first; with any error nothing is saved and each error is listed with its row (a value
that is not a category once, with every row it is in and the nearest category). Values the partnership
chose a category for at an earlier import (on the web import page) are matched the same way here.
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prevent_hub.core.progress import ProgressBar
from prevent_hub.directory.models import Partnership
from prevent_hub.insights.importers import ReferralImporter


class Command(BaseCommand):
    help = "Import referral records for the statistics (format: docs/user-guide.md, Referral statistics)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--partnership", required=True, help="the partnership's slug")
        parser.add_argument("--dry-run", action="store_true", help="check the file and save nothing")

    def handle(self, *args, **options):
        partnership = Partnership.objects.filter(slug=options["partnership"]).first()
        if partnership is None:
            raise CommandError(f"There is no partnership '{options['partnership']}'.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        importer = ReferralImporter()
        result = importer.check(path.read_bytes(), path.name, partnership,
                                options={"value_map": importer.remembered(partnership)})
        if result.problem:
            raise CommandError(result.problem)
        if result.errors:
            for error in result.errors[:200]:
                self.stderr.write(str(error))
            more = len(result.errors) - 200
            raise CommandError(f"{len(result.errors)} problem(s) found{f' ({more} more not listed)' if more > 0 else ''}; "
                               "nothing was imported.")
        for item in result.details.get("mapped", ()):
            self.stdout.write(f"{item.label}: '{item.value}' read as '{item.category_label()}', as chosen at an earlier "
                              f"import ({item.rows_text}).")
        if options["dry_run"]:
            self.stdout.write(f"{len(result.rows)} referrals checked; nothing saved (--dry-run).")
            return
        with ProgressBar(len(result.rows), "Saving referrals", stream=self.stderr) as bar:
            summary = importer.apply(result, actor=None, partnership=partnership, filename=path.name, progress=bar)
        self.stdout.write(f"Imported {summary['created']} referrals into {partnership.name}.")
