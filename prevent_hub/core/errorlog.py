"""Unhandled errors in production: one line on stderr each, with nothing personal in it.

Django logs a request that ended in a 500 on ``django.request``: the message holds the URL path and
the exception carries its message. Link pages carry their secret token in the path, and an exception
message can carry record values, so ``RequestErrorFormatter`` writes neither. It writes the request
id (the X-Request-Id header and the change log's ``request_id``, core.middleware), the method, the
resolved view's name, the status, the exception's type and the traceback's frames (file, line and
function), which find the fault without saying whose data was involved. No query string, no
posted data, no exception message. ``config.settings.production`` wires it in (docs/architecture.md).
"""
import logging
import re
import traceback

from .context import current_request_id

_METHOD = re.compile(r"[A-Z]{1,10}")  # HTTP methods; anything else a client sent is not repeated


def _request_fields(request) -> dict[str, str]:
    if request is None:
        return {"request_id": current_request_id.get() or "-", "method": "-", "view": "-"}
    method = getattr(request, "method", None) or ""
    match = getattr(request, "resolver_match", None)
    return {
        "request_id": getattr(request, "id", None) or current_request_id.get() or "-",
        "method": method if _METHOD.fullmatch(method) else "-",
        "view": (match.view_name or "-") if match is not None else "-",
    }


def _type_name(exception_type) -> str:
    module = getattr(exception_type, "__module__", "")
    name = getattr(exception_type, "__qualname__", exception_type.__name__)
    return name if module in ("builtins", "") else f"{module}.{name}"


def _chain(exception) -> list[BaseException]:
    """The exception and those it was raised from or during, outermost first (at most five)."""
    seen = []
    while exception is not None and exception not in seen and len(seen) < 5:
        seen.append(exception)
        exception = exception.__cause__ or (None if exception.__suppress_context__ else exception.__context__)
    return seen


def _frames(exception) -> str:
    """File, line and function of each frame, as a traceback lists them (the one that raised last)."""
    return " > ".join(f"{frame.f_code.co_filename}:{line}:{frame.f_code.co_name}"
                      for frame, line in traceback.walk_tb(exception.__traceback__))


class RequestErrorFormatter(logging.Formatter):
    """Format a ``django.request`` (or ``django.security``) record as ``key=value`` fields on one line.

    The record's message and arguments are never read: they hold the path. Frames are listed as a
    traceback lists them; an exception raised from or during another is named after ``caused_by`` and
    its frames follow, after ``|``.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                  "logger": record.name, **_request_fields(getattr(record, "request", None)),
                  "status": str(getattr(record, "status_code", "-"))}
        exception = record.exc_info[1] if record.exc_info else None
        chain = _chain(exception)
        fields["exception"] = _type_name(type(chain[0])) if chain else "-"
        if len(chain) > 1:
            fields["caused_by"] = ",".join(_type_name(type(item)) for item in chain[1:])
        line = " ".join(f"{key}={value}" for key, value in fields.items())
        if chain:
            line += " frames=" + " | ".join(_frames(item) or "-" for item in chain)
        return line
