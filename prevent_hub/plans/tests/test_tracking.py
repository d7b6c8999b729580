"""Tracking: reporting periods, the schedule engine, the dashboard as of any day, progress updates and locks."""
import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prevent_hub.audit.models import AccessLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, change_log_rows, row_counts, user_with
from prevent_hub.core.testing.queries import computed_and_cached, queries
from prevent_hub.plans import schedule, selectors
from prevent_hub.plans.choices import ActionStatus, Cadence, CheckpointOutcome, TimescaleKind
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.models import Action, CheckpointRecord, PeriodLock, ProgressUpdate, Theme, Timescale
from prevent_hub.plans.parsing import parse_plan
from prevent_hub.plans.services import plan_import

D = dt.date
JAN_15 = D(2018, 1, 15)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

coverage.register("plans:planversion_dashboard", "plans:dashboard", "plans:planversion_period_lock", "plans:progressupdate_add",
                  "plans:progressupdate_evidence")


def test_periods_are_quarters_of_the_partnerships_year():
    period = schedule.period_containing(JAN_15, year_start_month=4)
    assert (period.start, period.end, period.label) == (D(2018, 1, 1), D(2018, 3, 31), "Q4 2017/18")
    assert schedule.period_containing(D(2017, 4, 1)).label == "Q1 2017/18"
    assert [p.label for p in schedule.periods_between(D(2017, 4, 1), D(2018, 3, 31))] == [
        "Q1 2017/18", "Q2 2017/18", "Q3 2017/18", "Q4 2017/18"]


@pytest.mark.parametrize(
    "cadence,season,start,expected",
    [
        (Cadence.MONTHLY, "", D(2017, 11, 1), [D(2017, 11, 30), D(2017, 12, 31), D(2018, 1, 31), D(2018, 2, 28), D(2018, 3, 31)]),
        (Cadence.QUARTERLY, "", D(2017, 11, 1), [D(2017, 12, 31), D(2018, 3, 31)]),
        (Cadence.BIANNUAL, "", D(2017, 11, 1), []),  # the first six months end in April 2018
        (Cadence.TERMLY, "", D(2017, 10, 1), [D(2017, 12, 31)]),
        (Cadence.ANNUAL, "spring", D(2017, 4, 1), [D(2017, 5, 31)]),
        (Cadence.ANNUAL, "", D(2017, 4, 1), [D(2018, 3, 31)]),
    ],
)
def test_each_occurrence_of_a_cadence_is_a_checkpoint(cadence, season, start, expected):
    """Each occurrence is due by the end of its span: the month, the quarter, six months, the year."""
    assert schedule.occurrences(cadence, season, start, D(2018, 3, 31), 4)[: len(expected)] == expected
    if cadence == Cadence.TERMLY:
        assert schedule.occurrences(cadence, season, start, D(2018, 3, 31), 4) == expected


def test_twice_yearly_and_latest_occurrence_rules():
    assert schedule.occurrences(Cadence.BIANNUAL, "", D(2017, 4, 1), D(2018, 3, 31), 4) == [D(2017, 9, 30), D(2018, 3, 31)]
    monthly = [type("Part", (), {"kind": TimescaleKind.CADENCE, "cadence": Cadence.MONTHLY, "season": "",
                                 "start_date": D(2017, 11, 1), "text": "Monthly", "due_date": None})()]
    window = (D(2017, 4, 1), D(2018, 3, 31))
    # The latest past occurrence (31 Dec) done: nothing overdue; an older missed month is history, not overdue.
    state = schedule.schedule_state(monthly, {D(2017, 12, 31)}, as_of=JAN_15, window=window)
    assert state.overdue == []
    state = schedule.schedule_state(monthly, set(), as_of=JAN_15, window=window)
    assert [c.date for c in state.overdue] == [D(2017, 12, 31)]


def test_a_calendar_year_partnership_labels_quarters_by_year():
    assert schedule.period_containing(D(2018, 1, 15), year_start_month=1).label == "Q1 2018"


