"""No path from user management to case records (the outside security test's two High findings).

1. An administrator of one partnership took over an account that also belonged to another:
   changed its email (no notice, no verification), reset its second factor, reset its password
   by email, enrolled an authenticator and opened the other partnership's Channel case.
2. An administrator gave themselves the Channel chair role and opened case records.
Now: global account details change only by someone who administers every partnership the account
belongs to; a new address takes effect only through a link sent to it, and the old one is told;
nobody changes their own roles; a case role, and a new email or second factor on an account that
holds one, wait for a second person from the case team, who is told.
"""
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from prevent_hub.accounts import services
from prevent_hub.accounts.models import CaseAccessRequest, EmailChange, Membership, User
from prevent_hub.channel.tests.conftest import make_case, with_purpose
from prevent_hub.core.roles import CASE_ACCESS_ROLES, CASE_TEAM, Role
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import PartnershipFactory, UserFactory
from prevent_hub.core.testing.matrix import ALL_ROLES, row_counts, user_with

coverage.register("accounts:caseaccessrequest_decide", "accounts:caseaccessrequest_withdraw")

ATTACKER_MAILBOX = "attacker@mailbox.test"
LINK = re.compile(r"https?://\S+")


def url(name, partnership, **kwargs):
    return reverse(f"accounts:{name}", kwargs={"partnership": partnership.slug, **kwargs})


def links_to(address) -> list[str]:
    return [link for message in mail.outbox if address in message.to for link in LINK.findall(message.body)]


def edit(client, partnership, user, **changes):
    data = {"full_name": user.full_name, "email": user.email, "expected_version": user.version,
            "roles": list(Membership.objects.filter(user=user, partnership=partnership).values_list("role", flat=True))}
    data.update(changes)
    return client.post(url("user_edit", partnership, pk=user.pk), data)


@pytest.fixture
def two(db):
    a = PartnershipFactory(slug="alpha", name="Alpha Partnership")
    b = PartnershipFactory(slug="bravo", name="Bravo Partnership")
    return a, b


def test_finding_1_an_administrator_of_a_cannot_take_over_an_account_that_also_belongs_to_b(client, two, mailoutbox):
    a, b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    victim = UserFactory(roles=[(a, Role.ACTION_OWNER), (b, Role.CHANNEL_CHAIR)])
    case = make_case(b, tag="BRAVO")
    original_email, factors = victim.email, Authenticator.objects.filter(user=victim).count()
    client.force_login(admin)

    # As reported: change the email, then reset the second factor, disable, enable, sign out.
    response = edit(client, a, victim, email=ATTACKER_MAILBOX)
    assert response.status_code == 302  # the roles here may still be managed; the address is not changed
    for operation in ("reset-mfa", "disable", "enable", "end-sessions"):
        assert client.post(url("user_operation", a, pk=victim.pk, operation=operation)).status_code == 403
    victim.refresh_from_db()
    assert victim.email == original_email and victim.is_active
    assert Authenticator.objects.filter(user=victim).count() == factors
    assert not EmailChange.objects.filter(user=victim).exists()
    # Then the password reset by email: the attacker's mailbox gets no way in.
    client.logout()
    client.post(reverse("account_reset_password"), {"email": ATTACKER_MAILBOX})
    assert not [link for link in links_to(ATTACKER_MAILBOX) if "/password/reset/key/" in link or "/email/confirm/" in link]
    # And the page says why the account's details cannot be changed from here.
    client.force_login(admin)
    page = client.get(url("user_detail", a, pk=victim.pk)).content.decode()
    assert "also belongs to a partnership you do not administer" in page
    assert "reset-mfa" not in page
    edit_form = client.get(url("user_edit", a, pk=victim.pk)).content.decode()
    assert re.search(r'name="email"[^>]*disabled', edit_form)
    assert case.reference not in page


