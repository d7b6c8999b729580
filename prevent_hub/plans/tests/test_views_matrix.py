"""Role × action matrix for every plan page (see core.testing.matrix)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prevent_hub.audit.models import AccessLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, CANARY, ModelViewMatrix, row_counts, user_with
from prevent_hub.plans.models import Action, EmailLog, Plan, PlanVersion, Theme

R = Role
# Written out by hand: who should be able to do what with action plans.
READERS = {
    R.PARTNERSHIP_ADMIN, R.COORDINATOR, R.ACTION_OWNER, R.PREVENT_LEAD, R.CHANNEL_CHAIR,
    R.POLICE_PREVENT, R.PANEL_MEMBER, R.BOARD_VIEWER,
}
EDITORS = {R.PARTNERSHIP_ADMIN, R.COORDINATOR}
PLAN_EXPECTED = {"view": READERS, "export": READERS, "add": EDITORS, "change": EDITORS, "delete": EDITORS,
                 "import": EDITORS, "history": EDITORS}


def make_plan(partnership, title="Community Safety Prevent Action Plan"):
    return Plan.objects.create(partnership=partnership, title=title, period_start=2017, period_end=2020)


def make_version(partnership, label="2017 – 2018 Version", title=None):
    plan = make_plan(partnership, title or f"Plan {label}")
    return PlanVersion.objects.create(partnership=partnership, plan=plan, label=label)


def make_action(partnership, text="Run a forum for schools"):
    version = make_version(partnership, title=f"Plan for {text}")
    theme = Theme.objects.create(partnership=partnership, plan_version=version, number=1, title="Safe education")
    return Action.objects.create(partnership=partnership, plan_version=version, theme=theme, ref="1.1", text=text)


class TestPlanViews(ModelViewMatrix):
    model = Plan
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = PLAN_EXPECTED
    canary_field = "title"

    def make(self, partnership, **kwargs):
        return make_plan(partnership, **kwargs)

    def create_data(self, partnership):
        return {"title": "A new plan", "period_start": "2018", "period_end": "2021"}

    def change_data(self, obj):
        return {"title": obj.title, "period_start": "2016", "period_end": "2019", "expected_version": obj.version}


class TestPlanVersionViews(ModelViewMatrix):
    model = PlanVersion
    actions = ("detail", "edit", "delete", "history")
    expected = PLAN_EXPECTED
    canary_field = "label"

    def make(self, partnership, **kwargs):
        return make_version(partnership, **kwargs)

    def change_data(self, obj):
        return {"label": obj.label, "issued": "Final version", "issued_date": "2017-11-30", "expected_version": obj.version}


class TestActionViews(ModelViewMatrix):
    model = Action
    actions = ("list", "detail", "edit", "history", "export")
    expected = PLAN_EXPECTED
    canary_field = "text"

    def make(self, partnership, **kwargs):
        return make_action(partnership, **kwargs)

    def change_data(self, obj):
        return {"text": obj.text, "status": "at_risk", "notes": "Chased in January", "expected_version": obj.version}


coverage.register("plans:plan_import", "plans:planversion_export")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_version_export_by_role_is_access_logged_and_never_crosses_partnerships(client, role):
    alpha, bravo = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="bravo")
    own, other = make_version(alpha), make_version(bravo, label=f"Secret {CANARY}")
    client.force_login(user_with(role, alpha))
    for fmt in ("docx", "xlsx"):
        url = reverse("plans:planversion_export", kwargs={"partnership": "alpha", "pk": own.pk}) + f"?format={fmt}"
        response = client.get(url)
        if role in READERS:
            assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
        else:
            assert response.status_code == 404  # the version is out of scope for roles that cannot view plans
    assert AccessLog.objects.filter(target_id=str(own.pk), event="export").count() == (2 if role in READERS else 0)
    for slug in ("alpha", "bravo"):
        response = client.get(reverse("plans:planversion_export", kwargs={"partnership": slug, "pk": other.pk}))
        assert response.status_code == 404 and CANARY.encode() not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_plan_import_by_role(client, role):
    alpha = PartnershipFactory(slug="alpha")
    PartnershipFactory(slug="bravo")
    client.force_login(user_with(role, alpha))
    url = reverse("plans:plan_import", kwargs={"partnership": "alpha"})
    allowed = role in EDITORS
    assert client.get(url).status_code == (200 if allowed else 403)
    before = row_counts()
    response = client.post(url, {"file": SimpleUploadedFile("p.txt", b"1.1 Something\tSomeone\tMarch 2018")})
    assert response.status_code == (400 if allowed else 403)  # no header row: refused either way
    assert client.post(url, {"confirm": "1", "token": "forged"}).status_code == (400 if allowed else 403)
    assert row_counts() == before
    assert client.get(reverse("plans:plan_import", kwargs={"partnership": "bravo"})).status_code == 404


class TestEmailLogViews(ModelViewMatrix):
    model = EmailLog
    actions = ("list",)
    expected = {**PLAN_EXPECTED, "view": EDITORS}
    canary_field = "subject"

    def make(self, partnership, **kwargs):
        fields = {"recipient": "owner@example.test", "kind": "digest", "period_start": "2018-01-01",
                  "run_date": "2018-03-20", "subject": "Please update your actions", "sent": True, **kwargs}
        return EmailLog.objects.create(partnership=partnership, **fields)
