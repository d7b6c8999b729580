"""Checking uploaded documents (evidence, meeting papers): allowed types by name and by content, and size."""
from pathlib import Path

from django import forms
from django.utils.translation import gettext as _

from . import tabular

DOCUMENT_TYPES = {
    # extension: the bytes such a file starts with (None: plain text, checked for NUL bytes)
    ".pdf": b"%PDF-",
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
    ".pptx": b"PK\x03\x04",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".txt": None,
    ".csv": None,
}


def check_document(upload, *, max_bytes: int, what: str = "file"):
    """Return ``upload`` if it is an allowed document; raise a ValidationError that says what is wrong."""
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("The %(what)s must be smaller than %(limit)s.") % {"what": what, "limit": tabular.human_size(max_bytes)})
    extension = Path(upload.name).suffix.lower()
    if extension not in DOCUMENT_TYPES:
        raise forms.ValidationError(
            _("The %(what)s must be one of these types: %(allowed)s.")
            % {"what": what, "allowed": ", ".join(sorted(DOCUMENT_TYPES))})
    head = upload.read(2048)
    upload.seek(0)
    signature = DOCUMENT_TYPES[extension]
    if (signature is None and b"\x00" in head) or (signature is not None and not head.startswith(signature)):
        raise forms.ValidationError(
            _("The file is named %(extension)s but its content is something else.") % {"extension": extension})
    return upload
