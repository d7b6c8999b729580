"""The training register: role matrix, coverage figures, LMS imports, trainers' returns and anonymous feedback."""
import datetime as dt
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role
from prevent_hub.core.services import object_update
from prevent_hub.core.testing import coverage as url_coverage
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, ModelViewMatrix, change_log_rows, row_counts, user_with
from prevent_hub.core.testing.queries import computed_and_cached, part_and_queries
from prevent_hub.training import selectors, services
from prevent_hub.training.models import (
    Course,
    Feedback,
    HeadCount,
    LmsCompletion,
    SessionLink,
    Trainer,
    TrainingSession,
)

D = dt.date
R = Role
READERS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR, R.ACTION_OWNER, R.PREVENT_LEAD, R.CHANNEL_CHAIR, R.POLICE_PREVENT,
           R.PANEL_MEMBER, R.BOARD_VIEWER}
KEEPERS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR, R.PREVENT_LEAD}
EXPECTED = {"view": READERS, "export": READERS, "add": KEEPERS, "change": KEEPERS, "delete": KEEPERS,
            "import": KEEPERS, "history": {R.PARTNERSHIP_ADMIN, R.COORDINATOR}}


def make_course(partnership, name="WRAP"):
    return Course.objects.create(partnership=partnership, name=name, level="wrap")


def make_session(partnership, day=D(2017, 10, 10), course=None, **kwargs):
    return TrainingSession.objects.create(partnership=partnership, course=course or make_course(partnership), date=day,
                                          **kwargs)


class TestCourseViews(ModelViewMatrix):
    model = Course
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = EXPECTED

    def make(self, partnership, **kwargs):
        return make_course(partnership, **kwargs)

    def create_data(self, partnership):
        return {"name": "Beyond WRAP", "level": "beyond_wrap", "delivery": "in_person"}

    def change_data(self, obj):
        return {"name": obj.name, "level": "wrap3", "delivery": "online", "expected_version": obj.version}


class TestTrainerViews(ModelViewMatrix):
    model = Trainer
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = EXPECTED
    canary_field = "person"

    def make(self, partnership, person=None):
        person = PersonFactory(partnership=partnership, name=person or "Jo Trainer")
        return Trainer.objects.create(partnership=partnership, person=person, course=make_course(partnership))

    @pytest.fixture
    def world(self, db):
        from prevent_hub.core.testing.matrix import World

        a, b = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="bravo")
        return World(a=a, b=b, obj=self.make(a), other=self.make(b, person=f"Secret {CANARY}"))

    def create_data(self, partnership):
        return {"person": PersonFactory(partnership=partnership).pk, "course": make_course(partnership, "Zak").pk,
                "refresher_due": "2019-03-31"}

    def change_data(self, obj):
        return {"person": obj.person_id, "course": obj.course_id, "refresher_due": "2020-03-31",
                "expected_version": obj.version}

    def conflicting_change(self, data):
        data["refresher_due"] = "2031-12-31"
        return "2031-12-31"


class TestTrainingSessionViews(ModelViewMatrix):
    model = TrainingSession
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = EXPECTED
    canary_field = "venue"

    def make(self, partnership, venue="Shire Hall"):
        return make_session(partnership, venue=venue)

    def create_data(self, partnership):
        return {"course": make_course(partnership, "Zak").pk, "date": "2017-11-01", "venue": "Library"}

    def change_data(self, obj):
        return {"course": obj.course_id, "date": "2017-11-02", "venue": obj.venue, "capacity": "30",
                "expected_version": obj.version}


class TestLmsCompletionViews(ModelViewMatrix):
    model = LmsCompletion
    actions = ("list", "detail", "delete", "history", "import", "export")
    expected = EXPECTED
    canary_field = "learner_ref"

    def make(self, partnership, learner_ref="L-0001"):
        return LmsCompletion.objects.create(partnership=partnership, course=make_course(partnership),
                                            organisation=OrganisationFactory(partnership=partnership),
                                            learner_ref=learner_ref, completed_on=D(2017, 10, 1))

    def change_data(self, obj):
        return {}