@pytest.fixture
def seed_version(db):
    partnership = PartnershipFactory(slug="alpha")
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                          source_name=SEED.name)
    return version


# 4.3 "Bi-annual meetings from November 2017" is first due by the end of April 2018.
OVERDUE_ON_JAN_15 = {"1.2", "2.1", "2.2", "3.1", "3.3", "3.5", "4.1", "4.4", "5.4", "6.5"}
DUE_SOON_ON_JAN_15 = {"2.2", "3.1", "3.3", "5.2", "5.3", "5.4"}


def test_the_seed_on_15_january_2018_overdue_and_due_soon(seed_version):
    data = selectors.dashboard(seed_version, JAN_15)
    assert {s.action.ref for s in data["overdue"]} == OVERDUE_ON_JAN_15
    assert {s.action.ref for s in data["due_soon"]} == DUE_SOON_ON_JAN_15
    states = {s.action.ref: s for s in data["states"]}
    assert [p.date for p in states["1.2"].schedule.overdue] == [D(2017, 12, 31)]  # "December 2017"
    assert [p.date for p in states["5.2"].schedule.due_soon] == [D(2018, 1, 31)]
    assert states["1.2"].status == ActionStatus.OFF_TRACK and states["1.2"].derived
    assert "Overdue since 31 December 2017" in states["1.2"].reason
    assert states["5.2"].status == ActionStatus.AT_RISK
    assert states["6.8"].status == ActionStatus.ONGOING  # ongoing: still asked for an update
    assert states["6.8"] in data["missing_updates"]
    # Done before the plan was issued (Sept 2017) was never asked of this plan.
    assert "4.5" not in {s.action.ref for s in data["overdue"]}


def test_the_dashboard_page_shows_the_same_lists(client, seed_version):
    client.force_login(user_with(Role.BOARD_VIEWER, seed_version.partnership))
    url = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    response = client.get(url + "?as_of=2018-01-15")
    assert response.status_code == 200
    assert {s.action.ref for s in response.context["overdue"]} == OVERDUE_ON_JAN_15
    page = response.content.decode()
    assert "Overdue (10)" in page and "Due in the next 30 days (6)" in page
    assert "Actions by RAG rating and theme" in page  # the chart's accessible table
    assert "Lock Q4 2017/18" not in page  # a board viewer cannot lock periods


