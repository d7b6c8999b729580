from collections import defaultdict

from django.db.models import Prefetch, QuerySet

from prevent_hub.core.roles import Role

from .models import Membership, User


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
    from prevent_hub.core.permissions import partnership_ids_with_perm

    partnership_ids = partnership_ids_with_perm(actor, "accounts.view_user")
    return (
        User.objects.filter(memberships__partnership_id__in=partnership_ids)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("partnership")))
    )
