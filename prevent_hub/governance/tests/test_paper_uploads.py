"""Meeting papers are checked by their content, not their first bytes (core.uploads.check_document).

The finding: a meeting paper could be HTML named .txt, an HTML file behind a "PK" prefix named .docx, or a
zip bomb named .docx. Each hostile sample goes through the upload page here and must be refused with a message
naming the problem, leaving no row and no file; real documents are still accepted.
"""
import io
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import row_counts, user_with
from prevent_hub.governance.models import Group, Meeting, MeetingPaper

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def word_document(text="Minutes of the Prevent Steering Group") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, **parts: bytes) -> bytes:
    """``data`` (a ZIP) with some parts replaced or added: keyword names use __ for /, e.g. word__document_xml."""
    replace = {name.replace("__", "/").replace("_xml", ".xml").replace("_bin", ".bin"): body
               for name, body in parts.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replace.pop(entry.filename, None) or source.read(entry))
        for name, body in replace.items():
            target.writestr(name, body)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A .docx with everything a Word document has, plus 20 MB of zeros that compress to about 20 KB."""
    return rewritten(word_document(), word__media__padding_bin=b"\0" * (20 * MB))


def with_dtd() -> bytes:
    data = word_document()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml")
    prolog, rest = body.split(b"?>", 1)
    hostile = prolog + b'?>\n<!-- a comment to push the declaration down ' + b"x" * 5000 + b' -->\n' \
        + b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest
    return rewritten(data, word__document_xml=hostile)


def pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(string="<h1>Terms of reference</h1><p>Agreed.</p>").write_pdf()


def not_word() -> bytes:
    """A real Office package, but a workbook: no word/document.xml."""
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


HOSTILE = [
    ("agenda.txt", lambda: b"<html><body><script>alert(document.cookie)</script></body></html>",
     "is named .txt but contains web page code (HTML, SVG or script)"),
    ("notes.txt", lambda: b"Item 1: apologies\nItem 2: <svg onload=alert(1)></svg>\n",
     "is named .txt but contains web page code (HTML, SVG or script)"),
    ("figures.csv", lambda: b"\xef\xbb\xbf  <!DOCTYPE html><p>not figures</p>",
     "is named .csv but contains web page code"),
    ("binary.txt", lambda: b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "is named .txt but is not plain text"),
    ("minutes.docx", lambda: b"PK\x03\x04<html><body><script>alert(1)</script></body></html>",
     "is named .docx but is not a Word document"),
    ("workbook.docx", not_word, "is named .docx but is not a Word document"),
    ("bomb.docx", zip_bomb, "is compressed far more than a real document can be"),
    ("dtd.docx", with_dtd, "contains an XML document type declaration (DTD)"),
    ("report.pdf", lambda: b"<html>%PDF-1.7</html>", "is named .pdf but is not a PDF"),
    ("photo.png", lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", "is named .png but is not a PNG image"),
]


@pytest.fixture
def paper_page(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    partnership = PartnershipFactory(slug="alpha")
    group = Group.objects.create(partnership=partnership, name="Strategy Group", kind="strategy_group",
                                 cadence="quarterly")
    meeting = Meeting.objects.create(partnership=partnership, group=group, starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, partnership))
    return reverse("governance:meeting_papers", kwargs={"partnership": "alpha", "pk": meeting.pk}), tmp_path


def upload(client, url, name, data):
    return client.post(url, {"title": "Agenda item", "file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.mark.parametrize(("name", "make", "message"), HOSTILE, ids=[name for name, _, _ in HOSTILE])
def test_a_hostile_paper_is_refused_with_the_reason_and_nothing_is_stored(client, paper_page, name, make, message):
    url, media = paper_page
    before = row_counts()
    response = upload(client, url, name, make())
    assert response.status_code == 400  # the meeting's page again, the reason by the file field
    assert message in response.content.decode() and 'href="#id_file"' in response.content.decode()
    assert row_counts() == before and not MeetingPaper.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.parametrize(("name", "make"), [
    ("minutes.docx", word_document),
    ("terms.pdf", pdf),
    ("actions.txt", lambda: "Actions: Jo to write to the school; a < b and b > c.\r\n".encode("cp1252")),
    ("attendance.csv", lambda: b"\xef\xbb\xbfOrganisation,Attended\nCouncil,Yes\n"),
])
def test_a_real_document_is_accepted(client, paper_page, name, make):
    url, media = paper_page
    data = make()
    response = upload(client, url, name, data)
    assert "Paper “Agenda item” added." in response.content.decode()
    paper = MeetingPaper.objects.get()
    assert paper.file.name.endswith(name.rsplit(".", 1)[1]) and paper.file.read() == data
    assert [path for path in media.rglob("*") if path.is_file()]


def test_the_bomb_is_small_on_the_wire():
    assert len(zip_bomb()) < 200 * 1024
