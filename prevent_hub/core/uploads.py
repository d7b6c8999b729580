"""Checking uploaded documents (evidence, meeting papers, report templates): allowed types by name, by content
and by size.

A file must be what its name says, read through, not just by its first bytes: an Office file must be an
Office Open XML package with its main part, within the same limits as a spreadsheet import (core.tabular:
parts, unpacked size, compression ratio, no DTD); a PDF must start as one; an image must carry its format's
signature; a text or CSV file must be text, and not a web page, SVG or script that a browser would run.
"""
import re
from pathlib import Path

from django import forms
from django.utils.translation import gettext as _

from . import tabular

# Office Open XML: the part every file of the kind has, and what a person calls such a file.
OFFICE_TYPES = {
    ".docx": ("word/document.xml", "a Word document"),
    ".xlsx": ("xl/workbook.xml", "an Excel workbook"),
    ".pptx": ("ppt/presentation.xml", "a PowerPoint presentation"),
}
SIGNATURES = {
    # extension: the bytes such a file starts with, and what a person calls it
    ".pdf": (b"%PDF-", "a PDF"),
    ".png": (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    ".jpg": (b"\xff\xd8\xff", "a JPEG image"),
    ".jpeg": (b"\xff\xd8\xff", "a JPEG image"),
}
TEXT_TYPES = (".txt", ".csv")
DOCUMENT_TYPES = (*OFFICE_TYPES, *SIGNATURES, *TEXT_TYPES)

# Control characters no text file has (tab, line feed, vertical tab, form feed and carriage return are fine).
_BINARY = re.compile("[\x00-\x08\x0e-\x1f]")
# Markup a browser would render or run if the file were ever shown as a page: a document that starts
# like HTML or XML (as browsers sniff it), or any of these elements anywhere in it.
_MARKUP_START = re.compile(r"\A\s*<[!?a-zA-Z]")
_MARKUP_ANYWHERE = re.compile(
    r"<\s*/?\s*(?:script|svg|html|head|body|iframe|frame|frameset|object|embed|applet|meta|link|base|style|form"
    r"|img|math|xml|!doctype)\b", re.IGNORECASE)


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
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    problem = content_problem(data, extension, what)
    if problem:
        raise forms.ValidationError(problem)
    return upload


def content_problem(data: bytes, extension: str, what: str = "file") -> str:
    """Why ``data`` is not a ``extension`` file (a sentence naming the problem), or ""."""
    names = {"what": what, "extension": extension}
    if not data:
        return _("The %(what)s is empty.") % names
    if extension in OFFICE_TYPES:
        return _office_problem(data, extension, names)
    if extension in SIGNATURES:
        signature, kind = SIGNATURES[extension]
        if not data.startswith(signature):
            return _("The %(what)s is named %(extension)s but is not %(kind)s.") % {**names, "kind": kind}
        return ""
    try:
        text = tabular.decode_text(data)
    except ValueError:
        return _("The %(what)s is named %(extension)s but is not plain text.") % names
    if _BINARY.search(text):
        return _("The %(what)s is named %(extension)s but is not plain text.") % names
    if _MARKUP_START.match(text.lstrip("\ufeff")) or _MARKUP_ANYWHERE.search(text):
        return _("The %(what)s is named %(extension)s but contains web page code (HTML, SVG or script), which a "
                 "text file must not.") % names
    return ""


def _office_problem(data: bytes, extension: str, names: dict) -> str:
    main_part, kind = OFFICE_TYPES[extension]
    names = {**names, "kind": kind, "limit": tabular.human_size(tabular.MAX_UNCOMPRESSED_BYTES)}
    try:
        tabular.check_package(data, main_part=main_part)
    except tabular.PackageError as error:
        messages = {
            tabular.PackageError.TOO_MANY_PARTS: _("The %(what)s has more parts inside it than a real document has."),
            tabular.PackageError.TOO_LARGE: _("The %(what)s unpacks to more than %(limit)s."),
            tabular.PackageError.OVERCOMPRESSED: _("The %(what)s is compressed far more than a real document can be "
                                                   "(it may be built to attack the server)."),
            tabular.PackageError.DTD: _("The %(what)s contains an XML document type declaration (DTD), which Office "
                                        "files never have."),
            tabular.PackageError.UNREADABLE: _("Part of the %(what)s cannot be read: it is damaged or has a "
                                               "password. Save it again without a password."),
        }
        default = _("The %(what)s is named %(extension)s but is not %(kind)s. Open it in Office and save it "
                    "again as %(extension)s.")
        return messages.get(error.reason, default) % names
    return ""