def test_an_administrator_of_every_partnership_an_account_belongs_to_may_change_it(client, two, mailoutbox,
                                                                                     django_capture_on_commit_callbacks):
    a, b = two
    admin = UserFactory(roles=[(a, Role.SYSTEM_ADMIN), (b, Role.SYSTEM_ADMIN)])
    member = UserFactory(roles=[(a, Role.ACTION_OWNER), (b, Role.BOARD_VIEWER)])
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert edit(client, a, member, email="New.Address@Example.test").status_code == 302
    member.refresh_from_db()
    assert member.email != "new.address@example.test"  # not until the link is followed
    old_notice = [m for m in mailoutbox if m.to == [member.email]]
    assert len(old_notice) == 1 and "new.address@example.test" in old_notice[0].body
    [link] = links_to("new.address@example.test")
    client.logout()
    confirm = client.get(link)
    assert confirm.status_code == 200 and "Confirm your new email address" in confirm.content.decode()
    member.refresh_from_db()
    assert member.email != "new.address@example.test"  # a visit (a mail scanner) changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link)
    assert done.status_code == 200 and "Email address changed" in done.content.decode()
    member.refresh_from_db()
    assert member.email == "new.address@example.test"
    assert member.emailaddress_set.get(primary=True).email == "new.address@example.test"
    assert any("is now new.address@example.test" in m.body for m in mailoutbox if m.to != ["new.address@example.test"])
    # The link works once.
    assert client.post(link).status_code == 404
    assert "This link cannot be used" in client.get(link).content.decode()


@pytest.mark.parametrize("problem", ["forged", "expired", "replaced", "address taken"])
def test_an_email_change_link_that_cannot_be_used_says_so_and_changes_nothing(client, two, problem, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    import datetime as dt

    a, _b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    member = user_with(Role.ACTION_OWNER, a)
    original = member.email
    target = "somebody.else@example.test"
    if problem == "address taken":
        UserFactory(email=target)
    with django_capture_on_commit_callbacks(execute=True):
        change = services.email_change_request(actor=admin, user=member, new_email=target)
    found = links_to(target)
    if problem == "address taken":
        assert found == []  # no link goes to an address another account uses
        link = "/account/email/confirm/not-a-real-token/"
        assert not services.email_change_confirm(token="x")
    else:
        [link] = found
    if problem == "forged":
        link = link.rstrip("/") + "x/"
    elif problem == "expired":
        EmailChange.objects.filter(pk=change.pk).update(expires_at=change.created_at - dt.timedelta(seconds=1))
    elif problem == "replaced":
        services.email_change_request(actor=admin, user=member, new_email="third@example.test")
    before = row_counts()
    response = client.post(link)
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()
    member.refresh_from_db()
    assert member.email == original
    assert row_counts() == before


def test_finding_2_an_administrator_cannot_give_themselves_a_case_role(client, two):
    a, _b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    case = make_case(a, tag="SELF")
    client.force_login(admin)
    # As reported: edit one's own user with the roles "System administrator, Channel chair".
    response = edit(client, a, admin, roles=["system_admin", "channel_chair"])
    assert response.status_code == 302
    assert set(Membership.objects.filter(user=admin).values_list("role", flat=True)) == {"system_admin"}
    assert not CaseAccessRequest.objects.exists()
    cases = client.get(reverse("channel:case_list", kwargs={"partnership": a.slug}))
    assert cases.status_code in (403, 404) and case.reference not in cases.content.decode()
    detail = client.get(case.get_absolute_url())
    assert detail.status_code == 404
    with pytest.raises(services.AccountRuleError):
        services.user_set_roles(actor=admin, partnership=a, user=admin, roles=["system_admin", "channel_chair"])
    # The roles field says why it cannot be used.
    form = client.get(url("user_edit", a, pk=admin.pk)).content.decode()
    assert "You cannot change your own roles" in form


def test_a_case_role_waits_for_a_second_person_from_the_case_team_who_is_told(
        client, two, mailoutbox, django_capture_on_commit_callbacks):
    a, _b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    chair = user_with(Role.CHANNEL_CHAIR, a)
    police = user_with(Role.POLICE_PREVENT, a)
    colleague = user_with(Role.COORDINATOR, a)
    case = make_case(a, tag="GRANT")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(client, a, colleague, roles=["coordinator", "channel_chair"], reason="Covering the chair")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=colleague, role=Role.CHANNEL_CHAIR).exists()
    request = CaseAccessRequest.objects.get(user=colleague)
    assert (request.kind, request.role, request.status, request.requested_by) == ("grant_role", "channel_chair",
                                                                                  "pending", admin)
    told = [m for m in mailoutbox if chair.email in m.to]
    assert len(told) == 1 and "Covering the chair" in told[0].body and str(colleague) in told[0].body
    detail = client.get(url("user_detail", a, pk=colleague.pk)).content.decode()
    assert "Waiting for the case team" in detail
    # Nobody but a second person from the case team can decide: not the asker, not the account holder.
    for who in (admin, colleague):
        client.force_login(who)
        assert client.post(url("caseaccessrequest_decide", a, pk=request.pk), {"decision": "approve"}).status_code == 403
        with pytest.raises(services.AccountRuleError):
            services.access_request_decide(actor=who, access_request=request, approve=True)
    assert not Membership.objects.filter(user=colleague, role=Role.CHANNEL_CHAIR).exists()
    # The police Prevent officer sees it on the Channel approvals page and approves.
    client.force_login(police)
    approvals = client.get(reverse("channel:approval_list", kwargs={"partnership": a.slug})).content.decode()
    assert "Give a case role: Channel coordinator or chair" in approvals and "Covering the chair" in approvals
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("caseaccessrequest_decide", a, pk=request.pk), {"decision": "approve"}).status_code == 302
    assert Membership.objects.filter(user=colleague, role=Role.CHANNEL_CHAIR).exists()
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", police)
    assert any(admin.email in m.to and "approved" in m.body for m in mailoutbox)
    # The role works from the next page; a second decision is refused.
    client.force_login(colleague)
    with_purpose(client, case)
    assert client.get(case.get_absolute_url()).status_code == 200
    with pytest.raises(services.AccountRuleError):
        services.access_request_decide(actor=chair, access_request=request, approve=False)


