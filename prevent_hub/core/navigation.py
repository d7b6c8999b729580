"""The navigation model: a short top bar of areas, and each area's own pages.

Each page names the permission that opens it, so a role sees exactly the areas and pages it may
use; an area links to its first such page, and signing in lands on the first page of the first
area the user may open (never on a refusal). ``tests/test_navigation.py`` crawls from the start
page as every role and fails if a page the role may open cannot be reached by following links.
"""
from dataclasses import dataclass

from .links import partnership_url
from .permissions import has_perm


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    perm: str
    # View names (or their prefixes) that count as being on this page: its records, their forms.
    sections: tuple[str, ...] = ()

    def contains(self, view_name: str) -> bool:
        return view_name == self.url_name or any(view_name.startswith(prefix) for prefix in self.sections)


@dataclass(frozen=True)
class Area:
    label: str
    pages: tuple[Page, ...]


AREAS = (
    Area("Plan", (
        Page("My actions", "plans:my_actions", "plans.view_myactions"),
        Page("This quarter", "plans:quarter", "plans.view_quarter", ("plans:quarter",)),
        Page("Dashboard", "plans:dashboard", "plans.view_planversion",
             ("plans:planversion_dashboard", "plans:planversion_period_lock")),
        Page("Action plans", "plans:plan_list", "plans.view_plan", ("plans:plan", "plans:planversion")),
        Page("Actions", "plans:action_list", "plans.view_action",
             ("plans:action", "plans:progressupdate", "plans:checkpointrecord", "plans:mitigatingaction")),
        Page("Reminder emails", "plans:emaillog_list", "plans.view_emaillog", ("plans:emaillog",)),
        Page("Import a plan", "plans:plan_import", "plans.import_plan"),
    )),
    Area("Partnership", (
        Page("Overview", "directory:partnership_detail", "directory.view_partnership"),
        Page("Organisations", "directory:organisation_list", "directory.view_organisation", ("directory:organisation",)),
        Page("People", "directory:person_list", "directory.view_person", ("directory:person",)),
        Page("Prevent leads", "directory:preventlead_list", "directory.view_preventlead", ("directory:preventlead",)),
        Page("Glossary", "directory:glossaryterm_list", "directory.view_glossaryterm", ("directory:glossaryterm",)),
        Page("Users", "accounts:user_list", "accounts.view_user", ("accounts:user", "accounts:caseaccessrequest")),
        Page("Settings", "directory:partnership_settings", "directory.change_partnership"),
    )),
    Area("Governance", (
        Page("Groups", "governance:group_list", "governance.view_group", ("governance:group",)),
        Page("Meetings", "governance:meeting_list", "governance.view_meeting", ("governance:meeting",)),
        Page("Attendance", "governance:compliance", "governance.view_attendance"),
        Page("Obligations", "governance:obligation_list", "governance.view_obligation", ("governance:obligation",)),
        Page("Seats", "governance:seat_list", "governance.view_seat", ("governance:seat",)),
        Page("Terms of reference", "governance:termsofreference_list", "governance.view_termsofreference",
             ("governance:termsofreference",)),
        Page("Reporting lines", "governance:reportingline_list", "governance.view_reportingline",
             ("governance:reportingline", "governance:diagram")),
    )),
    Area("Training", (
        Page("Sessions", "training:trainingsession_list", "training.view_trainingsession", ("training:trainingsession",)),
        Page("Coverage", "training:coverage", "training.view_trainingsession"),
        Page("Courses", "training:course_list", "training.view_course", ("training:course",)),
        Page("Trainers", "training:trainer_list", "training.view_trainer", ("training:trainer",)),
        Page("E-learning", "training:lmscompletion_list", "training.view_lmscompletion", ("training:lmscompletion",)),
    )),
    Area("Channel", (
        Page("Cases", "channel:case_list", "channel.view_case", ("channel:case_",)),
        Page("Panel meetings", "channel:panel_meetings", "channel.view_panelmeeting"),
        Page("Make a referral", "channel:referral_create", "channel.add_case", ("channel:referral_",)),
        Page("Information requests", "channel:request_list", "channel.respond_informationrequest",
             ("channel:request_",)),
        Page("Approvals", "channel:approval_list", "channel.view_approval", ("channel:approval", "channel:bulk_export")),
        Page("Feedback", "channel:feedback_summary", "channel.view_channelfeedback"),
        Page("Assessment factors", "channel:vaffactor_list", "channel.view_vaffactor", ("channel:vaffactor",)),
        Page("Retention rules", "channel:retentionrule_list", "channel.view_retentionrule", ("channel:retentionrule",)),
    )),
    Area("Statistics", (
        Page("Statistics", "insights:statistics", "insights.view_statistics", ("insights:statistics",)),
        Page("Referral records", "insights:referral_list", "insights.view_referral", ("insights:referral",)),
        Page("Monthly counts", "insights:monthlycount_list", "insights.view_monthlycount", ("insights:monthlycount",)),
    )),
    Area("Reports", (
        Page("Reports", "reports:reportrun_list", "reports.view_reportrun", ("reports:reportrun",)),
        Page("Word templates", "reports:reporttemplate_list", "reports.view_reporttemplate", ("reports:reporttemplate",)),
    )),
    Area("Audit", (
        Page("Change log", "audit:changelog_list", "audit.view_changelog", ("audit:changelog",)),
        Page("Access log", "audit:accesslog_list", "audit.view_accesslog", ("audit:accesslog",)),
    )),
)


def pages_for(user, partnership) -> list[tuple[Area, list[Page]]]:
    """Every area with the pages ``user`` may open in ``partnership`` (areas with none left out)."""
    found = []
    for area in AREAS:
        pages = [page for page in area.pages if has_perm(user, page.perm, partnership)]
        if pages:
            found.append((area, pages))
    return found


# Where signing in takes someone: the first of these they may open (the coordinator's quarter, an
# owner's actions, the overview), else the first page of the first area they may open.
LANDING = ("plans:quarter", "plans:my_actions", "directory:partnership_detail")


def landing_url(user, partnership) -> str | None:
    """The page signing in takes ``user`` to in ``partnership`` (never one they are refused)."""
    areas = pages_for(user, partnership)
    allowed = {page.url_name for _area, pages in areas for page in pages}
    for url_name in LANDING:
        if url_name in allowed:
            return partnership_url(url_name, partnership.slug)
    for _area, pages in areas:
        return partnership_url(pages[0].url_name, partnership.slug)
    return None


def navigation(request) -> dict:
    """The top bar (``areas``) and the current area's own pages (``area_pages``), for the layout."""
    partnership = getattr(request, "partnership", None)
    if partnership is None or not request.user.is_authenticated:
        return {"nav_items": [], "area_pages": [], "area_label": ""}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items, sub, label = [], [], ""
    for area, pages in pages_for(request.user, partnership):
        here = next((page for page in pages if page.contains(current)), None)
        items.append({"label": area.label, "url": partnership_url(pages[0].url_name, partnership.slug),
                      "active": here is not None})
        if here is not None:
            label = area.label
            sub = [{"label": page.label, "url": partnership_url(page.url_name, partnership.slug),
                    "active": page is here} for page in pages]
    return {"nav_items": items, "area_pages": sub if len(sub) > 1 else [], "area_label": label}