url_coverage.register("training:trainingsession_headcount", "training:trainingsession_link", "training:coverage",
                      "training:trainingsession_headcount_remove")


@pytest.fixture
def register(db):
    """Known figures: three organisations, two courses, sessions over three quarters, e-learning completions."""
    partnership = PartnershipFactory(slug="alpha")
    council = OrganisationFactory(partnership=partnership, name="Council", sector="local_authority", workforce_size=200)
    school = OrganisationFactory(partnership=partnership, name="School", sector="education", workforce_size=50)
    trust = OrganisationFactory(partnership=partnership, name="Trust", sector="health")  # no training at all
    wrap, elearning = make_course(partnership, "WRAP"), make_course(partnership, "Awareness e-learning")
    july = make_session(partnership, D(2017, 7, 12), wrap)
    october = make_session(partnership, D(2017, 10, 10), wrap)
    HeadCount.objects.create(partnership=partnership, session=july, organisation=council, sector="local_authority", count=12)
    HeadCount.objects.create(partnership=partnership, session=july, organisation=school, sector="education", count=8)
    HeadCount.objects.create(partnership=partnership, session=october, organisation=council, sector="local_authority",
                             count=5)
    HeadCount.objects.create(partnership=partnership, session=october, sector="voluntary_community", count=4)  # no organisation
    for n, (org, day) in enumerate([(school, D(2017, 11, 3)), (school, D(2018, 1, 9)), (council, D(2018, 2, 1))]):
        LmsCompletion.objects.create(partnership=partnership, course=elearning, organisation=org, learner_ref=f"L{n}",
                                     completed_on=day)
    return partnership, council, school, trust, wrap, elearning


def test_coverage_counts_by_sector_organisation_course_and_quarter(register):
    partnership, council, school, trust, wrap, elearning = register
    data = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    assert data["total"] == 32
    sectors = {row["sector"]: row["trained"] for row in data["sectors"]}
    assert (sectors["Local authority"], sectors["Education and childcare"], sectors["Voluntary and community"],
            sectors["Health"]) == (18, 10, 4, 0)
    organisations = {row["organisation"].name: (row["trained"], row["coverage"]) for row in data["organisations"]}
    assert organisations == {"Council": (18, 9), "School": (10, 20), "Trust": (0, None)}
    assert {row["course"].name: row["trained"] for row in data["courses"]} == {"WRAP": 29, "Awareness e-learning": 3}
    assert [(q["quarter"], q["trained"], q["change"]) for q in data["quarters"]] == [
        ("Q1 2017/18", 0, None), ("Q2 2017/18", 20, 20), ("Q3 2017/18", 10, -10), ("Q4 2017/18", 2, -8)]
    assert data["unassigned"] == 4


def test_specified_authorities_with_no_training_in_12_months_are_flagged(register):
    partnership, council, school, trust, *_ = register
    assert [o.name for o in selectors.authorities_without_training(partnership, D(2018, 3, 20))] == ["Trust"]
    # A year on, only the e-learning of January and February 2018 still counts.
    assert [o.name for o in selectors.authorities_without_training(partnership, D(2018, 12, 1))] == ["Trust"]
    assert [o.name for o in selectors.authorities_without_training(partnership, D(2019, 3, 1))] == [
        "Council", "School", "Trust"]