def test_a_rejected_or_withdrawn_request_gives_nothing(client, two):
    a, _b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    chair = user_with(Role.CHANNEL_CHAIR, a)
    one, two_ = user_with(Role.COORDINATOR, a), user_with(Role.COORDINATOR, a)
    [first] = services.user_set_roles(actor=admin, partnership=a, user=one, roles=["coordinator", "police_prevent"],
                                      reason="r")
    [second] = services.user_set_roles(actor=admin, partnership=a, user=two_, roles=["coordinator", "panel_member"],
                                       reason="r")
    client.force_login(chair)
    assert client.post(url("caseaccessrequest_decide", a, pk=first.pk), {"decision": "reject"}).status_code == 302
    client.force_login(admin)
    assert client.post(url("caseaccessrequest_withdraw", a, pk=second.pk)).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("rejected", "withdrawn")
    assert not Membership.objects.filter(user__in=[one, two_], role__in=CASE_ACCESS_ROLES).exists()
    client.force_login(chair)
    client.post(url("caseaccessrequest_decide", a, pk=second.pk), {"decision": "approve"})
    assert not Membership.objects.filter(user=two_, role=Role.PANEL_MEMBER).exists()


def test_a_case_role_needs_a_reason(client, two):
    a, _b = two
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))
    colleague = user_with(Role.COORDINATOR, a)
    before = row_counts()
    response = edit(client, a, colleague, roles=["coordinator", "panel_member"])
    assert response.status_code == 400
    assert "Say why they need access to case records" in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("change", ["email", "reset-mfa"])