def test_the_dashboard_chart_names_every_theme_and_rating_from_one_baseline(client, seed_version):
    """RAG by theme: a bar per theme named with the theme, divided into every rating with a key in text,
    each segment the count in the table beside it, all on one scale from one baseline."""
    import xml.etree.ElementTree as ET

    client.force_login(user_with(Role.BOARD_VIEWER, seed_version.partnership))
    url = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    page = client.get(url + "?as_of=2018-01-15").content.decode()
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg"')
    root = ET.fromstring(page[start:page.index("</svg>", start) + 6])
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.find(f"{ns}title").text == "Actions by RAG rating and theme"
    text = {kind: [t.text for t in root.iter(f"{ns}text") if t.get("class") == f"app-chart__{kind}"]
            for kind in ("key", "category", "axis-title", "tick")}
    assert text["key"] == ["Red", "Amber", "Green", "Not rated"]
    assert text["axis-title"] == ["Theme", "Actions"] and text["tick"][0] == "0"
    themes = selectors.dashboard(seed_version, JAN_15)["themes"]
    labels = " ".join(text["category"])
    for row in themes:
        assert f"{row['theme'].number}. {row['theme'].title}".split()[-1] in labels
    segments = [r for r in root.iter(f"{ns}rect") if r.get("class") == "app-chart__bar"]
    drawn = {(r.get("data-series"), int(r.get("data-value"))) for r in segments}
    assert {series for series, _ in drawn} == {"Red", "Amber", "Green", "Not rated"}  # the seed has all four
    scale = float(segments[0].get("width")) / int(segments[0].get("data-value"))
    for rect in segments:
        assert float(rect.get("width")) == pytest.approx(int(rect.get("data-value")) * scale, abs=0.05)
    per_theme = {}
    for rect in segments:
        per_theme.setdefault(rect.get("data-category"), {})[rect.get("data-series")] = int(rect.get("data-value"))
    ratings = (("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "Not rated"))
    assert [per_theme.get(f"{row['theme'].number}. {row['theme'].title}", {}) for row in themes] == [
        {label: row[key] for key, label in ratings if row[key]} for row in themes]
    assert min(float(r.get("x")) for r in segments) == float(next(
        line for line in root.iter(f"{ns}line") if line.get("class") == "app-chart__baseline").get("x1"))


def test_a_checkpoint_marked_done_or_an_update_this_period_changes_the_picture(seed_version):
    action = seed_version.actions.get(ref="1.2")
    five_two = seed_version.actions.get(ref="5.2")
    with time_machine.travel(dt.datetime(2018, 1, 10, 12, tzinfo=dt.timezone.utc)):
        CheckpointRecord.objects.create(partnership=action.partnership, action=action, due_date=D(2017, 12, 31),
                                        outcome=CheckpointOutcome.DONE)
        ProgressUpdate.objects.create(partnership=action.partnership, action=five_two, period_start=D(2018, 1, 1),
                                      status=ActionStatus.ON_TRACK, rag="red", narrative="Live", author_name="Karen")
    states = {s.action.ref: s for s in selectors.dashboard(seed_version, JAN_15)["states"]}
    assert not states["1.2"].schedule.overdue
    assert (states["5.2"].status, states["5.2"].derived) == (ActionStatus.ON_TRACK, False)
    assert "Reported for Q4 2017/18 by Karen" == states["5.2"].reason
    assert states["5.2"].rag == "red"  # the owner's own rating, not one worked out from the status
    # Looking from a day before those were recorded, the picture is as it was then.
    earlier = {s.action.ref: s for s in selectors.dashboard(seed_version, D(2018, 1, 9))["states"]}
    assert earlier["1.2"].schedule.overdue and not earlier["5.2"].updated_this_period


def _bulk_actions(version, count):
    theme = version.themes.first()
    actions = Action.objects.bulk_create(
        Action(partnership=version.partnership, plan_version=version, theme=theme, ref=f"9.{n}",
               sort_key=f"0009.{n:04d}", text=f"Bulk action {n}") for n in range(count))
    Timescale.objects.bulk_create(
        Timescale(partnership=version.partnership, action=a, kind=TimescaleKind.CADENCE, cadence=Cadence.MONTHLY,
                  text="Monthly") for a in actions)


def _queries(client, url):
    return queries(client, url)


def test_dashboard_and_action_list_queries_do_not_grow_with_actions(client, seed_version):
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    dashboard = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": seed_version.pk}) + "?as_of=2018-01-15"
    actions = reverse("plans:action_list", kwargs={"partnership": "alpha"})
    client.get(dashboard)

    def counts():
        return (computed_and_cached(client, dashboard), computed_and_cached(client, actions),
                computed_and_cached(client, actions + "?tag=OFOF&status=&q=forum"))

    small = counts()
    assert small[0][1] < small[0][0]  # the dashboard body comes from the cache the second time
    _bulk_actions(seed_version, 3000 - 32)
    assert seed_version.actions.count() == 3000
    assert counts() == small


def test_action_list_filters(client, seed_version):
    client.force_login(user_with(Role.PREVENT_LEAD, seed_version.partnership))
    url = reverse("plans:action_list", kwargs={"partnership": "alpha"})
    refs = lambda query: {a.ref for a in client.get(url + query).context["table"].rows}  # noqa: E731
    assert refs("?tag=CTLP") == {"1.4", "4.4", "6.1", "6.2", "6.8"}
    assert refs("?theme=5") == {"5.1", "5.2", "5.3", "5.4"}
    assert refs("?owner=Dan+Green") == {"5.1", "5.3"}
    assert refs("?q=newsletter") >= {"6.5"}


def owner_of(action, role):
    """A user with ``role`` who is the directory person named as the action's (first) owner."""
    user = user_with(role, action.partnership)
    person = action.owners.exclude(person=None).first().person
    person.user = user
    person.save()
    return user


@pytest.fixture
def reporting(client, seed_version):
    action = seed_version.actions.get(ref="5.2")
    client.force_login(owner_of(action, Role.ACTION_OWNER))
    client.url = reverse("plans:progressupdate_add", kwargs={"partnership": "alpha", "pk": action.pk})
    client.action = action
    return client


def update_data(**extra):
    return {"period_start": "2017-10-01", "status": "on_track", "rag": "green", "narrative": "Pilot running",
            "percent_complete": "40", **extra}


def test_an_owner_reports_progress_with_evidence_and_it_is_change_logged(reporting, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = reporting.post(reporting.url, update_data(evidence_file=SimpleUploadedFile("chart.png", PNG)))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.action, update.period_start, update.percent_complete) == (reporting.action, D(2017, 10, 1), 40)
    assert change_log_rows(update, "create").count() == 1
    evidence = reverse("plans:progressupdate_evidence", kwargs={"partnership": "alpha", "pk": update.pk})
    download = reporting.get(evidence)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert AccessLog.objects.filter(event="download", target_id=str(update.pk)).count() == 1


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "The evidence file must be one of these types"),
        (SimpleUploadedFile("photo.png", b"<html>not a picture</html>"), "is named .png but is not a PNG image"),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024)), "The evidence file must be smaller than 1 MB"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_saved(reporting, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    before = row_counts()
    response = reporting.post(reporting.url, update_data(evidence_file=upload))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before and not list(tmp_path.iterdir())


def test_an_update_to_a_locked_period_is_refused(reporting):
    PeriodLock.objects.create(partnership=reporting.action.partnership, plan_version=reporting.action.plan_version,
                              period_start=D(2017, 10, 1))
    before = row_counts()
    response = reporting.post(reporting.url, update_data())
    assert response.status_code == 400
    page = response.content.decode()
    assert "Q3 2017/18 has been reported to the Strategy Group and is locked" in page
    assert "Add your update to Q4 2017/18 instead, which is open." in page
    offered = [value for value, _label in response.context["form"].fields["period_start"].choices]
    assert "2017-10-01" not in offered and "2018-01-01" in offered  # a locked period is not offered at all
    assert row_counts() == before


def test_the_service_refuses_a_locked_period_too_and_names_one_that_is_open(reporting):
    from prevent_hub.plans import services

    version = reporting.action.plan_version
    for start in (D(2017, 4, 1), D(2018, 1, 1)):
        PeriodLock.objects.create(partnership=version.partnership, plan_version=version, period_start=start)
    with pytest.raises(services.TrackingError, match="Q4 2017/18 .* Add your update to Q3 2017/18 instead"):
        services.progress_update_create(actor=None, action=reporting.action, period_start=D(2018, 1, 1),
                                        author_name="x", status="on_track", rag="green", narrative="n")
    for start in (D(2017, 7, 1), D(2017, 10, 1)):
        PeriodLock.objects.create(partnership=version.partnership, plan_version=version, period_start=start)
    with pytest.raises(services.TrackingError, match="Every period of this plan version is locked"):
        services.progress_update_create(actor=None, action=reporting.action, period_start=D(2018, 1, 1),
                                        author_name="x", status="on_track", rag="green", narrative="n")


def test_only_coordinators_can_enter_an_update_on_an_owners_behalf(client, seed_version):
    action = seed_version.actions.get(ref="5.2")
    url = reverse("plans:progressupdate_add", kwargs={"partnership": "alpha", "pk": action.pk})
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    form = client.get(url).context["form"]
    karen = action.owners.get(person__name="Karen Thomas").person
    assert (karen.pk, "Karen Thomas") in form.fields["reporting_for"].choices
    client.post(url, update_data(reporting_for=karen.pk))
    update = ProgressUpdate.objects.get()
    assert (update.on_behalf_of, update.person) == ("Karen Thomas", karen)
    client.force_login(owner_of(action, Role.ACTION_OWNER))
    assert "reporting_for" not in client.get(url).context["form"].fields
    # Someone who owns nothing on the action cannot be chosen.
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    outsider = type(karen).objects.exclude(pk__in=action.owners.values("person_id")).first()
    before = row_counts()
    response = client.post(url, update_data(reporting_for=outsider.pk))
    assert response.status_code == 400 and row_counts() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reporting_progress_by_role(client, seed_version, role):
    action = seed_version.actions.get(ref="5.2")
    client.force_login(owner_of(action, role))  # owners and leads report on their own actions
    url = reverse("plans:progressupdate_add", kwargs={"partnership": "alpha", "pk": action.pk})
    allowed = role in {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.ACTION_OWNER, Role.PREVENT_LEAD}
    readers = allowed or role in {Role.CHANNEL_CHAIR, Role.POLICE_PREVENT, Role.PANEL_MEMBER, Role.BOARD_VIEWER}
    expected = 200 if allowed else (403 if readers else 404)
    assert client.get(url).status_code == expected
    before = row_counts()
    response = client.post(url, update_data())
    assert response.status_code == (302 if allowed else expected)
    if not allowed:
        assert row_counts() == before


@pytest.mark.parametrize("role", [Role.ACTION_OWNER, Role.PREVENT_LEAD])
def test_owners_report_only_on_their_own_actions(client, seed_version, role):
    own, other = seed_version.actions.get(ref="5.2"), seed_version.actions.get(ref="1.2")
    client.force_login(owner_of(own, role))
    before = row_counts()
    for url, data in (
        (reverse("plans:progressupdate_add", kwargs={"partnership": "alpha", "pk": other.pk}), update_data()),
        (reverse("plans:checkpointrecord_add", kwargs={"partnership": "alpha", "pk": other.pk}),
         {"due_date": "2017-12-31", "outcome": "done"}),
    ):
        assert client.post(url, data).status_code == 403
    assert row_counts() == before
    assert "Report progress" not in client.get(other.get_absolute_url()).content.decode()
    assert "Report progress" in client.get(own.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_locking_a_period_by_role(client, seed_version, role):
    client.force_login(user_with(role, seed_version.partnership))
    url = reverse("plans:planversion_period_lock", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    allowed = role in {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}
    readers = allowed or role in {Role.ACTION_OWNER, Role.PREVENT_LEAD, Role.CHANNEL_CHAIR, Role.POLICE_PREVENT,
                                  Role.PANEL_MEMBER, Role.BOARD_VIEWER}
    assert client.get(url, {"period": "2017-10-01"}).status_code == (200 if allowed else (403 if readers else 404))
    response = client.post(url, {"period": "2017-10-01", "operation": "lock"})
    assert response.status_code == (302 if allowed else (403 if readers else 404))
    assert PeriodLock.objects.filter(period_start=D(2017, 10, 1)).exists() == allowed


def test_the_menus_dashboard_opens_the_current_versions_or_says_there_is_no_plan(client, db):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.BOARD_VIEWER, partnership))
    url = reverse("plans:dashboard", kwargs={"partnership": "alpha"})
    empty = client.get(url, follow=True)
    assert empty.redirect_chain[-1][0] == reverse("plans:plan_list", kwargs={"partnership": "alpha"})
    assert "There is no action plan yet" in empty.content.decode()
    version = plan_import(actor=None, partnership=partnership, parsed=parse_plan(SEED.read_bytes(), SEED.name),
                          source_name=SEED.name)
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha",
                                                                                       "pk": version.pk})
    assert 'href="/p/alpha/dashboard/" aria-current="true">Dashboard</a>' in page.content.decode()  # the menu says where
    client.force_login(user_with(Role.AUDITOR, partnership))
    assert client.get(url).status_code == 403


