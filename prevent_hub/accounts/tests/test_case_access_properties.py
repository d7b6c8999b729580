"""A property over random role sets and memberships: user management never opens case records alone.

Hypothesis draws two partnerships, a user outside the case team holding a random set of the
other roles in one or both, other accounts with random roles (case roles included), and a random
sequence of user-management steps through the pages, as them or as any account they come to
control: edit anyone (themselves too) with any roles
and any address (one the actor controls, or another account's), add anyone, every account
operation, deciding and withdrawing every request, asking for password resets, and following
every link that reaches a mailbox the actor controls (as soon as it arrives). Afterwards nobody holds a case role they did
not hold at the start, and no account that still opens case records has a new address or second factor:
every such change still waits for a second person.
"""
import itertools
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevent_hub.accounts.models import CaseAccessRequest, EmailChange, Membership, User
from prevent_hub.core.roles import CASE_ACCESS_ROLES, CASE_TEAM, Role
from prevent_hub.core.testing.factories import PartnershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NON_CASE_TEAM = sorted(set(Role) - CASE_TEAM)
ACTOR_MAILBOXES = ("mine.one@actor.test", "mine.two@actor.test")
OPERATIONS = ("disable", "enable", "reset-mfa", "end-sessions")
LINK = re.compile(r"https?://[^\s/]+(/\S+)")
_worlds = itertools.count()

role_sets = st.sets(st.sampled_from(list(Role)), max_size=3)


def step_strategy(others: int):
    target = st.integers(0, others)  # 0 is the actor themselves
    where = st.sampled_from(["a", "b"])
    email = st.one_of(st.just(None), st.sampled_from(ACTOR_MAILBOXES), st.integers(0, others).map(lambda i: ("user", i)))
    return st.one_of(
        st.tuples(st.just("edit"), target, where, role_sets, email),
        st.tuples(st.just("add"), where, email, role_sets),
        st.tuples(st.just("operation"), target, where, st.sampled_from(OPERATIONS)),
        st.tuples(st.just("decide"), where, st.booleans()),
        st.tuples(st.just("withdraw"), where),
        st.tuples(st.just("reset_password"), st.sampled_from(ACTOR_MAILBOXES)),
        st.tuples(st.just("switch"), st.sampled_from(ACTOR_MAILBOXES)),
    )


def case_holdings():
    return set(Membership.objects.filter(role__in=CASE_ACCESS_ROLES).values_list("user_id", "partnership_id", "role"))


