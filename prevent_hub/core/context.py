"""Per-request context that the audit engine reads outside the view layer."""
import uuid
from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id() -> str:
    """Return the current request's id, or a fresh one for CLI and background work."""
    return current_request_id.get() or uuid.uuid4().hex