def test_locking_a_period_asks_first_and_says_how_many_actions_have_no_update(client, seed_version):
    ProgressUpdate.objects.create(partnership=seed_version.partnership, action=seed_version.actions.get(ref="1.1"),
                                  period_start=D(2017, 10, 1), status="on_track", rag="green", narrative="Done",
                                  author_name="A")
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    dashboard = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    page = client.get(dashboard + "?as_of=2017-11-15").content.decode()
    confirm_url = reverse("plans:planversion_period_lock", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    assert f"{confirm_url}?period=2017-10-01&amp;next=" in page  # a link to the question, not a button that locks
    confirm = client.get(confirm_url, {"period": "2017-10-01", "next": dashboard + "?as_of=2017-11-15"})
    text = confirm.content.decode()
    total = seed_version.actions.count()
    assert "Lock Q3 2017/18?" in text and f"1 of {total}" in text
    assert f"{total - 1} actions have no update for Q3 2017/18" in text
    assert not PeriodLock.objects.exists()  # asking changes nothing
    locked = client.post(confirm_url, {"period": "2017-10-01", "operation": "lock", "next": dashboard + "?as_of=2017-11-15"})
    assert locked.url == dashboard + "?as_of=2017-11-15"
    assert PeriodLock.objects.filter(period_start=D(2017, 10, 1)).exists()
    again = client.get(confirm_url, {"period": "2017-10-01"}).content.decode()
    assert "Unlock Q3 2017/18?" in again
    # Somewhere else to go back to is refused: back to the dashboard for the period instead.
    unlocked = client.post(confirm_url, {"period": "2017-10-01", "operation": "unlock", "next": "https://example.org/"})
    assert unlocked.url == dashboard + "?as_of=2017-10-01" and not PeriodLock.objects.exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_tracking_pages_of_another_partnership_answer_404(client, seed_version, role):
    bravo = PartnershipFactory(slug="bravo")
    other = plan_import(actor=None, partnership=bravo, parsed=parse_plan(SEED.read_bytes(), SEED.name), source_name="x")
    action = other.actions.get(ref="1.1")
    update = ProgressUpdate.objects.create(partnership=bravo, action=action, period_start=D(2017, 10, 1),
                                           status="on_track", rag="green", narrative=CANARY, author_name="B")
    client.force_login(user_with(role, seed_version.partnership))
    before = row_counts()
    for slug in ("alpha", "bravo"):
        for name, pk, method in (
            ("plans:planversion_dashboard", other.pk, "get"), ("plans:planversion_period_lock", other.pk, "post"),
            ("plans:progressupdate_add", action.pk, "get"), ("plans:progressupdate_add", action.pk, "post"),
            ("plans:progressupdate_evidence", update.pk, "get"),
        ):
            response = getattr(client, method)(reverse(name, kwargs={"partnership": slug, "pk": pk}))
            assert response.status_code == 404, (name, slug, method)
            assert CANARY.encode() not in response.content
    assert row_counts() == before
    assert not Theme.objects.filter(partnership=seed_version.partnership, title__contains=CANARY).exists()


coverage.register("plans:checkpointrecord_add", "plans:mitigatingaction_add")
REPORTERS = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR, Role.ACTION_OWNER, Role.PREVENT_LEAD}
PLAN_READERS = REPORTERS | {Role.CHANNEL_CHAIR, Role.POLICE_PREVENT, Role.PANEL_MEMBER, Role.BOARD_VIEWER}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_marking_a_checkpoint_by_role(client, seed_version, role):
    action = seed_version.actions.get(ref="1.2")
    client.force_login(owner_of(action, role))
    url = reverse("plans:checkpointrecord_add", kwargs={"partnership": "alpha", "pk": action.pk})
    response = client.post(url, {"due_date": "2017-12-31", "outcome": "done", "note": "Platform options paper"})
    expected = 302 if role in REPORTERS else (403 if role in PLAN_READERS else 404)
    assert response.status_code == expected
    records = CheckpointRecord.objects.filter(action=action)
    assert records.exists() == (role in REPORTERS)
    if role in REPORTERS:
        assert change_log_rows(records.get(), "create").count() == 1
        assert not {s.action.ref for s in selectors.dashboard(seed_version, timezone.localdate())["overdue"]} & {"1.2"}