def test_the_coverage_page_shows_the_figures_and_a_chart_with_its_table(client, register):
    partnership = register[0]
    client.force_login(user_with(Role.BOARD_VIEWER, partnership))
    page = client.get(reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20")
    html = page.content.decode()
    assert "32 people trained" in html and "People trained per quarter" in html and "<svg" in html
    assert "−" not in html and "-10" in html
    # The chart beside the table: a bar per quarter with people trained (none for a quarter with nobody), titled axes.
    for quarter, people in (("Q2 2017/18", 20), ("Q3 2017/18", 10), ("Q4 2017/18", 2)):
        assert f'data-category="{quarter}" data-series="People trained" data-value="{people}"' in html
    assert 'data-category="Q1 2017/18"' not in html and ">Q1 2017/18</text>" in html
    assert '"app-chart__axis-title">Quarter</text>' in html and '"app-chart__axis-title">People trained</text>' in html


def test_the_coverage_page_is_cached_until_a_record_it_counts_changes(client, register):
    partnership, council, school, trust, wrap, elearning = register
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20"

    def get():
        return part_and_queries(client, url, "</form>")

    get()
    cache.clear()
    (first, computed), (second, cached) = get(), get()
    assert first == second and cached < computed and "32 people trained" in first
    count = HeadCount.objects.create(partnership=partnership, session=make_session(partnership, D(2018, 3, 1), wrap),
                                     organisation=trust, sector="health", count=3)  # an insert
    assert "35 people trained" in get()[0]
    count.count = 1  # an edit, through the service
    object_update(actor=None, instance=count, expected_version=count.version)
    html, _ = get()
    assert "33 people trained" in html and ">Trust</a></li>" not in html  # Trust has had training now
    trust.name = "Renamed Trust"  # an organisation renamed
    object_update(actor=None, instance=trust, expected_version=trust.version)
    assert "Renamed Trust" in get()[0]
    LmsCompletion.objects.filter(organisation=school).delete()  # deletions
    assert "31 people trained" in get()[0]


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def lms_import(client, name, content):
    url = reverse("training:lmscompletion_import", kwargs={"partnership": "alpha"})
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_a_good_lms_export_imports_all_or_nothing_and_de_duplicates(client, register):
    partnership, council, school, *_ = register
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(reverse("training:lmscompletion_import", kwargs={"partnership": "alpha"})).content.decode()
    assert "<title>Import e-learning completions" in page and "lms" not in page.lower().split("</title>")[0]
    content = ("User ID,Employer,Module,Completion date\n"
               "L1,School,Awareness e-learning,2018-01-20\n"  # already imported (9 Jan): a later date updates it
               "NEW1,Council,Awareness e-learning,2018-03-01\n").encode()
    preview = lms_import(client, "lms.csv", content)
    assert preview.status_code == 200
    confirm = client.post(reverse("training:lmscompletion_import", kwargs={"partnership": "alpha"}),
                          {"confirm": "1", "token": preview.context["token"]})
    assert confirm.status_code == 302
    assert LmsCompletion.objects.count() == 4
    assert LmsCompletion.objects.get(learner_ref="L1").completed_on == D(2018, 1, 20)
    assert change_log_rows(LmsCompletion.objects.get(learner_ref="NEW1"), "create").count() == 1


@pytest.mark.parametrize(
    "content,expected",
    [
        ("User ID,Module,Completion date\nX,Awareness e-learning,2018-01-01\n", "Row 1, column 'Organisation'"),
        ("Learner ID,Organisation,Course,Completed on\nX,Council,Awareness e-learning,31/02/2018\n",
         "Row 2, column 'Completed on'"),
        ("Learner ID,Organisation,Course,Completed on\nX,Nowhere,Awareness e-learning,2018-01-01\n",
         "Row 2, column 'Organisation': There is no organisation called 'Nowhere'."),
        ("Learner ID,Organisation,Course,Completed on\nX,Council,Awareness e-learning,2018-01-01\n"
         "x,Council,Awareness e-learning,2018-01-02\n", "Row 3, column 'Learner ID'"),
    ],
)
def test_a_bad_lms_export_gets_per_row_errors_and_saves_nothing(client, register, content, expected):
    client.force_login(user_with(Role.COORDINATOR, register[0]))
    before = row_counts()
    response = lms_import(client, "lms.csv", content.encode())
    assert response.status_code == 400
    errors = [str(e) for e in response.context["result"].errors]
    assert any(e.startswith(expected) for e in errors), errors
    assert row_counts() == before


def test_completion_exports_neutralise_formula_cells(client, register):
    partnership, council, *_ = register
    LmsCompletion.objects.create(partnership=partnership, course=register[5], organisation=council,
                                 learner_ref="=HYPERLINK(\"x\")", completed_on=D(2018, 1, 1))
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.get(reverse("training:lmscompletion_export", kwargs={"partnership": "alpha"}) + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "'=HYPERLINK(\"x\")" in [cell.value for cell in sheet["A"]]


def test_a_trainer_returns_figures_once_through_the_link(client, register):
    partnership = register[0]
    session = make_session(partnership, D(2018, 2, 2), register[4])
    token = services.session_link_issue(actor=None, session=session, purpose=SessionLink.Purpose.RETURN)
    url = reverse("training_public:return", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and "/p/alpha/" not in page.content.decode()
    response = client.post(url, {"returned_by": "Sam Trainer", "sector_1": "education", "role_1": "Teachers",
                                 "count_1": "14", "sector_2": "health", "count_2": "3"})
    assert response.status_code == 200 and "Figures received" in response.content.decode()
    assert sorted(session.head_counts.values_list("sector", "count")) == [("education", 14), ("health", 3)]
    assert all(change_log_rows(h, "create").count() == 1 for h in session.head_counts.all())
    again = client.post(url, {"returned_by": "Sam", "sector_1": "education", "count_1": "99"})
    assert again.status_code == 404 and session.head_counts.count() == 2
    assert client.get(reverse("training_public:return", kwargs={"token": "forged"})).status_code == 404


def test_feedback_needs_no_login_asks_nothing_personal_and_is_rate_limited(client, register, settings):
    partnership = register[0]
    session = make_session(partnership, D(2018, 2, 2), register[4])
    token = services.session_link_issue(actor=None, session=session, purpose=SessionLink.Purpose.FEEDBACK)
    url = reverse("training_public:feedback", kwargs={"token": token})
    page = client.get(url).content.decode()
    assert "anonymous" in page and 'name="email"' not in page and 'name="name"' not in page
    data = {"rating": "5", "confidence_before": "2", "confidence_after": "4", "comments": "Clear and practical"}
    for _ in range(5):  # invalid responses are refused and do not use up the allowance
        assert client.post(url, {"rating": "9"}).status_code == 400
    for _ in range(services.FEEDBACK_PER_HOUR):
        assert client.post(url, data).status_code == 200
    limited = client.post(url, data)
    assert limited.status_code == 429 and "Too many responses" in limited.content.decode()
    assert Feedback.objects.count() == services.FEEDBACK_PER_HOUR
    # The feedback link opens nothing else, and a return link is not a feedback link.
    assert client.get(session.get_absolute_url()).status_code == 302
    assert client.get(reverse("training_public:return", kwargs={"token": token})).status_code == 404
    client.force_login(user_with(Role.COORDINATOR, partnership))
    summary = client.get(session.get_absolute_url()).content.decode()
    assert "usefulness 5.0 of 5; confidence 2.0 before and 4.0 after" in summary


@pytest.mark.parametrize("role", ALL_ROLES)
def test_training_actions_by_role(client, register, role):
    partnership = register[0]
    session = make_session(partnership, D(2018, 2, 2), register[4])
    bravo = PartnershipFactory(slug="bravo")
    other = make_session(bravo, venue=CANARY)
    client.force_login(user_with(role, partnership))
    reader = role in READERS
    assert client.get(reverse("training:coverage", kwargs={"partnership": "alpha"})).status_code == (200 if reader else 403)
    before = row_counts()
    for name, data in (("training:trainingsession_headcount", {"sector": "health", "count": "3"}),
                       ("training:trainingsession_link", {"purpose": "feedback"})):
        response = client.post(reverse(name, kwargs={"partnership": "alpha", "pk": session.pk}), data)
        assert response.status_code == (302 if role in KEEPERS else (403 if reader else 404)), name
        for slug in ("alpha", "bravo"):
            foreign = client.post(reverse(name, kwargs={"partnership": slug, "pk": other.pk}), data)
            assert foreign.status_code == 404 and CANARY.encode() not in foreign.content
    if role not in KEEPERS:
        assert row_counts() == before


def test_coverage_and_session_list_queries_are_constant_with_100000_attendance_rows(client, register, monkeypatch):
    """Coverage by the attendees' organisation and sector (people from many organisations at sessions one
    organisation hosts, some lines still counted under the host) costs the same queries at any size."""
    # Inserting 100,000 rows can take longer than the interval at which a page view records activity in the
    # session (a save: three more queries); this test counts the pages' own queries.
    monkeypatch.setattr("prevent_hub.accounts.middleware.LAST_SEEN_RESOLUTION", 10 ** 9)
    partnership, council, school, trust, wrap, _ = register
    client.force_login(user_with(Role.COORDINATOR, partnership))
    pages = [reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20",
             reverse("training:trainingsession_list", kwargs={"partnership": "alpha"})]

    def queries():
        return [computed_and_cached(client, url) for url in pages]

    queries()
    small = queries()
    assert small[0][1] < small[0][0]  # the coverage body comes from the cache the second time
    sessions = TrainingSession.objects.bulk_create(
        TrainingSession(partnership=partnership, course=wrap, host=council, date=D(2017, 4, 1) + dt.timedelta(days=n % 360))
        for n in range(1000))
    organisations = (council, school, trust)
    HeadCount.objects.bulk_create(
        (HeadCount(partnership=partnership, session=sessions[n % 1000], organisation=organisations[n % 3],
                   sector=organisations[n % 3].sector, count=1, credited_to_host=n % 3 == 0 and n % 2 == 0)
         for n in range(100_000)), batch_size=5000)
    assert HeadCount.objects.count() == 100_004
    assert queries() == small
    data = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    trained = {row["organisation"].name: row["trained"] for row in data["organisations"]}
    assert trained == {"Council": 18 + 33_334, "School": 10 + 33_333, "Trust": 33_333}  # each under its own
    assert {row["sector"]: row["trained"] for row in data["sectors"]}["Health"] == 33_333
    assert data["credited_to_host"] == 16_667


def test_attendance_can_be_named_one_person_at_a_time(client, register):
    partnership = register[0]
    session = make_session(partnership, D(2018, 2, 2), register[4])
    client.force_login(user_with(Role.PREVENT_LEAD, partnership))
    url = reverse("training:trainingsession_headcount", kwargs={"partnership": "alpha", "pk": session.pk})
    client.post(url, {"sector": "education", "attendee": "Alex Example", "count": "1"})
    refused = client.post(url, {"sector": "education", "attendee": "Sam Example", "count": "3"}, follow=True)
    assert "A named attendee is one person" in refused.content.decode()
    assert list(session.head_counts.values_list("attendee", "count")) == [("Alex Example", 1)]


def test_four_nhs_nurses_at_a_county_council_session_count_under_the_nhs_trust_and_health(client, register):
    """End to end: the trainer's return names the nurses' organisation; coverage, the no-training flags, the
    coverage page, the session page and the quarterly report's training figures count them under the NHS
    trust and the health sector, and the host council gains nobody."""
    from prevent_hub.reports import content

    partnership, council, school, trust, wrap, _ = register
    before = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    assert [o.name for o in selectors.authorities_without_training(partnership, D(2018, 3, 20))] == ["Trust"]
    session = make_session(partnership, D(2018, 3, 1), wrap, host=council)
    token = services.session_link_issue(actor=None, session=session, purpose=SessionLink.Purpose.RETURN)
    url = reverse("training_public:return", kwargs={"token": token})
    form = client.get(url).content.decode()
    assert f'<option value="{trust.pk}">Trust</option>' in form and "Organisation the people work for" in form
    response = client.post(url, {"returned_by": "Sam Trainer", "organisation_1": str(trust.pk), "role_1": "Nurses",
                                 "count_1": "4"})
    assert response.status_code == 200 and "Figures received" in response.content.decode()
    row = session.head_counts.get()
    assert (row.organisation, row.sector, row.role, row.count, row.credited_to_host) == (trust, "health", "Nurses", 4,
                                                                                         False)
    after = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    organisations = {r["organisation"].name: r["trained"] for r in after["organisations"]}
    assert organisations["Trust"] == 4
    assert organisations["Council"] == {r["organisation"].name: r["trained"] for r in before["organisations"]}["Council"]
    sectors = {r["sector"]: r["trained"] for r in after["sectors"]}
    assert sectors["Health"] == 4 and sectors["Local authority"] == 18
    assert after["total"] == before["total"] + 4 and after["credited_to_host"] == 0
    assert selectors.authorities_without_training(partnership, D(2018, 3, 20)) == []
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20")
    trust_row = page.content.decode().split(">By organisation<")[1].split(">Trust ")[1][:300]
    assert "Specified authority" in trust_row and ">4<" in trust_row
    assert '<td class="govuk-table__cell">Trust</td>' in client.get(session.get_absolute_url()).content.decode()
    doc = content.Content("Report", "")
    everything_entered = content.Scope(D(2018, 1, 1), D(2018, 3, 31), D(2018, 3, 31), timezone.now())
    content._training_section(doc, partnership, everything_entered, "Training")
    by_sector = next(block for block in doc.blocks if block.kind == "table" and block.sheet == "Training by sector")
    assert ["Health", "4"] in by_sector.rows


def test_the_coordinator_counts_a_line_under_its_organisation_and_its_sector(client, register):
    partnership, council, school, trust, wrap, _ = register
    session = make_session(partnership, D(2018, 3, 1), wrap, host=council)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("training:trainingsession_headcount", kwargs={"partnership": "alpha", "pk": session.pk})
    assert client.post(url, {"organisation": trust.pk, "role": "Nurses", "count": "4"}).status_code == 302
    assert client.post(url, {"sector": "faith", "count": "2"}).status_code == 302  # organisation not known
    assert client.post(url, {"organisation": school.pk, "sector": "education", "count": "3"}).status_code == 302
    assert sorted(session.head_counts.values_list("sector", "organisation__name", "count")) == [
        ("education", "School", 3), ("faith", None, 2), ("health", "Trust", 4)]
    assert all(change_log_rows(row, "create").count() == 1 for row in session.head_counts.all())


@pytest.mark.parametrize("data,field,message", [
    ({"count": "4"}, "organisation", "Choose the organisation or the sector"),
    ({"sector": "health"}, "count", "Enter how many people attended"),
    ({"sector": "health", "count": "0"}, "count", "Enter how many people attended, from 1 to 10,000"),
    ({"sector": "health", "count": "10001"}, "count", "Enter how many people attended, from 1 to 10,000"),
    ({"sector": "health", "count": "9223372036854775807"}, "count", "Enter how many people attended, from 1 to 10,000"),
    ({"sector": "health", "count": "lots"}, "count", "Enter how many people attended as a number, like 12"),
    ({"organisation": "TRUST", "sector": "education", "count": "4"}, "sector",
     "Leave the sector blank: people from Trust count under its sector, Health"),
    ({"organisation": "OTHER", "count": "4"}, "organisation", "Choose the organisation from the list"),
    ({"sector": "health", "attendee": "Alex Example", "count": "3"}, "count", "A named attendee is one person"),
])
def test_a_line_with_a_problem_is_shown_again_with_a_gov_uk_message_by_its_field(client, register, data, field,
                                                                                message):
    partnership, council, school, trust, wrap, _ = register
    other = OrganisationFactory(partnership=PartnershipFactory(slug="bravo"), name="Elsewhere Trust")
    data = {k: {"TRUST": str(trust.pk), "OTHER": str(other.pk)}.get(v, v) for k, v in data.items()}
    session = make_session(partnership, D(2018, 2, 2), wrap)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    before = row_counts()
    url = reverse("training:trainingsession_headcount", kwargs={"partnership": "alpha", "pk": session.pk})
    response = client.post(url, data)
    assert response.status_code == 400 and row_counts() == before
    html = response.content.decode()
    assert "<title>Error: " in html and 'class="govuk-error-summary"' in html
    assert f'<a href="#id_{field}">{message}' in html  # the summary links to the field
    assert f'<p id="id_{field}-error" class="govuk-error-message">' in html and "<details class=\"govuk-details\" open>" in html
    assert "Elsewhere Trust" not in html


@pytest.mark.parametrize("data,messages", [
    ({"returned_by": "Sam"}, ["Enter how many people attended on line 1", "Choose the organisation or the sector on line 1"]),
    ({"returned_by": "Sam", "sector_1": "health", "count_1": "3", "organisation_2": "TRUST"},
     ["Enter how many people attended on line 2"]),
    ({"returned_by": "Sam", "sector_1": "health", "count_1": "3", "count_2": "5"},
     ["Choose the organisation or the sector on line 2"]),
    ({"returned_by": "Sam", "organisation_1": "TRUST", "sector_1": "police", "count_1": "3"},
     ["Leave the sector blank on line 1: people from Trust count under its sector, Health"]),
    ({"returned_by": "Sam", "organisation_1": "OTHER", "count_1": "3"}, ["Choose the organisation on line 1 from the list"]),
    ({"returned_by": "Sam", "sector_1": "health", "count_1": "0"},
     ["Enter how many people attended on line 1, from 1 to 10,000"]),
    ({"sector_1": "health", "count_1": "3"}, ["Enter your name"]),
])
def test_a_trainers_return_with_a_problem_names_the_line_and_field_and_saves_nothing(client, register, data, messages):
    partnership, council, school, trust, wrap, _ = register
    other = OrganisationFactory(partnership=PartnershipFactory(slug="bravo"), name="Elsewhere Trust")
    data = {k: {"TRUST": str(trust.pk), "OTHER": str(other.pk)}.get(v, v) for k, v in data.items()}
    session = make_session(partnership, D(2018, 2, 2), wrap, host=council)
    token = services.session_link_issue(actor=None, session=session, purpose=SessionLink.Purpose.RETURN)
    url = reverse("training_public:return", kwargs={"token": token})
    before = row_counts()
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400 and row_counts() == before
    assert "<title>Error: " in html and 'class="govuk-error-summary"' in html
    for message in messages:
        assert f">{message}</a>" in html, message
    assert "Elsewhere Trust" not in html  # only this partnership's organisations are offered
    # Nothing was used up: the corrected return goes in.
    assert client.post(url, {"returned_by": "Sam", "organisation_1": str(trust.pk), "count_1": "3"}).status_code == 200
    assert list(session.head_counts.values_list("organisation", "count")) == [(trust.pk, 3)]


def test_the_migration_keeps_earlier_returns_under_the_host_and_marks_them_so_no_figure_changes(client, register):
    """Migration 0004: rows a trainer's return credited to the session's host keep the host (and their sector)
    and are marked as such; no other row is touched; coverage is the same before and after."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("prevent_hub.training.migrations.0004_headcount_attendees_organisation")
    partnership, council, school, trust, wrap, _ = register
    session = make_session(partnership, D(2018, 3, 1), wrap, host=council)
    # As the old return saved them: the host's organisation, the sector the trainer gave (health nurses).
    old_return = HeadCount.objects.create(partnership=partnership, session=session, organisation=council,
                                          sector="health", count=4, returned_by="Sam Trainer")
    coordinator_line = HeadCount.objects.create(partnership=partnership, session=session, organisation=council,
                                                sector="local_authority", count=2)
    elsewhere = HeadCount.objects.create(partnership=partnership, session=session, organisation=school,
                                         sector="education", count=3, returned_by="Sam Trainer")
    no_host = make_session(partnership, D(2018, 3, 2), wrap)
    unknown = HeadCount.objects.create(partnership=partnership, session=no_host, sector="faith", count=5,
                                       returned_by="Jo Trainer")
    before = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    migration.mark_rows_credited_to_the_host(apps, None)
    marked = set(HeadCount.objects.filter(credited_to_host=True).values_list("pk", flat=True))
    assert marked == {old_return.pk}
    assert {pk for pk in (coordinator_line.pk, elsewhere.pk, unknown.pk)}.isdisjoint(marked)
    old_return.refresh_from_db()
    assert (old_return.organisation, old_return.sector) == (council, "health")
    after = selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))
    assert {k: v for k, v in after.items() if k != "credited_to_host"} == {
        k: v for k, v in before.items() if k != "credited_to_host"}
    assert (before["credited_to_host"], after["credited_to_host"]) == (0, 4)
    # The session page and coverage say so.
    client.force_login(user_with(Role.COORDINATOR, partnership))
    assert "(the host: this return did not say where these people work)" in client.get(
        session.get_absolute_url()).content.decode()
    page = client.get(reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20")
    assert "4 from trainers' returns made before the returns asked where people work" in page.content.decode()


def test_coverage_as_of_a_day_ignores_training_after_it(client, register):
    partnership, council, *_ = register
    late = make_session(partnership, D(2018, 3, 25), register[4])
    HeadCount.objects.create(partnership=partnership, session=late, organisation=council, sector="health", count=100)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(reverse("training:coverage", kwargs={"partnership": "alpha"}) + "?as_of=2018-02-15")
    assert page.context["total"] == 32


@pytest.mark.parametrize("count", ["0", "10001", "9223372036854775807"])
def test_an_impossible_head_count_is_refused(client, register, count):
    partnership = register[0]
    session = make_session(partnership, D(2018, 2, 2), register[4])
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("training:trainingsession_headcount", kwargs={"partnership": "alpha", "pk": session.pk})
    response = client.post(url, {"sector": "health", "count": count})
    # The session's page again with the count's error at its field and the sector still chosen.
    assert response.status_code == 400 and not session.head_counts.exists()
    assert 'href="#id_count"' in response.content.decode()
    assert response.context["head_count_form"]["sector"].value() == "health"


def test_coverage_of_a_workforce_never_exceeds_100_percent(register):
    partnership, council, school, trust, wrap, _ = register
    session = make_session(partnership, D(2018, 1, 10), wrap)
    HeadCount.objects.create(partnership=partnership, session=session, organisation=school, sector="education", count=500)
    rows = {r["organisation"].name: r["coverage"] for r in selectors.coverage(partnership, D(2017, 4, 1), D(2018, 3, 31))["organisations"]}
    assert rows["School"] == 100


@pytest.mark.parametrize("role", ALL_ROLES)
def test_removing_an_attendance_line_by_role_and_only_from_its_session(client, register, role):
    partnership, council, *_ = register
    session = make_session(partnership, D(2018, 2, 2), register[4])
    other_session = make_session(partnership, D(2018, 2, 3), register[4])
    row = HeadCount.objects.create(partnership=partnership, session=session, organisation=council, sector="health", count=3)
    client.force_login(user_with(role, partnership))
    url = reverse("training:trainingsession_headcount_remove", kwargs={"partnership": "alpha", "pk": other_session.pk})
    if role in KEEPERS:
        client.post(url, {"head_count": row.pk})  # the wrong session: nothing removed
        assert HeadCount.objects.filter(pk=row.pk).exists()
    url = reverse("training:trainingsession_headcount_remove", kwargs={"partnership": "alpha", "pk": session.pk})
    response = client.post(url, {"head_count": row.pk})
    assert response.status_code == (302 if role in KEEPERS else (403 if role in READERS else 404))
    assert HeadCount.objects.filter(pk=row.pk).exists() == (role not in KEEPERS)
    if role in KEEPERS:
        assert change_log_rows(row, "delete").count() == 1
