"""The permission engine: one place that answers "may this user do this, here?".

Every view, form choice, export, import and API call asks these functions; no
view tests roles itself.
"""
from .roles import Role, roles_with


def memberships(user) -> dict[int, frozenset[Role]]:
    """Return ``{partnership_id: roles}`` for ``user``, loaded once per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_partnership_roles", None)
    if cached is None:
        from prevent_hub.accounts.selectors import active_roles_by_partnership

        cached = active_roles_by_partnership(user)
        user._partnership_roles = cached
    return cached


def forget_memberships(user) -> None:
    """Drop the per-request cache after the user's memberships change."""
    user.__dict__.pop("_partnership_roles", None)


def roles_in(user, partnership) -> frozenset[Role]:
    return memberships(user).get(getattr(partnership, "pk", partnership), frozenset())


def has_perm(user, perm: str, partnership) -> bool:
    return bool(roles_in(user, partnership) & roles_with(perm))


def partnership_ids_with_perm(user, perm: str) -> set[int]:
    allowed = roles_with(perm)
    return {pid for pid, roles in memberships(user).items() if roles & allowed}


def has_any_role(user, roles) -> bool:
    return any(held & set(roles) for held in memberships(user).values())
