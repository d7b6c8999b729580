from collections import defaultdict

from django.db.models import Case, Prefetch, QuerySet, Value, When

from prevent_hub.core.permissions import partnership_ids_with_perm
from prevent_hub.core.roles import CASE_ACCESS_ROLES, Role

from .models import CaseAccessRequest, Membership, User


def active_roles_by_partnership(user) -> dict[int, frozenset[Role]]:
    roles: dict[int, set[Role]] = defaultdict(set)
    for partnership_id, role in Membership.objects.filter(user=user).values_list("partnership_id", "role"):
        roles[partnership_id].add(Role(role))
    return {pid: frozenset(r) for pid, r in roles.items()}


def partnerships_for(user) -> QuerySet:
    from prevent_hub.directory.models import Partnership

    return Partnership.objects.filter(memberships__user=user).distinct().order_by("name")


def users_visible_to(actor) -> QuerySet:
    """Users who share a partnership where ``actor`` may manage users."""
    partnership_ids = partnership_ids_with_perm(actor, "accounts.view_user")
    return (
        User.objects.filter(memberships__partnership_id__in=partnership_ids)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("partnership")))
    )


def administers_account(actor, user) -> bool:
    """May ``actor`` change ``user``'s global details (email, second factor, sign-in, active)?

    Only someone who administers every partnership the account belongs to, or the platform
    operator (``actor=None``, the command line) or a platform administrator (superuser): otherwise
    one partnership's administrator could take over an account that opens another's records.
    """
    if actor is None or actor.is_superuser:
        return True
    belongs_to = set(Membership.objects.filter(user=user).values_list("partnership_id", flat=True))
    return belongs_to <= partnership_ids_with_perm(actor, "accounts.change_user")


def holds_case_role(user) -> bool:
    """Does ``user`` hold, in any partnership, a role that opens case records?"""
    return Membership.objects.filter(user=user, role__in=CASE_ACCESS_ROLES).exists()


def case_role_partnership(user, preferred):
    """The partnership whose case team decides on ``user``'s account: ``preferred`` if they hold a case role there."""
    from prevent_hub.directory.models import Partnership

    with_case_role = Membership.objects.filter(user=user, role__in=CASE_ACCESS_ROLES)
    if preferred is not None and with_case_role.filter(partnership=preferred).exists():
        return preferred
    return Partnership.objects.filter(pk__in=with_case_role.values("partnership_id")).order_by("pk").first()


def channel_chair_emails(partnership_id) -> list[str]:
    return sorted(set(Membership.objects.filter(partnership_id=partnership_id, role=Role.CHANNEL_CHAIR,
                                                user__is_active=True).values_list("user__email", flat=True)))


def access_requests(partnership) -> QuerySet:
    """Every case access request in ``partnership``, pending first, then newest first."""
    waiting = Case(When(status=CaseAccessRequest.Status.PENDING, then=Value(0)), default=Value(1))
    return (CaseAccessRequest.objects.filter(partnership=partnership)
            .select_related("user", "requested_by", "decided_by")
            .order_by(waiting, "-created_at"))


def pending_access_requests_for(user) -> QuerySet:
    """The requests still waiting that concern ``user``'s account (in any partnership)."""
    return CaseAccessRequest.objects.filter(user=user, status=CaseAccessRequest.Status.PENDING).select_related(
        "partnership", "requested_by")


def is_current_lead(person) -> bool:
    """Is ``person`` an organisation's Prevent lead today?"""
    from django.db.models import Q
    from django.utils import timezone

    from prevent_hub.directory.models import PreventLead

    today = timezone.localdate()
    return PreventLead.objects.filter(person=person, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)).exists()
