"""Governance rules: the seed's groups, attendance compliance, calendars, actions arising, secure groups."""
import datetime as dt

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_hub.audit.models import AccessLog
from prevent_hub.core.dates import end_of_day
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PreventLeadFactory
from prevent_hub.core.testing.matrix import change_log_rows, user_with
from prevent_hub.core.testing.queries import computed_and_cached
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.governance import selectors, services
from prevent_hub.governance.demo import load_warwickshire_governance
from prevent_hub.governance.models import Attendance, Group, Meeting, MeetingItem, Seat
from prevent_hub.plans import selectors as plan_selectors
from prevent_hub.plans.demo import load_warwickshire_plan
from prevent_hub.plans.models import Theme

D = dt.date
TZ = dt.timezone.utc


@pytest.fixture
def warwickshire(db):
    partnership, _ = load_warwickshire()
    load_warwickshire_plan(partnership)
    load_warwickshire_governance(partnership)
    return partnership


def test_the_demo_holds_the_seeds_groups_and_reporting_lines(warwickshire):
    groups = {g.short_name: g for g in Group.objects.filter(partnership=warwickshire)}
    assert set(groups) == {"PSG", "Channel Panel", "Schools Forum", "FE Forum", "SWPB", "WSCB", "WSAB", "Regional"}
    assert groups["Channel Panel"].is_secure and groups["Channel Panel"].cadence == "monthly"
    assert groups["PSG"].chair.name == "Phil Evans"
    assert {line.to_group.short_name for line in groups["PSG"].reports_to.all()} == {"SWPB", "WSCB", "WSAB"}
    assert {line.from_group.short_name for line in groups["PSG"].receives_reports_from.all()} == {
        "Channel Panel", "Schools Forum", "FE Forum", "Regional"}
    assert load_warwickshire_governance(warwickshire) == 0  # loading again adds nothing


def test_the_diagram_is_drawn_from_the_data_with_a_text_alternative(client, warwickshire):
    client.force_login(user_with(Role.BOARD_VIEWER, warwickshire))
    page = client.get(reverse("governance:diagram", kwargs={"partnership": "warwickshire"})).content.decode()
    assert page.count("<rect") == 8 and page.count("<line") == 7
    assert 'role="img"' in page and "The same reporting lines are listed as text" in page
    assert "Warwickshire Channel Panel</a> reports to <a" in page
    layout = selectors.reporting_diagram(warwickshire)
    rows = {box.group.short_name: box.y for box in layout["boxes"]}
    assert rows["SWPB"] < rows["PSG"] < rows["Channel Panel"]  # boards at the top, the panel below the PSG


def _strategy_group(partnership):
    return Group.objects.create(partnership=partnership, name="Strategy Group", kind="strategy_group",
                                cadence="quarterly")


def test_attendance_compliance_over_four_quarterly_meetings_with_exact_numbers(db):
    partnership = PartnershipFactory()
    group = _strategy_group(partnership)
    council = OrganisationFactory(partnership=partnership, name="Council")
    trust = OrganisationFactory(partnership=partnership, name="Health Trust")
    college = OrganisationFactory(partnership=partnership, name="College")
    charity = OrganisationFactory(partnership=partnership, name="Charity", is_specified_authority=False)
    PreventLeadFactory(partnership=partnership, organisation=council, start_date=D(2017, 1, 1))
    PreventLeadFactory(partnership=partnership, organisation=trust, start_date=D(2017, 1, 1))
    Seat.objects.create(partnership=partnership, group=group, organisation=charity)
    record = {
        # meeting date: {organisation: status}
        D(2017, 5, 15): {council: "present", trust: "present", college: "absent", charity: "present"},
        D(2017, 8, 15): {council: "deputy", trust: "apologies", college: "absent"},
        D(2017, 11, 15): {council: "present", trust: "present", college: "present"},
        D(2018, 2, 15): {council: "present", trust: "absent", college: "apologies", charity: "present"},
    }
    for day, statuses in record.items():
        meeting = Meeting.objects.create(partnership=partnership, group=group, status="held",
                                         starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=TZ))
        for org, status in statuses.items():
            services.attendance_record(actor=None, meeting=meeting, organisation=org, status=status)
    # A cancelled meeting and one from an older quarter are not counted.
    Meeting.objects.create(partnership=partnership, group=group, status="cancelled",
                           starts_at=dt.datetime(2017, 9, 1, 10, tzinfo=TZ))
    Meeting.objects.create(partnership=partnership, group=group, status="held",
                           starts_at=dt.datetime(2017, 2, 15, 10, tzinfo=TZ))
    table = selectors.attendance_compliance(partnership, D(2018, 3, 20))
    assert (table["start"], table["end"], table["meetings"]) == (D(2017, 4, 1), D(2018, 3, 31), 4)
    rows = {row.organisation.name: (row.attended, row.meetings, row.rate, row.no_lead) for row in table["rows"]}
    assert rows == {
        "Council": (4, 4, 100, False),  # a deputy counts
        "Health Trust": (2, 4, 50, False),
        "College": (1, 4, 25, True),  # a specified authority with no Prevent lead nominated
    }
    # Holds a seat but is not a specified authority: shown apart, never flagged, never counted.
    assert [(r.organisation.name, r.attended, r.meetings, r.rate, r.no_lead) for r in table["others"]] == [
        ("Charity", 2, 4, 50, False)]
    assert table["summary"] == {"authorities": 3, "at_least_half": 2, "below_half": 1, "no_lead": 1}


