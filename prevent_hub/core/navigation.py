"""The service navigation, shown according to what the user may do in the current partnership."""
from dataclasses import dataclass

from .links import partnership_url
from .permissions import has_perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    # Other URL namespaces/prefixes that count as "inside" this item.
    section: str


PARTNERSHIP_NAV = [
    NavItem("Overview", "directory:partnership_detail", "directory.view_partnership", "directory:partnership"),
    NavItem("Action plans", "plans:plan_list", "plans.view_plan", "plans:plan"),
    NavItem("Actions", "plans:action_list", "plans.view_action", "plans:action"),
    NavItem("Reminders", "plans:emaillog_list", "plans.view_emaillog", "plans:emaillog"),
    NavItem("Governance", "governance:group_list", "governance.view_group", "governance:"),
    NavItem("Training", "training:trainingsession_list", "training.view_trainingsession", "training:"),
    NavItem("Channel", "channel:case_list", "channel.view_case", "channel:"),
    NavItem("Statistics", "insights:statistics", "insights.view_statistics", "insights:"),
    NavItem("Reports", "reports:reportrun_list", "reports.view_reportrun", "reports:"),
    NavItem("Organisations", "directory:organisation_list", "directory.view_organisation", "directory:organisation"),
    NavItem("People", "directory:person_list", "directory.view_person", "directory:person"),
    NavItem("Prevent leads", "directory:preventlead_list", "directory.view_preventlead", "directory:preventlead"),
    NavItem("Glossary", "directory:glossaryterm_list", "directory.view_glossaryterm", "directory:glossaryterm"),
    NavItem("Users", "accounts:user_list", "accounts.view_user", "accounts:user"),
    NavItem("Audit", "audit:changelog_list", "audit.view_changelog", "audit:"),
]


def nav_items(request) -> list[dict]:
    partnership = getattr(request, "partnership", None)
    if partnership is None or not request.user.is_authenticated:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for item in PARTNERSHIP_NAV:
        if not has_perm(request.user, item.perm, partnership):
            continue
        url = partnership_url(item.url_name, partnership.slug)
        items.append({"label": item.label, "url": url, "active": current.startswith(item.section)})
    return items