def test_taking_over_an_account_that_opens_case_records_needs_the_case_team(
        client, two, change, mailoutbox, django_capture_on_commit_callbacks):
    """Inside one partnership too: a new address plus a new second factor would hand over the chair's account."""
    a, _b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    chair = user_with(Role.CHANNEL_CHAIR, a)
    police = user_with(Role.POLICE_PREVENT, a)
    original, factors = chair.email, Authenticator.objects.filter(user=chair).count()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "email":
            response = edit(client, a, chair, email=ATTACKER_MAILBOX, reason="New job title")
        else:
            page = client.get(url("user_operation", a, pk=chair.pk, operation="reset-mfa")).content.decode()
            assert "Ask the case team to approve" in page
            assert client.post(url("user_operation", a, pk=chair.pk, operation="reset-mfa"), {}).status_code == 400
            response = client.post(url("user_operation", a, pk=chair.pk, operation="reset-mfa"), {"reason": "Lost phone"})
    assert response.status_code == 302
    chair.refresh_from_db()
    assert chair.email == original and Authenticator.objects.filter(user=chair).count() == factors
    assert links_to(ATTACKER_MAILBOX) == []
    request = CaseAccessRequest.objects.get(user=chair)
    assert request.kind == ("change_email" if change == "email" else "reset_mfa")
    assert any(original in m.to for m in mailoutbox)  # the chair is told of a request about their own account
    # The chair cannot approve a request about their own account; the police officer can.
    with pytest.raises(services.AccountRuleError):
        services.access_request_decide(actor=chair, access_request=request, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_decide(actor=police, access_request=request, approve=True)
    chair.refresh_from_db()
    if change == "email":
        assert chair.email == original  # still only through the link sent to the new address
        assert len([link for link in links_to(ATTACKER_MAILBOX) if "/email/confirm/" in link]) == 1
    else:
        assert not Authenticator.objects.filter(user=chair).exists()


def test_adding_a_user_answers_the_same_for_any_address_outside_the_partnership(
        client, two, mailoutbox, django_capture_on_commit_callbacks):
    a, b = two
    outsider = UserFactory(roles=[(b, Role.COORDINATOR)], full_name="Bravo Person")
    client.force_login(user_with(Role.SYSTEM_ADMIN, a))

    def add(email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("user_add", a), {"full_name": "Typed Name", "email": email,
                                                        "roles": ["board_viewer"]}, follow=True)
        return response.redirect_chain, [str(m).replace(email.lower(), "<email>") for m in response.context["messages"]]

    assert add("brand.new@example.test") == add(outsider.email.upper())
    assert set(Membership.objects.filter(user=outsider).values_list("partnership__slug", "role")) == {
        ("bravo", "coordinator"), ("alpha", "board_viewer")}
    outsider.refresh_from_db()
    assert outsider.full_name == "Bravo Person"  # what was typed does not overwrite an account's own name
    assert any(outsider.email in m.to and "given access to Alpha Partnership" in m.subject for m in mailoutbox)


CASE_ACCESS_DECIDERS = CASE_TEAM


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_case_team_decides_and_only_administrators_withdraw(client, two, role):
    a, b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    colleague = user_with(Role.COORDINATOR, a)
    [request] = services.user_set_roles(actor=admin, partnership=a, user=colleague,
                                        roles=["coordinator", "police_prevent"], reason="r")
    client.force_login(user_with(role, a))
    before = row_counts()
    withdraw = client.post(url("caseaccessrequest_withdraw", a, pk=request.pk))
    assert withdraw.status_code == (302 if role == Role.SYSTEM_ADMIN else 403)
    if role != Role.SYSTEM_ADMIN:
        assert row_counts() == before
    assert client.get(url("caseaccessrequest_decide", a, pk=request.pk)).status_code in (403, 405)
    request.refresh_from_db()
    if request.status == "pending":
        before = row_counts()
        decide = client.post(url("caseaccessrequest_decide", a, pk=request.pk), {"decision": "approve"})
        assert decide.status_code == (302 if role in CASE_ACCESS_DECIDERS else 403)
        granted = Membership.objects.filter(user=colleague, role=Role.POLICE_PREVENT).exists()
        assert granted == (role in CASE_ACCESS_DECIDERS)
        if role not in CASE_ACCESS_DECIDERS:
            assert row_counts() == before
    # Another partnership's requests are not found.
    other = services.user_set_roles(actor=user_with(Role.SYSTEM_ADMIN, b), partnership=b,
                                    user=user_with(Role.COORDINATOR, b), roles=["panel_member"], reason="r")[0]
    assert client.post(url("caseaccessrequest_decide", a, pk=other.pk), {"decision": "approve"}).status_code in (403, 404)
    assert client.post(url("caseaccessrequest_decide", b, pk=other.pk), {"decision": "approve"}).status_code == 404


def test_the_platform_operator_grants_directly_from_the_command_line(two):
    from django.core.management import call_command

    a, _b = two
    user = user_with(Role.COORDINATOR, a)
    call_command("grant_role", user.email, "channel_chair", partnership="alpha", stdout=open("/dev/null", "w"))
    assert Membership.objects.filter(user=user, role=Role.CHANNEL_CHAIR).exists()


def test_no_user_has_an_unusable_state_after_a_refused_change(two):
    """A refused change leaves nothing behind: no half-made request, membership or address."""
    a, b = two
    admin = user_with(Role.SYSTEM_ADMIN, a)
    victim = UserFactory(roles=[(a, Role.ACTION_OWNER), (b, Role.POLICE_PREVENT)])
    before = row_counts()
    for attempt in (
        lambda: services.user_change(actor=admin, partnership=a, user=User.objects.get(pk=victim.pk),
                                     full_name="x", email=ATTACKER_MAILBOX),
        lambda: services.user_reset_mfa(actor=admin, user=victim, partnership=a),
        lambda: services.user_disable(actor=admin, user=victim),
        lambda: services.email_change_request(actor=admin, user=victim, new_email=ATTACKER_MAILBOX),
    ):
        with pytest.raises(services.AccountRuleError):
            attempt()
    assert row_counts() == before
