"""Read action plans from text, Word, Excel and CSV files into a ParsedPlan (nothing is saved here)."""
from .layout import FIELD_LABELS, FIELDS, ColumnsNotRecognised, assemble
from .owners import Vocabulary
from .readers import MAX_BYTES, read_blocks
from .schema import ParsedPlan, PlanError


def parse_plan(data: bytes, filename: str, *, vocabulary: Vocabulary | None = None,
               mapping: dict[str, str] | None = None, max_bytes: int = MAX_BYTES) -> ParsedPlan:
    """Parse an uploaded plan, or raise PlanError with a message for the person who uploaded it."""
    source_format, blocks = read_blocks(data, filename, max_bytes=max_bytes)
    return assemble(blocks, source_format=source_format, vocabulary=vocabulary, mapping=mapping)


__all__ = [
    "FIELDS", "FIELD_LABELS", "ColumnsNotRecognised", "ParsedPlan", "PlanError", "Vocabulary", "parse_plan",
]