def test_a_checkpoint_that_is_not_in_the_schedule_or_already_marked_is_refused(client, seed_version):
    action = seed_version.actions.get(ref="1.2")
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    url = reverse("plans:checkpointrecord_add", kwargs={"partnership": "alpha", "pk": action.pk})
    response = client.post(url, {"due_date": "2017-12-30", "outcome": "done"}, follow=True)
    assert "30 December 2017 is not one of this action" in response.content.decode()
    client.post(url, {"due_date": "2017-12-31", "outcome": "missed"})
    response = client.post(url, {"due_date": "2017-12-31", "outcome": "done"}, follow=True)
    assert "already marked" in response.content.decode()
    assert CheckpointRecord.objects.get(action=action).outcome == CheckpointOutcome.MISSED


@pytest.mark.parametrize("role", ALL_ROLES)
def test_recording_a_mitigating_action_by_role(client, seed_version, role):
    action = seed_version.actions.get(ref="1.2")
    client.force_login(user_with(role, seed_version.partnership))
    url = reverse("plans:mitigatingaction_add", kwargs={"partnership": "alpha", "pk": action.pk})
    response = client.post(url, {"text": "Borrow the county platform", "owner_text": "WCC", "due_date": "2018-03-31"})
    editors = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}
    assert response.status_code == (302 if role in editors else (403 if role in PLAN_READERS else 404))
    assert action.mitigations.exists() == (role in editors)
    if role in editors:
        page = client.get(action.get_absolute_url()).content.decode()
        assert "Borrow the county platform – WCC, by 31 Mar 2018" in page


