"""Role × action matrix for every governance page (see core.testing.matrix)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, ModelViewMatrix, row_counts, user_with
from prevent_hub.governance.models import (
    Group,
    Meeting,
    MeetingPaper,
    Obligation,
    ReportingLine,
    Seat,
    TermsOfReference,
)

R = Role
READERS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR, R.ACTION_OWNER, R.PREVENT_LEAD, R.CHANNEL_CHAIR, R.POLICE_PREVENT,
           R.PANEL_MEMBER, R.BOARD_VIEWER}
EDITORS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR}
EXPECTED = {"view": READERS, "export": READERS, "add": EDITORS, "change": EDITORS, "delete": EDITORS,
            "import": EDITORS, "history": EDITORS}
STANDARD = ("list", "detail", "add", "edit", "delete", "history")


def make_group(partnership, name="Schools Prevent Forum", **kwargs):
    return Group.objects.create(partnership=partnership, name=name, kind="forum", cadence="termly", **kwargs)


class TestGroupViews(ModelViewMatrix):
    model = Group
    actions = STANDARD
    expected = EXPECTED

    def make(self, partnership, **kwargs):
        return make_group(partnership, **kwargs)

    def create_data(self, partnership):
        return {"name": "FE Prevent Forum", "kind": "forum", "cadence": "termly"}

    def change_data(self, obj):
        return {"name": obj.name, "kind": "forum", "cadence": "biannual", "expected_version": obj.version}


class TestReportingLineViews(ModelViewMatrix):
    model = ReportingLine
    actions = STANDARD
    expected = EXPECTED
    canary_field = "from_group"

    def make(self, partnership, from_group=None):
        name = f"Forum {from_group}" if from_group else "Schools Prevent Forum"
        return ReportingLine.objects.create(partnership=partnership, from_group=make_group(partnership, name),
                                            to_group=make_group(partnership, f"{name} board"))

    def create_data(self, partnership):
        return {"from_group": make_group(partnership, "A").pk, "to_group": make_group(partnership, "B").pk}

    def change_data(self, obj):
        return {"from_group": obj.to_group_id, "to_group": obj.from_group_id, "expected_version": obj.version}

    def conflicting_change(self, data):
        data["from_group"], data["to_group"] = data["to_group"], data["from_group"]
        return "reports to"

    @pytest.fixture
    def world(self, db):
        from prevent_hub.core.testing.matrix import World

        a = PartnershipFactory(slug="alpha", name="Alpha Partnership")
        b = PartnershipFactory(slug="bravo", name="Bravo Partnership")
        return World(a=a, b=b, obj=self.make(a), other=self.make(b, from_group=f"Secret {CANARY}"))


class TestSeatViews(ModelViewMatrix):
    model = Seat
    actions = STANDARD
    expected = EXPECTED
    canary_field = "organisation"

    @pytest.fixture
    def world(self, db):
        from prevent_hub.core.testing.matrix import World

        a = PartnershipFactory(slug="alpha", name="Alpha Partnership")
        b = PartnershipFactory(slug="bravo", name="Bravo Partnership")
        return World(a=a, b=b, obj=self.make(a), other=self.make(b, name=f"Secret {CANARY}"))

    def make(self, partnership, name="Northshire Council"):
        return Seat.objects.create(partnership=partnership, group=make_group(partnership),
                                   organisation=OrganisationFactory(partnership=partnership, name=name))

    def create_data(self, partnership):
        return {"group": make_group(partnership, "Another forum").pk,
                "organisation": OrganisationFactory(partnership=partnership).pk, "role": "member"}

    def change_data(self, obj):
        return {"group": obj.group_id, "organisation": obj.organisation_id, "role": "deputy",
                "expected_version": obj.version}

    def conflicting_change(self, data):
        data["role"] = "adviser"
        return "Adviser"


class TestTermsOfReferenceViews(ModelViewMatrix):
    model = TermsOfReference
    actions = STANDARD
    expected = EXPECTED
    canary_field = "version_label"

    def make(self, partnership, version_label="July 2017"):
        return TermsOfReference.objects.create(partnership=partnership, group=make_group(partnership),
                                               version_label=version_label, next_review=dt.date(2018, 7, 31))

    def create_data(self, partnership):
        return {"group": make_group(partnership, "Another").pk, "version_label": "2018", "next_review": "2019-07-31"}

    def change_data(self, obj):
        return {"group": obj.group_id, "version_label": obj.version_label, "next_review": "2019-07-31",
                "expected_version": obj.version}


class TestMeetingViews(ModelViewMatrix):
    model = Meeting
    actions = STANDARD
    expected = EXPECTED
    canary_field = "location"

    def make(self, partnership, location="Shire Hall"):
        return Meeting.objects.create(partnership=partnership, group=make_group(partnership), location=location,
                                      starts_at=timezone.now())

    def create_data(self, partnership):
        return {"group": make_group(partnership, "Another").pk, "starts_at": "2018-01-15T10:00", "status": "planned"}

    def change_data(self, obj):
        return {"group": obj.group_id, "starts_at": "2018-02-15T10:00", "status": "held", "location": obj.location,
                "expected_version": obj.version}


class TestObligationViews(ModelViewMatrix):
    model = Obligation
    actions = STANDARD
    expected = EXPECTED
    canary_field = "title"

    def make(self, partnership, title="Annual report to the boards"):
        return Obligation.objects.create(partnership=partnership, title=title, due_date=dt.date(2018, 7, 31))

    def create_data(self, partnership):
        return {"title": "Review the terms of reference", "due_date": "2018-07-31", "status": "due"}

    def change_data(self, obj):
        return {"title": obj.title, "due_date": "2018-08-31", "status": "done", "expected_version": obj.version}


coverage.register("governance:diagram", "governance:compliance", "governance:group_plan_meetings",
                  "governance:meeting_attendance", "governance:meeting_items", "governance:meeting_ics",
                  "governance:meeting_papers", "governance:meetingpaper_download")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_governance_pages_by_role_and_never_across_partnerships(client, role):
    alpha, bravo = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="bravo")
    own = Meeting.objects.create(partnership=alpha, group=make_group(alpha),
                                 starts_at=timezone.now())
    other = Meeting.objects.create(partnership=bravo, group=make_group(bravo, f"Secret {CANARY}"), starts_at=timezone.now())
    client.force_login(user_with(role, alpha))
    reader = role in READERS
    for name in ("governance:diagram", "governance:compliance"):
        assert client.get(reverse(name, kwargs={"partnership": "alpha"})).status_code == (200 if reader else 403)
        assert client.get(reverse(name, kwargs={"partnership": "bravo"})).status_code == 404
    ics = client.get(reverse("governance:meeting_ics", kwargs={"partnership": "alpha", "pk": own.pk}))
    assert ics.status_code == (200 if reader else 404)
    before = row_counts()
    posts = (  # (page, object, what is posted, what an editor gets: 400 is the page again with the errors)
        ("governance:meeting_papers", own.pk, {}, 400),
        ("governance:meeting_attendance", own.pk, {}, 302),
        ("governance:meeting_items", own.pk, {"kind": "decision", "text": "Agreed"}, 302),
        ("governance:group_plan_meetings", own.group_id, {"first": "2018-04-17", "at": "10am", "until": "2019-03-31"}, 302),
    )
    for name, pk, data, edited in posts:
        response = client.post(reverse(name, kwargs={"partnership": "alpha", "pk": pk}), data)
        assert response.status_code == (edited if role in EDITORS else (403 if reader else 404)), name
    if role not in EDITORS:
        assert row_counts() == before
    paper = MeetingPaper.objects.create(partnership=bravo, meeting=other, title=CANARY, file="papers/x.pdf")
    for name, pk in (("governance:meeting_ics", other.pk), ("governance:meeting_items", other.pk),
                     ("governance:meetingpaper_download", paper.pk), ("governance:meeting_papers", other.pk),
                     ("governance:group_plan_meetings", other.group_id)):
        for slug in ("alpha", "bravo"):
            response = client.post(reverse(name, kwargs={"partnership": slug, "pk": pk}), {"kind": "decision", "text": "x"})
            assert response.status_code == 404 and CANARY.encode() not in response.content
