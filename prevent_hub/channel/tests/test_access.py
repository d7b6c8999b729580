"""Need to know, the purpose of every read, and the access log (issue 7, privacy and security; acceptance 2 and 3)."""
import datetime as dt
import random

import pytest
from django.urls import reverse

from prevent_hub.audit.models import AccessLog
from prevent_hub.channel import services
from prevent_hub.channel.models import CaseAssignment
from prevent_hub.core.roles import Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.matrix import row_counts, user_with

from .conftest import advance_to_support, canaries, case_url, with_purpose

pytestmark = pytest.mark.django_db

CASE_TEAM = {Role.CHANNEL_CHAIR, Role.POLICE_PREVENT}

# Every Channel page is checked here: outsiders are refused on all of them (the sweep below),
# and the case team's own journeys are in test_lifecycle and test_validation.
PATTERN_KWARGS = dict(coverage.all_url_patterns())
CHANNEL_URL_NAMES = sorted(name for name in PATTERN_KWARGS if name.startswith("channel:"))
# Any partner may refer, and see requests to their own organisation.
PARTNER_PAGES = {"channel:referral_create", "channel:referral_done", "channel:request_list"}
coverage.register(*CHANNEL_URL_NAMES)

# Pages that show case content and so must write exactly one access-log row per successful response.
CONTENT_URL_NAMES = {"channel:case_detail", "channel:case_subject_access", "channel:request_respond",
                     "channel:case_identity"}


def consultations(case=None):
    rows = AccessLog.objects.filter(event__in=("consultation", "export"))
    return rows.filter(target_id=case.log_ref, target_type="channel.case") if case else rows


@pytest.mark.parametrize("role", list(Role))
def test_a_case_is_visible_only_to_the_case_team_and_assigned_panel_members(client, channel_world, role):
    world = channel_world
    client.force_login(world.users[role])
    with_purpose(client, world.case_a)
    response = client.get(world.case_a.get_absolute_url())
    assert response.status_code == (200 if role in CASE_TEAM else 404)
    if role not in CASE_TEAM:
        assert canaries("A")["concern_indicators"] not in response.content.decode()


def test_a_panel_member_sees_their_assigned_case_only_and_never_the_identity(client, channel_world):
    world = channel_world
    client.force_login(world.panel_assigned)
    with_purpose(client, world.case_a)
    with_purpose(client, world.case_b)
    page = client.get(world.case_a.get_absolute_url()).content.decode()
    marks = canaries("A")
    assert marks["concern_indicators"] in page
    for field in ("full_name", "address", "contacts", "religion_or_belief", "ethnicity", "health_and_neurodiversity"):
        assert marks[field] not in page, field
    assert "Identity is withheld" in page
    assert client.get(world.case_b.get_absolute_url()).status_code == 404
    listing = client.get(reverse("channel:case_list", kwargs={"partnership": "alpha"})).content.decode()
    assert world.case_a.reference in listing and world.case_b.reference not in listing


def test_the_case_team_sees_identity_and_special_category_data(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.POLICE_PREVENT])
    with_purpose(client, world.case_a)
    page = client.get(world.case_a.get_absolute_url()).content.decode()
    for mark in canaries("A").values():
        assert mark in page


def test_removing_an_assignment_takes_effect_on_the_next_request(client, channel_world):
    world = channel_world
    client.force_login(world.panel_assigned)
    with_purpose(client, world.case_a)
    assert client.get(world.case_a.get_absolute_url()).status_code == 200
    chair = world.users[Role.CHANNEL_CHAIR]
    services.assignment_remove(actor=chair, assignment=CaseAssignment.objects.get(user=world.panel_assigned))
    assert client.get(world.case_a.get_absolute_url()).status_code == 404


def test_an_assignment_ends_on_its_expiry_date(client, channel_world):
    world = channel_world
    CaseAssignment.objects.filter(user=world.panel_assigned).update(expires_on=dt.date.today() - dt.timedelta(days=1))
    client.force_login(world.panel_assigned)
    with_purpose(client, world.case_a)
    assert client.get(world.case_a.get_absolute_url()).status_code == 404


def test_only_a_panel_member_of_the_partnership_can_be_assigned(channel_world):
    world = channel_world
    with pytest.raises(services.CaseError):
        services.assignment_add(actor=None, case=world.case_b, user=world.users[Role.COORDINATOR])
    with pytest.raises(services.CaseError):
        services.assignment_add(actor=None, case=world.case_b, user=user_with(Role.PANEL_MEMBER, world.b))