def test_the_dashboard_lists_status_changes_since_the_last_period(seed_version):
    partnership = seed_version.partnership
    changed, steady = seed_version.actions.get(ref="5.2"), seed_version.actions.get(ref="5.3")
    with time_machine.travel(dt.datetime(2018, 1, 12, 12, tzinfo=dt.timezone.utc)):
        for action, before, now in ((changed, "on_track", "at_risk"), (steady, "on_track", "on_track")):
            for period_start, status in ((D(2017, 10, 1), before), (D(2018, 1, 1), now)):
                ProgressUpdate.objects.create(partnership=partnership, action=action, period_start=period_start,
                                              status=status, rag="green", narrative="x", author_name="K")
    data = selectors.dashboard(seed_version, JAN_15)
    assert [(s.action.ref, s.previous_status, s.status) for s in data["changed"]] == [("5.2", "on_track", "at_risk")]


coverage.register("plans:planversion_refresh")


def test_the_annual_refresh_carries_open_actions_forward_and_closes_completed_ones(client, seed_version):
    partnership = seed_version.partnership
    done = seed_version.actions.get(ref="2.3")
    done.status = ActionStatus.COMPLETE
    done.save()
    ProgressUpdate.objects.create(partnership=partnership, action=seed_version.actions.get(ref="5.2"),
                                  period_start=D(2018, 1, 1), status="complete", rag="green", narrative="Live",
                                  author_name="K")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("plans:planversion_refresh", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    page = client.get(url)
    assert page.context["label"] == "2018 – 2019 Version"
    assert [a.ref for a in page.context["closing"]] == ["2.3", "5.2"]
    response = client.post(url, {"label": "2018 – 2019 Version"})
    assert response.status_code == 302
    new = seed_version.plan.versions.get(label="2018 – 2019 Version")
    assert (new.previous, new.year_start) == (seed_version, 2018)
    assert new.actions.count() == 30 and new.themes.count() == 6
    assert new.changes["closed"] == ["2.3", "5.2"] and "1.2" in new.changes["carried_forward"]
    carried = new.actions.get(ref="1.2")
    assert carried.previous == seed_version.actions.get(ref="1.2")
    assert [o.person.name for o in carried.owners.all()] == ["John Coleman", "Helene Heath"]
    assert carried.timescales.get().due_date == D(2018, 12, 31)  # moved on a year, flagged to check
    assert "Carried forward from 2017 – 2018 Version" in carried.notes
    assert change_log_rows(new, "create").count() == 1
    # The same label again is refused, and nothing is written.
    before = row_counts()
    again = client.post(url, {"label": "2018 – 2019 version"})
    assert again.status_code == 400 and "already has a version called" in again.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_refreshing_by_role(client, seed_version, role):
    client.force_login(user_with(role, seed_version.partnership))
    url = reverse("plans:planversion_refresh", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    editors = {Role.PARTNERSHIP_ADMIN, Role.COORDINATOR}
    expected = 200 if role in editors else (403 if role in PLAN_READERS else 404)
    assert client.get(url).status_code == expected
    response = client.post(url, {"label": "Next"})
    assert response.status_code == (302 if role in editors else expected)
    assert seed_version.plan.versions.count() == (2 if role in editors else 1)


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_a_dashboard_date_no_plan_could_have_shows_today_with_a_message(client, seed_version, as_of):
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    url = reverse("plans:planversion_dashboard", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    response = client.get(f"{url}?as_of={as_of}", follow=True)
    assert response.status_code == 200 and response.context["as_of"] == timezone.localdate()
    assert "Choose a date between 1990 and 2100" in response.content.decode()


@pytest.mark.parametrize("period_start", ["1850-01-01", "9999-12-31", "0001-01-01", "not a date"])
def test_a_period_outside_the_plans_year_cannot_be_locked(client, seed_version, period_start):
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    url = reverse("plans:planversion_period_lock", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    for method in (client.get, client.post):
        response = method(url, {"period": period_start}, follow=True)
        assert "not in this plan version" in response.content.decode()
    assert not PeriodLock.objects.exists()


def test_the_refresh_page_queries_do_not_grow_with_actions(client, seed_version):
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    url = reverse("plans:planversion_refresh", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    client.get(url)
    small = _queries(client, url)
    _bulk_actions(seed_version, 100)
    assert _queries(client, url) == small


def test_a_refresh_label_over_100_characters_is_refused(client, seed_version):
    client.force_login(user_with(Role.COORDINATOR, seed_version.partnership))
    url = reverse("plans:planversion_refresh", kwargs={"partnership": "alpha", "pk": seed_version.pk})
    response = client.post(url, {"label": "x" * 101})
    assert response.status_code == 400 and "100 characters or fewer" in response.content.decode()
    assert seed_version.plan.versions.count() == 1


def test_an_actions_history_includes_its_updates_and_check_points(client, seed_version):
    action = seed_version.actions.get(ref="1.2")
    client.force_login(owner_of(action, Role.COORDINATOR))
    client.post(reverse("plans:progressupdate_add", kwargs={"partnership": "alpha", "pk": action.pk}), update_data())
    client.post(reverse("plans:checkpointrecord_add", kwargs={"partnership": "alpha", "pk": action.pk}),
                {"due_date": "2017-12-31", "outcome": "done"})
    page = client.get(reverse("plans:action_history", kwargs={"partnership": "alpha", "pk": action.pk})).content.decode()
    assert "of progress update" in page and "of checkpoint record" in page and "Pilot running" in page
