"""The Warwickshire Prevent Action Plan 2015 – 2018 (2017 – 2018 version), from the public seed, as demo data."""
from pathlib import Path

from django.db import transaction

from .models import PlanVersion
from .parsing import parse_plan
from .selectors import DirectoryIndex
from .services import plan_import

SEED = Path(__file__).parent / "demo" / "warwickshire-prevent-action-plan-2017-18.txt"


@transaction.atomic
def load_warwickshire_plan(partnership, *, actor=None) -> PlanVersion | None:
    """Import the seed plan unless this version is already there. Returns the new version, or None."""
    index = DirectoryIndex.load(partnership)
    parsed = parse_plan(SEED.read_bytes(), SEED.name, vocabulary=index.vocabulary())
    exists = PlanVersion.objects.filter(
        partnership=partnership, plan__title__iexact=parsed.title, label__iexact=parsed.version_label
    ).exists()
    if exists:
        return None
    return plan_import(actor=actor, partnership=partnership, parsed=parsed, source_name=SEED.name)