def test_the_purpose_is_asked_once_per_case_per_session_and_goes_in_each_log_row(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    first = client.get(world.case_a.get_absolute_url())
    assert first.status_code == 302 and first["Location"].startswith(case_url("case_purpose", world.case_a))
    assert consultations(world.case_a).count() == 0  # asking is not a read
    refused = client.post(case_url("case_purpose", world.case_a), {"purpose": "other"})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    client.post(case_url("case_purpose", world.case_a), {"purpose": "other", "detail": "Checking a date"})
    for _ in range(2):
        assert client.get(world.case_a.get_absolute_url()).status_code == 200
    rows = list(consultations(world.case_a))
    assert len(rows) == 2 and {row.purpose for row in rows} == {"Other (say what): Checking a date"}
    row = rows[-1]
    assert row.user_id == world.users[Role.CHANNEL_CHAIR].pk and row.target_version == world.case_a.version
    assert "referral" in row.sections and "identity" in row.sections and row.roles == "channel_chair"
    assert client.get(world.case_b.get_absolute_url()).status_code == 302  # another case: asked again
    client.logout()
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    assert client.get(world.case_a.get_absolute_url()).status_code == 302  # a new session: asked again


def test_a_purpose_page_does_not_redirect_off_the_case_pages(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    response = client.post(case_url("case_purpose", world.case_a) + "?next=https://evil.example/",
                           {"purpose": "screening"})
    assert response["Location"] == world.case_a.get_absolute_url()


def test_case_pages_are_never_cached(client, channel_world):
    world = channel_world
    client.force_login(world.users[Role.CHANNEL_CHAIR])
    with_purpose(client, world.case_a)
    for url in (world.case_a.get_absolute_url(), reverse("channel:case_list", kwargs={"partnership": "alpha"}),
                case_url("case_subject_access", world.case_a)):
        assert client.get(url)["Cache-Control"] == "no-store"


def test_only_the_auditor_reads_the_access_log_and_case_changes_are_hidden_from_other_log_readers(client, channel_world):
    world = channel_world
    url = reverse("audit:accesslog_list", kwargs={"partnership": "alpha"})
    for role in Role:
        client.force_login(world.users[role])
        assert client.get(url).status_code == (200 if role == Role.AUDITOR else 403), role
    changes = reverse("audit:changelog_list", kwargs={"partnership": "alpha"})
    client.force_login(world.users[Role.COORDINATOR])
    page = client.get(changes).content.decode()
    assert world.case_a.reference not in page and world.case_a.log_ref not in page
    client.force_login(world.users[Role.AUDITOR])
    page = client.get(changes).content.decode()
    # The auditor sees the case's history under its log pseudonym; even they never see its reference there.
    assert world.case_a.log_ref in page and world.case_a.reference not in page


def _sample_kwargs(world, case, name, kwarg_names):
    from prevent_hub.channel.models import Approval, InformationRequest, Review

    values = {
        "partnership": case.partnership.slug,
        "pk": case.pk,
        "review": (Review.objects.filter(case=case).values_list("pk", flat=True).first() or 1),
        "assignment": (CaseAssignment.objects.filter(case=case).values_list("pk", flat=True).first() or 1),
        "token": "not-a-real-token",
    }
    if name == "channel:request_respond":
        values["pk"] = InformationRequest.objects.filter(case=case).values_list("pk", flat=True).first() or 1
    if name in ("channel:approval_decide", "channel:bulk_export_download"):
        values["pk"] = Approval.objects.filter(partnership=case.partnership).values_list("pk", flat=True).first() or 1
    return {key: values.get(key, 1) for key in kwarg_names}


def test_no_page_of_the_app_ever_shows_case_b_to_a_user_not_assigned_to_it(client, channel_world):
    """Acceptance 2: every URL of the whole app, GET and POST, as every user who is not on case B."""
    world = channel_world
    case_b = advance_to_support(world.case_b, organisation=world.organisation, meeting=world.meeting, tag="B")
    services.approval_request(actor=world.users[Role.CHANNEL_CHAIR], partnership=world.a, kind="early_erasure",
                              case=case_b, reason="CANARY-B-APPROVAL")
    marks = [*canaries("B").values(), "CANARY-B-QUESTION", "CANARY-B-RESPONSE", "CANARY-B-DECISION",
             "CANARY-B-CAPACITY", "CANARY-B-SUMMARY", "CANARY-B-NARRATIVE", "CANARY-B-SUPPORT", "CANARY-B-REVIEW",
             "CANARY-B-PROGRESS", "CANARY-B-GATEWAY", "CANARY-B-NATREF", "CANARY-B-APPROVAL",
             case_b.reference]  # even that case B exists is need-to-know
    outsiders = [world.users[role] for role in (Role.SYSTEM_ADMIN, Role.PARTNERSHIP_ADMIN, Role.COORDINATOR,
                                                Role.BOARD_VIEWER, Role.AUDITOR, Role.PREVENT_LEAD)]
    outsiders += [world.panel_assigned, user_with(Role.CHANNEL_CHAIR, world.b)]
    patterns = list(coverage.all_url_patterns())
    checked = 0
    for user in outsiders:
        client.force_login(user)
        with_purpose(client, case_b)
        for name, kwarg_names in patterns:
            if name in ("account_logout", "accounts:sign_out_everywhere", "mfa_deactivate_totp"):
                continue
            url = reverse(name, kwargs=_sample_kwargs(world, case_b, name, kwarg_names))
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                body = response.content.decode(errors="ignore") + str(dict(response.headers))
                # The auditor reads the logs, where case B's history is filed under its log pseudonym; anyone
                # else seeing even that would learn the case exists.
                own_marks = marks if user == world.users[Role.AUDITOR] else [*marks, case_b.log_ref]
                leaked = [mark for mark in own_marks if mark in body]
                assert not leaked, (user, name, method, leaked)
                checked += 1
    assert checked > 2000


def test_access_log_rows_equal_successful_case_content_responses_over_200_random_requests(client, channel_world):
    """Acceptance 3."""
    world = channel_world
    rnd = random.Random(7)
    case_c = advance_to_support(services.referral_create(
        actor=None, partnership=world.a, subject={"full_name": "Invented Person", "date_of_birth": dt.date(1990, 1, 1)},
        received_on=dt.date.today() - dt.timedelta(days=40), referrer_name="Referrer C", referrer_sector="health",
        gender="male", district="Test District", concern_how_arose="How", concern_indicators="What"),
        organisation=world.organisation, meeting=world.meeting, tag="C")
    responder = world.users[Role.ACTION_OWNER]
    services.information_request_create(actor=None, case=case_c, organisation=world.organisation, question="Q?",
                                        due_on=dt.date.today() + dt.timedelta(days=3), responder=responder)
    users = [world.users[Role.CHANNEL_CHAIR], world.users[Role.POLICE_PREVENT], world.panel_assigned,
             world.users[Role.CHANNEL_CHAIR], world.users[Role.POLICE_PREVENT],
             world.users[Role.BOARD_VIEWER], world.users[Role.SYSTEM_ADMIN], responder]
    cases = [world.case_a, world.case_b, case_c, world.case_other]
    names = ["channel:case_detail", "channel:case_detail", "channel:case_detail", "channel:case_subject_access",
             "channel:request_respond", "channel:case_identity", "channel:case_purpose",
             "channel:case_list", "channel:request_list", "channel:request_respond", "channel:case_screen"]
    before = consultations().count()
    content_ok = 0
    for _ in range(200):
        user, case, name = rnd.choice(users), rnd.choice(cases), rnd.choice(names)
        method = "post" if name in ("channel:request_respond", "channel:case_identity") and rnd.random() < 0.4 else "get"
        client.force_login(user)
        if rnd.random() < 0.8:
            with_purpose(client, case)
        kwargs = {"partnership": case.partnership.slug}
        if name == "channel:request_respond":
            kwargs["pk"] = case.information_requests.values_list("pk", flat=True).last() or 999999
        elif name not in ("channel:case_list", "channel:request_list"):
            kwargs["pk"] = case.pk
        if method == "get":
            response = client.get(reverse(name, kwargs=kwargs))
        elif name == "channel:case_identity":  # a form loaded at an older version: 409, showing the newer details
            response = client.post(reverse(name, kwargs=kwargs), {"full_name": "x", "date_of_birth": "1990-01-01",
                                                                  "expected_version": 0})
        else:  # an empty answer: 400, showing the question again
            response = client.post(reverse(name, kwargs=kwargs), {})
        assert response.status_code in (200, 302, 400, 403, 404, 409), (name, response.status_code)
        shows_content = (method == "get" and response.status_code == 200) or response.status_code in (400, 409)
        if name in CONTENT_URL_NAMES and shows_content:
            content_ok += 1
        client.logout()
    assert content_ok >= 25  # the sample really exercised the content pages
    assert consultations().count() - before == content_ok


@pytest.mark.parametrize("name", CHANNEL_URL_NAMES)
def test_outsiders_are_refused_every_channel_page_with_every_method_and_nothing_is_written(client, channel_world, name):
    world = channel_world
    for role in (Role.SYSTEM_ADMIN, Role.BOARD_VIEWER, Role.AUDITOR):
        client.force_login(world.users[role])
        url = reverse(name, kwargs=_sample_kwargs(world, world.case_a, name, PATTERN_KWARGS[name]))
        before = row_counts()
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            response = client.generic(method, url)
            if role == Role.BOARD_VIEWER and name in PARTNER_PAGES:
                continue  # a board member is a partner too: they may refer
            assert response.status_code in (403, 404, 405), (role, name, method, response.status_code)
        assert row_counts() == before, (role, name)


def test_every_partner_finds_the_referral_form_on_the_overview_and_only_the_case_team_the_cases(client, channel_world):
    world = channel_world
    for role in (Role.PREVENT_LEAD, Role.BOARD_VIEWER, Role.CHANNEL_CHAIR):
        client.force_login(world.users[role])
        page = client.get(world.a.get_absolute_url()).content.decode()
        assert reverse("channel:referral_create", kwargs={"partnership": "alpha"}) in page
        case_list = reverse("channel:case_list", kwargs={"partnership": "alpha"})
        assert (f'href="{case_list}"' in page) == (role in CASE_TEAM)  # the navigation's "Channel"