def test_compliance_queries_do_not_grow_with_organisations(client, db):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("governance:compliance", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20"
    _strategy_group(partnership)
    OrganisationFactory.create_batch(3, partnership=partnership)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    OrganisationFactory.create_batch(40, partnership=partnership)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_meetings_are_planned_from_the_cadence_and_each_is_change_logged(db):
    partnership = PartnershipFactory()
    group = _strategy_group(partnership)
    plan = {"at": dt.time(14, 0), "location": "Shire Hall"}
    # From the third Tuesday of April 2018, every quarter on a third Tuesday, at 2pm.
    created = services.meetings_generate(actor=None, group=group, first=D(2018, 4, 17), until=D(2019, 3, 31), **plan)
    assert [m.starts_at.date() for m in created] == [D(2018, 4, 17), D(2018, 7, 17), D(2018, 10, 16), D(2019, 1, 15)]
    assert {(timezone.localtime(m.starts_at).hour, m.location) for m in created} == {(14, "Shire Hall")}
    assert all(change_log_rows(m, "create").count() == 1 for m in created)
    assert services.meetings_generate(actor=None, group=group, first=D(2018, 4, 17), until=D(2019, 3, 31), **plan) == []
    board = Group.objects.create(partnership=partnership, name="Board", kind="board")
    with pytest.raises(services.GovernanceError, match="has no regular cadence"):
        services.meetings_generate(actor=None, group=board, first=D(2018, 4, 17), until=D(2019, 3, 31), **plan)
    # A last Friday stays the last Friday, in a four- or five-week month.
    monthly = Group.objects.create(partnership=partnership, name="Panel", kind="channel_panel", cadence="monthly")
    fridays = services.meetings_generate(actor=None, group=monthly, first=D(2018, 3, 30), until=D(2018, 6, 30), **plan)
    assert [m.starts_at.date() for m in fridays] == [D(2018, 3, 30), D(2018, 4, 27), D(2018, 5, 25), D(2018, 6, 29)]


def test_a_meetings_ics_parses_and_carries_the_recurrence(client, db):
    partnership = PartnershipFactory(slug="alpha")
    group = _strategy_group(partnership)
    (meeting, *_) = services.meetings_generate(actor=None, group=group, first=D(2018, 4, 17), until=D(2018, 12, 31),
                                               at=dt.time(10, 0))
    client.force_login(user_with(Role.PREVENT_LEAD, partnership))
    response = client.get(reverse("governance:meeting_ics", kwargs={"partnership": "alpha", "pk": meeting.pk}))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Strategy Group"
    assert event.decoded("dtstart") == meeting.starts_at
    assert event["dtstart"].params["TZID"] == "Europe/London" and calendar.walk("VTIMEZONE")
    assert event["rrule"]["FREQ"] == ["MONTHLY"] and event["rrule"]["INTERVAL"] == [3]
    # The series ends with its last planned meeting and keeps the same wall-clock time through the summer.
    from dateutil.rrule import rrulestr

    occurrences = list(rrulestr(event["rrule"].to_ical().decode(), dtstart=event.decoded("dtstart")))
    assert event["rrule"]["BYDAY"] == ["+3TU"] or event["rrule"]["BYDAY"] == ["3TU"]
    assert [o.date() for o in occurrences] == [D(2018, 4, 17), D(2018, 7, 17), D(2018, 10, 16)]
    assert {(o.hour, o.minute) for o in occurrences} == {(10, 0)}
    assert AccessLog.objects.filter(event="download", purpose="Meeting calendar entry").count() == 1


def test_the_private_feed_needs_its_secret_and_stops_once_revoked(client, db):
    partnership = PartnershipFactory(slug="alpha")
    other = PartnershipFactory(slug="bravo")
    group = _strategy_group(partnership)
    services.meetings_generate(actor=None, group=group, first=D(2018, 4, 17), until=D(2018, 12, 31), at=dt.time(10, 0))
    Meeting.objects.create(partnership=other, group=_strategy_group(other), starts_at=timezone.now(), location="Elsewhere")
    user = user_with(Role.PREVENT_LEAD, partnership)
    client.force_login(user)
    manage = reverse("calendar:feed_manage")
    client.post(manage, {"operation": "create"})
    token = client.get(manage).context["token"]
    assert token and client.get(manage).context["token"] is None  # shown once
    client.logout()
    feed_url = reverse("calendar:feed", kwargs={"token": token})
    response = client.get(feed_url)
    assert response.status_code == 200
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 3 and all(str(e["summary"]) == "Strategy Group" for e in events)
    assert b"Elsewhere" not in response.content  # another partnership's meetings never appear
    assert AccessLog.objects.filter(purpose="Calendar feed").count() == 1
    assert client.get(reverse("calendar:feed", kwargs={"token": token[:-2] + "xx"})).status_code == 404
    client.force_login(user)
    client.post(manage, {"operation": "revoke"})
    client.logout()
    assert client.get(feed_url).status_code == 404


def test_an_action_arising_becomes_a_plan_action_that_is_tracked(client, warwickshire):
    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    meeting = Meeting.objects.create(partnership=warwickshire, group=group, status="held",
                                     starts_at=dt.datetime(2018, 1, 10, 10, tzinfo=TZ))
    theme = Theme.objects.get(partnership=warwickshire, number=2)
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    response = client.post(reverse("governance:meeting_items", kwargs={"partnership": "warwickshire", "pk": meeting.pk}), {
        "kind": "action", "text": "Write to absent specified authorities about attendance",
        "owner_text": "Prevent Officer – Helene Heath", "due_date": "2018-01-31", "plan_theme": theme.pk,
    }, follow=True)
    assert "It is action 2.7 in the plan." in response.content.decode()
    item = MeetingItem.objects.get()
    action = item.plan_action
    assert (action.ref, action.plan_version, action.timescales.get().due_date) == ("2.7", theme.plan_version, D(2018, 1, 31))
    assert change_log_rows(action, "create").count() == 1 and change_log_rows(item, "create").count() == 1
    # Tracked like any other action (looking at 15 January 2018 with what is recorded now).
    due_soon = {s.action.ref for s in plan_selectors.dashboard(theme.plan_version, D(2018, 1, 15),
                                                                recorded_before=timezone.now())["due_soon"]}
    assert "2.7" in due_soon


def test_a_decision_cannot_be_put_in_the_plan(client, warwickshire):
    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    meeting = Meeting.objects.create(partnership=warwickshire, group=group, starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    theme = Theme.objects.get(partnership=warwickshire, number=2)
    response = client.post(reverse("governance:meeting_items", kwargs={"partnership": "warwickshire", "pk": meeting.pk}),
                           {"kind": "decision", "text": "Agreed to write to schools", "plan_theme": theme.pk})
    # The meeting's page again, the form open with its error, the summary on top and the words typed kept.
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page and "There is a problem" in page
    assert page.count("Only an action arising can be added to the plan.") == 2  # in the summary and at its field
    assert '<details class="govuk-details" open>' in page and "Agreed to write to schools</textarea>" in page
    assert not MeetingItem.objects.exists()


def test_an_action_arising_with_no_words_names_the_field(client, warwickshire):
    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    meeting = Meeting.objects.create(partnership=warwickshire, group=group, starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    response = client.post(reverse("governance:meeting_items", kwargs={"partnership": "warwickshire", "pk": meeting.pk}),
                           {"kind": "action", "owner_text": "Prevent Officer"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_text"' in page and 'value="Prevent Officer"' in page
    assert not MeetingItem.objects.exists()


def test_a_secure_groups_business_is_kept_out_of_the_general_record(client, warwickshire):
    panel = Group.objects.get(partnership=warwickshire, short_name="Channel Panel")
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    response = client.post(reverse("governance:meeting_add", kwargs={"partnership": "warwickshire"}), {
        "group": panel.pk, "starts_at": "2018-01-15T10:00", "status": "held", "minutes": "Case discussion",
    })
    assert response.status_code == 400
    assert "is a secure group: keep its business out of the general record" in response.content.decode()
    assert not Meeting.objects.filter(group=panel).exists()


def test_attendance_is_recorded_for_seated_organisations(client, warwickshire):
    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    meeting = Meeting.objects.create(partnership=warwickshire, group=group, starts_at=timezone.now())
    seat = group.seats.select_related("organisation").first()
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    url = reverse("governance:meeting_attendance", kwargs={"partnership": "warwickshire", "pk": meeting.pk})
    client.post(url, {f"org_{seat.organisation_id}": "apologies"})
    client.post(url, {f"org_{seat.organisation_id}": "deputy"})  # corrected, not duplicated
    attendance = Attendance.objects.get(meeting=meeting)
    assert (attendance.organisation, attendance.status) == (seat.organisation, "deputy")
    assert change_log_rows(attendance).count() == 2



def test_the_meeting_list_shows_meetings_to_come_soonest_first_and_the_past_on_asking(client, db):
    partnership = PartnershipFactory(slug="alpha")
    group = Group.objects.create(partnership=partnership, name="Strategy Group", kind="strategy_group")
    now = timezone.now()
    for days in (60, -30, 7, -400, 0):
        Meeting.objects.create(partnership=partnership, group=group, starts_at=now + dt.timedelta(days=days))
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("governance:meeting_list", kwargs={"partnership": "alpha"})

    def shown(query=""):
        rows = client.get(url + query).context["table"].rows
        return [round((m.starts_at - now).total_seconds() / 86400) for m in rows]

    assert shown() == [0, 7, 60]  # today's still counts as to come
    assert shown("?when=past") == [-30, -400]  # most recent first
    assert shown("?when=all") == [60, 7, 0, -30, -400]
    assert shown("?sort=-starts_at") == [60, 7, 0]  # a sort asked for is kept
    page = client.get(url).content.decode()
    assert '<option value="upcoming" selected>Upcoming</option>' in page


@pytest.mark.parametrize("name", ["group_list", "meeting_list", "seat_list", "obligation_list", "diagram",
                                  "reportingline_list", "termsofreference_list"])
def test_list_pages_use_the_same_number_of_queries_for_few_or_many_rows(client, db, name):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse(f"governance:{name}", kwargs={"partnership": "alpha"})

    def add(count, start):
        for n in range(start, start + count):
            group = Group.objects.create(partnership=partnership, name=f"Group {n}", kind="forum", cadence="termly")
            if n:
                from prevent_hub.governance.models import Obligation, ReportingLine, TermsOfReference

                ReportingLine.objects.create(partnership=partnership, from_group=group,
                                             to_group=Group.objects.get(partnership=partnership, name="Group 0"))
                Obligation.objects.create(partnership=partnership, title=f"Duty {n}", due_date=D(2018, 7, 31))
                TermsOfReference.objects.create(partnership=partnership, group=group, version_label="1")
            Seat.objects.create(partnership=partnership, group=group, organisation=OrganisationFactory(partnership=partnership))
            Meeting.objects.create(partnership=partnership, group=group, starts_at=timezone.now())

    add(3, 0)
    client.get(url)
    small = computed_and_cached(client, url)
    add(30, 3)
    assert computed_and_cached(client, url) == small


def test_seat_holders_are_reminded_a_week_before_a_meeting_and_chairs_before_a_review(db, smtp_server):
    from prevent_hub.core.testing.factories import PersonFactory
    from prevent_hub.governance.models import TermsOfReference
    from prevent_hub.governance.reminders import governance_reminders

    partnership = PartnershipFactory()
    chair = PersonFactory(partnership=partnership, name="Robin Chair", email="chair@example.test")
    member = PersonFactory(partnership=partnership, name="Sam Member", email="member@example.test")
    group = Group.objects.create(partnership=partnership, name="Strategy Group", kind="strategy_group", chair=chair)
    Seat.objects.create(partnership=partnership, group=group, person=member, organisation=member.organisation)
    Meeting.objects.create(partnership=partnership, group=group, location="Shire Hall",
                           starts_at=dt.datetime(2018, 3, 27, 10, tzinfo=TZ))
    TermsOfReference.objects.create(partnership=partnership, group=group, version_label="2017",
                                    next_review=D(2018, 4, 19))
    assert governance_reminders(D(2018, 3, 19)) == 0  # eight days before: not yet
    assert governance_reminders(D(2018, 3, 20)) == 2
    to = {m["X-Envelope-To"]: m for m in smtp_server.messages}
    assert to["member@example.test"]["Subject"] == "Strategy Group meets on 27 March 2018"
    assert "Shire Hall" in to["member@example.test"].get_payload(decode=True).decode()
    assert to["chair@example.test"]["Subject"].startswith("The Strategy Group terms of reference are due for review")
    assert governance_reminders(D(2018, 3, 20)) == 0  # once only


def test_papers_are_checked_on_upload_and_downloads_are_access_logged(client, db, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prevent_hub.governance.models import MeetingPaper

    settings.MEDIA_ROOT = tmp_path
    partnership = PartnershipFactory(slug="alpha")
    meeting = Meeting.objects.create(partnership=partnership, group=_strategy_group(partnership), starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("governance:meeting_papers", kwargs={"partnership": "alpha", "pk": meeting.pk})
    bad = client.post(url, {"title": "Risk register", "file": SimpleUploadedFile("register.exe", b"MZ")}, follow=True)
    assert "The paper must be one of these types" in bad.content.decode() and not MeetingPaper.objects.exists()
    client.post(url, {"title": "Newsletter draft", "file": SimpleUploadedFile("draft.pdf", b"%PDF-1.7 test")})
    paper = MeetingPaper.objects.get()
    assert change_log_rows(paper, "create").count() == 1
    client.force_login(user_with(Role.BOARD_VIEWER, partnership))
    download = client.get(reverse("governance:meetingpaper_download", kwargs={"partnership": "alpha", "pk": paper.pk}))
    assert b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert download["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.filter(event="download", purpose="Meeting paper").count() == 1
    panel = Group.objects.create(partnership=partnership, name="Channel Panel", kind="channel_panel", is_secure=True)
    secure = Meeting.objects.create(partnership=partnership, group=panel, starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, partnership))
    refused = client.post(reverse("governance:meeting_papers", kwargs={"partnership": "alpha", "pk": secure.pk}),
                          {"title": "Case notes", "file": SimpleUploadedFile("c.pdf", b"%PDF-1.7")}, follow=True)
    assert "is a secure group" in refused.content.decode() and MeetingPaper.objects.count() == 1


def test_a_decision_can_link_to_an_existing_plan_action(client, warwickshire):
    from prevent_hub.plans.models import Action

    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    meeting = Meeting.objects.create(partnership=warwickshire, group=group, starts_at=timezone.now())
    action = Action.objects.get(partnership=warwickshire, ref="2.5")
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    client.post(reverse("governance:meeting_items", kwargs={"partnership": "warwickshire", "pk": meeting.pk}),
                {"kind": "decision", "text": "Hold the annual event in May", "existing_action": action.pk})
    assert MeetingItem.objects.get().plan_action == action
    other = PartnershipFactory(slug="bravo")
    foreign = Meeting.objects.create(partnership=other, group=_strategy_group(other), starts_at=timezone.now())
    with pytest.raises(services.GovernanceError):
        services.meeting_item_create(actor=None, meeting=foreign, kind="decision", text="x", existing_action=action)


def test_feed_changes_are_change_logged_without_the_secret(client, db):
    from prevent_hub.audit.models import ChangeLog
    from prevent_hub.governance.models import CalendarFeed

    user = user_with(Role.PREVENT_LEAD, PartnershipFactory())
    token = services.calendar_feed_create(user=user)
    services.calendar_feed_revoke(user=user)
    feed = CalendarFeed.objects.get()
    assert [row.action for row in change_log_rows(feed).order_by("seq")] == ["create", "update"]
    logged = " ".join(str(row.after) for row in ChangeLog.objects.all())
    assert token not in logged and feed.token_hash not in logged


def test_a_secure_groups_meetings_take_no_decisions_and_a_group_with_records_cannot_turn_secure(client, warwickshire):
    panel = Group.objects.get(partnership=warwickshire, short_name="Channel Panel")
    meeting = Meeting.objects.create(partnership=warwickshire, group=panel, starts_at=timezone.now())
    client.force_login(user_with(Role.COORDINATOR, warwickshire))
    response = client.post(reverse("governance:meeting_items", kwargs={"partnership": "warwickshire", "pk": meeting.pk}),
                           {"kind": "decision", "text": "A named person's case"}, follow=True)
    assert "is a secure group" in response.content.decode() and not MeetingItem.objects.exists()
    forum = Group.objects.get(partnership=warwickshire, short_name="Schools Forum")
    Meeting.objects.create(partnership=warwickshire, group=forum, starts_at=timezone.now(), minutes="Shared resources")
    edit = client.post(reverse("governance:group_edit", kwargs={"partnership": "warwickshire", "pk": forum.pk}), {
        "name": forum.name, "kind": "forum", "cadence": "biannual", "is_secure": "on", "expected_version": forum.version})
    assert edit.status_code == 400 and "Remove them before making the group secure" in edit.content.decode()
    forum.refresh_from_db()
    assert not forum.is_secure


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:30", "0001-01-01T10:00"])
def test_a_meeting_date_no_calendar_could_hold_is_refused(client, db, starts_at):
    partnership = PartnershipFactory(slug="alpha")
    group = _strategy_group(partnership)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    response = client.post(reverse("governance:meeting_add", kwargs={"partnership": "alpha"}),
                           {"group": group.pk, "starts_at": starts_at, "status": "planned"})
    assert response.status_code == 400 and not Meeting.objects.exists()


def test_compliance_uses_the_lead_and_seat_dates_of_the_period(db):
    partnership = PartnershipFactory()
    group = _strategy_group(partnership)
    council = OrganisationFactory(partnership=partnership, name="Council")
    PreventLeadFactory(partnership=partnership, organisation=council, start_date=D(2017, 1, 1),
                       end_date=D(2017, 6, 30))
    newcomer = OrganisationFactory(partnership=partnership, name="Newcomer", is_specified_authority=False)
    Seat.objects.create(partnership=partnership, group=group, organisation=newcomer, start_date=D(2017, 9, 1))
    for day in (D(2017, 5, 15), D(2017, 8, 15), D(2017, 11, 15), D(2018, 2, 15)):
        meeting = Meeting.objects.create(partnership=partnership, group=group, status="held",
                                         starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=TZ))
        services.attendance_record(actor=None, meeting=meeting, organisation=newcomer, status="present")
    in_may = {r.organisation.name: r for r in selectors.attendance_compliance(partnership, D(2017, 5, 20))["rows"]}
    assert not in_may["Council"].no_lead  # the lead was in post then
    in_march = {r.organisation.name: r for r in selectors.attendance_compliance(partnership, D(2018, 3, 20))["rows"]}
    assert in_march["Council"].no_lead
    newcomer_row = selectors.attendance_compliance(partnership, D(2018, 3, 20))["others"][0]
    assert (newcomer_row.organisation, newcomer_row.attended, newcomer_row.meetings) == (newcomer, 2, 2)  # since its seat began


def test_two_groups_meeting_the_same_day_are_two_reminders_and_ended_seats_get_none(db, smtp_server):
    from prevent_hub.core.testing.factories import PersonFactory
    from prevent_hub.governance.reminders import governance_reminders

    partnership = PartnershipFactory()
    member = PersonFactory(partnership=partnership, email="member@example.test")
    former = PersonFactory(partnership=partnership, email="former@example.test")
    for name in ("Strategy Group", "Schools Forum"):
        group = Group.objects.create(partnership=partnership, name=name, kind="forum")
        Seat.objects.create(partnership=partnership, group=group, person=member)
        Seat.objects.create(partnership=partnership, group=group, person=former, end_date=D(2018, 1, 31))
        Meeting.objects.create(partnership=partnership, group=group, starts_at=dt.datetime(2018, 3, 27, 10, tzinfo=TZ))
    assert governance_reminders(D(2018, 3, 20)) == 2
    assert {m["X-Envelope-To"] for m in smtp_server.messages} == {"member@example.test"}


def test_the_strategy_group_seats_the_seeds_members_whether_or_not_they_are_specified_authorities(warwickshire):
    from prevent_hub.directory.models import Organisation
    from prevent_hub.governance.demo import STRATEGY_GROUP_MEMBERS

    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    seated = {seat.organisation.name: seat.organisation.is_specified_authority
              for seat in group.seats.select_related("organisation")}
    for name in ("Warwickshire Community and Voluntary Action", "Equality & Inclusion Partnership",
                 "Warwick District Faiths Forum", "Warwickshire Youth Justice Service"):
        assert seated[name] is False, name  # CAVA, EQUIP, the Faiths Forum and Youth Justice
    assert set(STRATEGY_GROUP_MEMBERS) <= set(seated)
    authorities = set(Organisation.objects.filter(partnership=warwickshire, is_specified_authority=True)
                      .values_list("name", flat=True))
    assert authorities <= set(seated) and len(seated) == group.seats.count()  # one seat each
    assert load_warwickshire_governance(warwickshire) == 0


def test_any_organisation_in_the_directory_can_hold_a_seat_and_every_list_says_whether_it_is_a_specified_authority(
        client, db):
    partnership = PartnershipFactory(slug="alpha")
    group = _strategy_group(partnership)
    council = OrganisationFactory(partnership=partnership, name="County Council")
    cava = OrganisationFactory(partnership=partnership, name="CAVA", sector="voluntary_community",
                               is_specified_authority=False)
    elsewhere = OrganisationFactory(partnership=PartnershipFactory(slug="bravo"), name="Elsewhere Forum",
                                    is_specified_authority=False)
    Seat.objects.create(partnership=partnership, group=group, organisation=council)
    client.force_login(user_with(Role.COORDINATOR, partnership))
    add = reverse("governance:seat_add", kwargs={"partnership": "alpha"})
    form = client.get(add).content.decode()
    assert '<optgroup label="Specified authorities"><option value="%d">County Council</option></optgroup>' % council.pk in form
    assert '<optgroup label="Other organisations"><option value="%d">CAVA</option></optgroup>' % cava.pk in form
    assert "Elsewhere Forum" not in form
    assert client.post(add, {"group": group.pk, "organisation": cava.pk, "role": "member"}).status_code == 302
    seat = Seat.objects.get(organisation=cava)
    refused = client.post(add, {"group": group.pk, "organisation": elsewhere.pk, "role": "member"})
    assert refused.status_code == 400 and not Seat.objects.filter(organisation=elsewhere).exists()
    specified = '<strong class="govuk-tag govuk-tag--blue">Specified authority</strong>'
    other = '<strong class="govuk-tag govuk-tag--grey">Not a specified authority</strong>'

    def tag_after(html, name):
        """What follows the organisation's name in the table of seats (its row)."""
        return html.split('<tbody class="govuk-table__body">', 1)[1].split(name, 1)[1][:600]

    pages = {
        "seat list": reverse("governance:seat_list", kwargs={"partnership": "alpha"}),
        "group": group.get_absolute_url(),
    }
    for label, url in pages.items():
        html = client.get(url).content.decode()
        assert specified in tag_after(html, "County Council") and other not in tag_after(html, "County Council")[:200], label
        assert other in tag_after(html, "CAVA"), label
    assert "1 of 2 seats held by specified authorities" in client.get(group.get_absolute_url()).content.decode()
    assert other in client.get(seat.get_absolute_url()).content.decode()
    meeting = Meeting.objects.create(partnership=partnership, group=group, status="held",
                                     starts_at=dt.datetime(2018, 2, 15, 10, tzinfo=TZ))
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Not a specified authority: not counted in attendance compliance" in page
    client.post(reverse("governance:meeting_attendance", kwargs={"partnership": "alpha", "pk": meeting.pk}),
                {f"org_{cava.pk}": "present", f"org_{council.pk}": "present"})
    page = client.get(meeting.get_absolute_url()).content.decode()
    register = page.split(">Attendance</h2>", 1)[1]
    assert other in register.split("CAVA", 1)[1][:200] and specified in register.split("County Council", 1)[1][:200]


def test_attendance_compliance_counts_only_specified_authorities_when_others_hold_seats(client, db):
    """CAVA, EQUIP and the like may sit on the Strategy Group; compliance (the Prevent duty's) still counts
    the specified authorities alone: on the page, the dashboard and the report."""
    from prevent_hub.reports import content

    partnership = PartnershipFactory(slug="alpha")
    group = _strategy_group(partnership)
    council = OrganisationFactory(partnership=partnership, name="County Council")
    trust = OrganisationFactory(partnership=partnership, name="Health Trust")
    PreventLeadFactory(partnership=partnership, organisation=council, start_date=D(2017, 1, 1))
    meetings = [Meeting.objects.create(partnership=partnership, group=group, status="held",
                                       starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=TZ))
                for day in (D(2017, 5, 15), D(2017, 8, 15), D(2017, 11, 15), D(2018, 2, 15))]
    for meeting in meetings:
        services.attendance_record(actor=None, meeting=meeting, organisation=council, status="present")
    services.attendance_record(actor=None, meeting=meetings[0], organisation=trust, status="present")
    before = selectors.attendance_compliance(partnership, D(2018, 3, 20))
    # Two members that are not specified authorities join: one never comes, one always does.
    cava = OrganisationFactory(partnership=partnership, name="CAVA", is_specified_authority=False)
    forum = OrganisationFactory(partnership=partnership, name="Faiths Forum", is_specified_authority=False)
    for org in (cava, forum):
        Seat.objects.create(partnership=partnership, group=group, organisation=org)
    for meeting in meetings:
        services.attendance_record(actor=None, meeting=meeting, organisation=forum, status="present")
    after = selectors.attendance_compliance(partnership, D(2018, 3, 20))
    as_tuples = [(r.organisation.name, r.attended, r.meetings, r.rate, r.no_lead) for r in after["rows"]]
    assert as_tuples == [(r.organisation.name, r.attended, r.meetings, r.rate, r.no_lead) for r in before["rows"]] == [
        ("County Council", 4, 4, 100, False), ("Health Trust", 1, 4, 25, True)]
    assert after["summary"] == before["summary"] == {"authorities": 2, "at_least_half": 1, "below_half": 1,
                                                     "no_lead": 1}
    assert [(r.organisation.name, r.rate, r.no_lead) for r in after["others"]] == [("CAVA", 0, False),
                                                                                  ("Faiths Forum", 100, False)]
    client.force_login(user_with(Role.COORDINATOR, partnership))
    page = client.get(reverse("governance:compliance", kwargs={"partnership": "alpha"}) + "?as_of=2018-03-20")
    html = page.content.decode()
    authorities, others = html.split(">Other members</h2>")
    assert "Health Trust" in authorities and "CAVA" not in authorities and "Faiths Forum" not in authorities
    assert "CAVA" in others and "not counted in compliance" in others
    assert "1 of 2 attended at least half the meetings they could" in authorities
    doc = content.Content("Report", "")
    content._attendance_section(doc, partnership, content.Scope(D(2018, 1, 1), D(2018, 3, 31), D(2018, 3, 20),
                                                                end_of_day(D(2018, 3, 20))))
    tables = {block.sheet: block.rows for block in doc.blocks if block.kind == "table"}
    assert [row[0] for row in tables["Attendance"]] == ["County Council", "Health Trust"]
    assert [row[0] for row in tables["Other members"]] == ["CAVA", "Faiths Forum"]


def test_the_dashboard_lists_only_specified_authorities_below_half_attendance(client, warwickshire):
    from prevent_hub.plans.models import PlanVersion

    group = Group.objects.get(partnership=warwickshire, short_name="PSG")
    assert group.seats.filter(organisation__name="Warwickshire Community and Voluntary Action").exists()
    Meeting.objects.create(partnership=warwickshire, group=group, status="held",
                           starts_at=dt.datetime(2017, 12, 5, 10, tzinfo=TZ))  # nobody's attendance recorded
    version = PlanVersion.objects.get(partnership=warwickshire)
    client.force_login(user_with(Role.BOARD_VIEWER, warwickshire))
    url = reverse("plans:planversion_dashboard", kwargs={"partnership": "warwickshire", "pk": version.pk})
    page = client.get(url + "?as_of=2018-01-15").content.decode()
    low = page.split(">Strategy Group attendance</h2>", 1)[1].split("</ul>", 1)[0]
    assert "Warwickshire County Council: 0% attended" in low  # a specified authority
    for name in ("Warwickshire Community and Voluntary Action", "Equality &amp; Inclusion Partnership",
                 "Warwick District Faiths Forum", "Warwickshire Youth Justice Service"):
        assert name not in low, name
