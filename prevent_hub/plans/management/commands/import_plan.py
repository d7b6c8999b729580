"""manage.py import_plan FILE [--partnership SLUG] [--dry-run] [--json] [--map HEADING=FIELD ...]"""
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prevent_hub.directory.models import Partnership
from prevent_hub.plans.parsing import FIELDS, ParsedPlan, PlanError, parse_plan
from prevent_hub.plans.selectors import DirectoryIndex, proposals_for
from prevent_hub.plans.services import plan_import


class Command(BaseCommand):
    help = "Import an action plan from a text, Word (.docx), Excel (.xlsx) or CSV file. See docs/plan-import.md."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--partnership", help="the partnership's short web name (needed unless --dry-run)")
        parser.add_argument("--dry-run", action="store_true", help="parse and report; save nothing")
        parser.add_argument("--json", action="store_true", help="print the parsed plan as JSON on stdout")
        parser.add_argument(
            "--map", action="append", default=[], metavar="HEADING=FIELD",
            help=f"say which column holds what when the headings are not recognised; FIELD is one of {', '.join(FIELDS)}",
        )
        parser.add_argument("--no-create", action="store_true", help="don't add missing people and organisations")
        parser.add_argument("--title", help="the plan's title, for files that do not say it (a spreadsheet, say)")
        parser.add_argument("--version-label", help="the version's label, for example '2018 – 2019 Version'")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        partnership = None
        if options["partnership"]:
            partnership = Partnership.objects.filter(slug=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"There is no partnership '{options['partnership']}'.")
        elif not options["dry_run"]:
            raise CommandError("Say which partnership the plan belongs to with --partnership, or use --dry-run.")
        mapping = self._mapping(options["map"])
        index = DirectoryIndex.load(partnership)
        try:
            corrections = {"title": options["title"] or "", "version_label": options["version_label"] or ""}
            parsed = parse_plan(path.read_bytes(), path.name, vocabulary=index.vocabulary(), mapping=mapping,
                                corrections=corrections)
        except PlanError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(parsed.to_json(), indent=2, ensure_ascii=False))
        else:
            self._summary(parsed, index)
        if options["dry_run"]:
            self.stderr.write("Dry run: nothing was saved.")
            return
        try:
            version = plan_import(actor=None, partnership=partnership, parsed=parsed, source_name=path.name,
                                  create_missing=not options["no_create"])
        except PlanError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(f"Imported {version} with {len(parsed.actions)} actions.")

    def _mapping(self, pairs) -> dict[str, str] | None:
        mapping = {}
        for pair in pairs:
            heading, _, field = pair.rpartition("=")
            if not heading or field not in FIELDS:
                raise CommandError(f"--map takes HEADING=FIELD with FIELD one of {', '.join(FIELDS)}; got '{pair}'.")
            mapping[heading] = field
        return mapping or None

    def _summary(self, parsed: ParsedPlan, index) -> None:
        out = self.stdout
        out.write(f"{parsed.title} {parsed.period_start}–{parsed.period_end} ({parsed.version_label or 'no version label'})")
        for theme in parsed.themes:
            out.write(f"  {theme.number}. {theme.title}: {len(theme.actions)} actions")
            for action in theme.actions:
                doubt = f"  [check: {', '.join(action.uncertain)}]" if action.uncertain else ""
                out.write(f"    {action.ref} {action.text[:70]}{doubt}")
        out.write(f"Glossary: {len(parsed.glossary)} terms. Specified authorities: {len(parsed.specified_authorities)}.")
        proposals = proposals_for(parsed, index)
        if proposals.people or proposals.organisations:
            out.write(f"Not in the directory yet: {', '.join(proposals.organisations + proposals.people)}")
        sys.stdout.flush()
