"""Read action plans from text, Word, Excel and CSV files into a ParsedPlan (nothing is saved here)."""
from .layout import FIELD_LABELS, FIELDS, ColumnsNotRecognised, apply_corrections, assemble
from .owners import Vocabulary
from .readers import MAX_BYTES, read_blocks
from .schema import ParsedPlan, PlanError


def parse_plan(data: bytes, filename: str, *, vocabulary: Vocabulary | None = None,
               mapping: dict[str, str] | None = None, corrections: dict | None = None,
               max_bytes: int = MAX_BYTES) -> ParsedPlan:
    """Parse an uploaded plan, or raise PlanError with a message for the person who uploaded it.

    ``corrections`` are what a person changed in the preview (see layout.apply_corrections).
    """
    source_format, blocks = read_blocks(data, filename, max_bytes=max_bytes)
    plan = assemble(blocks, source_format=source_format, vocabulary=vocabulary, mapping=mapping)
    if corrections:
        apply_corrections(plan, corrections, vocabulary)
    return plan


__all__ = [
    "FIELDS", "FIELD_LABELS", "ColumnsNotRecognised", "ParsedPlan", "PlanError", "Vocabulary", "parse_plan",
]
