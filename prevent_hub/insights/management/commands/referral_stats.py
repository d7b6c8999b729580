"""manage.py referral_stats --partnership SLUG --year YYYY [--json] [--unsuppressed]

The statistics page's tables for the financial year starting in April of YYYY. Small numbers are
hidden exactly as on the page for readers outside the case team; --unsuppressed shows the full
local figures, for the case team's own checks.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from prevent_hub.directory.models import Partnership
from prevent_hub.insights.selectors import statistics_report


class Command(BaseCommand):
    help = "Print a partnership's referral statistics for one financial year."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", required=True)
        parser.add_argument("--year", required=True, type=int, help="the year the financial year starts (April)")
        parser.add_argument("--json", action="store_true", help="every table as JSON")
        parser.add_argument("--unsuppressed", action="store_true", help="show small numbers (case team only)")

    def handle(self, *args, **options):
        partnership = Partnership.objects.filter(slug=options["partnership"]).first()
        if partnership is None:
            raise CommandError(f"There is no partnership '{options['partnership']}'.")
        if not 2000 <= options["year"] <= 2100:
            raise CommandError("--year is the year a financial year starts, like 2024.")
        report = statistics_report(partnership, options["year"], unsuppressed=options["unsuppressed"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=1))
            return
        self.stdout.write(f"Referral statistics, {partnership.name}, {report.year_label}"
                          + ("" if report.unsuppressed else f" (counts below {report.threshold} hidden)"))
        for table in report.tables:
            self.stdout.write(f"\n{table.title}")
            width = max(len(label) for label in table.row_labels) + 2
            self.stdout.write(" " * width + "  ".join(f"{c:>10}" for c in table.col_labels))
            for label, cells in zip(table.row_labels, table.display, strict=True):
                self.stdout.write(f"{label:<{width}}" + "  ".join(f"{c:>10}" for c in cells))