def sign_in_details(user_ids):
    return {pk: (User.objects.get(pk=pk).email, frozenset(Authenticator.objects.filter(user_id=pk).values_list("pk", flat=True)))
            for pk in user_ids}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_user_management_sequence_by_someone_outside_the_case_team_opens_case_records(
        client, data, django_capture_on_commit_callbacks):
    n = next(_worlds)
    places = {"a": PartnershipFactory(slug=f"prop-a-{n}"), "b": PartnershipFactory(slug=f"prop-b-{n}")}
    # The actor administers users in A (the interesting case) and holds any other roles outside the case team.
    extra = data.draw(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(NON_CASE_TEAM)), max_size=3,
                               unique=True), label="actor's other roles")
    actor = UserFactory(email=f"actor{n}@example.test",
                        roles=[(places[p], role) for p, role in {("a", Role.SYSTEM_ADMIN), *extra}])
    # Others hold random roles; two of them open case records (one in A, one in B).
    given_case_roles = [{"a": {Role.CHANNEL_CHAIR}}, {"b": {Role.POLICE_PREVENT}}, {}, {}]
    others = [UserFactory(email=f"other{n}-{i}@example.test",
                          roles=[(places[p], role) for p in "ab"
                                 for role in data.draw(role_sets, label=f"user {i} in {p}") | given_case_roles[i].get(p, set())])
              for i in range(4)]
    accounts = [actor, *others]
    holdings_before = case_holdings()
    case_holders = {pk for pk, _partnership, _role in holdings_before}
    details_before = sign_in_details(case_holders)
    read = {"up_to": len(mail.outbox)}
    identity = {"current": actor}  # the actor may come to control other accounts and sign in as them
    client.force_login(actor)

    def address(choice):
        if choice is None:
            return None
        return choice if isinstance(choice, str) else User.objects.get(pk=accounts[choice[1]].pk).email

    for step in data.draw(st.lists(step_strategy(len(others)), min_size=1, max_size=8), label="steps"):
        if step[0] == "switch":
            controlled = User.objects.filter(email=step[1], is_active=True).first()
            if controlled is not None:
                identity["current"] = controlled
        else:
            with django_capture_on_commit_callbacks(execute=True):
                perform(client, step, places, accounts, address)
            with django_capture_on_commit_callbacks(execute=True):  # mail goes when the step's transaction commits
                follow_links(client, read)  # the actor reads their own mail at once
        client.force_login(identity["current"])  # some steps sign the actor out (ending their own sessions)

    holdings_after = case_holdings()
    assert holdings_after <= holdings_before, "someone gained a case role without a second person"
    # An account may lose its case role and then be changed like any other; one that still holds it may not.
    still_holding = {pk for pk, _partnership, _role in holdings_after}
    assert sign_in_details(still_holding) == {pk: details_before[pk] for pk in still_holding}, \
        "an account that opens case records changed hands"
    assert not CaseAccessRequest.objects.filter(user__in=accounts, status=CaseAccessRequest.Status.APPROVED).exists()
    controlled = User.objects.filter(email__in=ACTOR_MAILBOXES).values_list("pk", flat=True)
    assert not Membership.objects.filter(user__in=[actor.pk, *controlled], role__in=CASE_ACCESS_ROLES).exclude(
        user_id__in=case_holders).exists()
    assert not EmailChange.objects.filter(user_id__in=still_holding).exists()


def perform(client, step, places, accounts, address):
    kind, *args = step
    if kind == "edit":
        target, where, roles, email = args
        user, partnership = User.objects.get(pk=accounts[target].pk), places[where]
        client.post(reverse("accounts:user_edit", kwargs={"partnership": partnership.slug, "pk": user.pk}), {
            "full_name": user.full_name, "email": address(email) or user.email, "expected_version": user.version,
            "roles": [role.value for role in roles], "reason": "Needed for the work"})
    elif kind == "add":
        where, email, roles = args
        client.post(reverse("accounts:user_add", kwargs={"partnership": places[where].slug}), {
            "full_name": "Added Person", "email": address(email) or ACTOR_MAILBOXES[0],
            "roles": [role.value for role in roles], "reason": "Needed for the work"})
    elif kind == "operation":
        target, where, operation = args
        client.post(reverse("accounts:user_operation", kwargs={
            "partnership": places[where].slug, "pk": accounts[target].pk, "operation": operation}),
            {"reason": "Needed"})
    elif kind in ("decide", "withdraw"):
        where = args[0]
        for request in CaseAccessRequest.objects.filter(partnership=places[where]):
            name = f"accounts:caseaccessrequest_{kind}"
            data = {"decision": "approve" if kind == "withdraw" or args[1] else "reject"}
            client.post(reverse(name, kwargs={"partnership": places[where].slug, "pk": request.pk}), data)
    else:
        client.post(reverse("account_reset_password"), {"email": args[0]})


def follow_links(client, read):
    """Follow every link that has reached a mailbox the actor controls since they last looked."""
    new, read["up_to"] = mail.outbox[read["up_to"]:], len(mail.outbox)
    for message in new:
        if set(message.to) & set(ACTOR_MAILBOXES):
            for path in LINK.findall(message.body):
                client.get(path)
                client.post(path, {"password1": "a new long passphrase 2026", "password2": "a new long passphrase 2026"})
