"""Roles and what each may do: the single policy table every check reads.

Permissions are named ``<app>.<action>_<model>``. A user holds roles per
partnership (accounts.Membership); a permission applies only inside the
partnership where the role is held.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTNERSHIP_ADMIN = "partnership_admin", _("Partnership administrator")
    COORDINATOR = "coordinator", _("Prevent coordinator")
    ACTION_OWNER = "action_owner", _("Action owner")
    PREVENT_LEAD = "prevent_lead", _("Prevent lead")
    CHANNEL_CHAIR = "channel_chair", _("Channel coordinator or chair")
    POLICE_PREVENT = "police_prevent", _("Police Prevent officer")
    PANEL_MEMBER = "panel_member", _("Channel Panel member")
    BOARD_VIEWER = "board_viewer", _("Board viewer")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Roles that may see Channel case records get the shorter idle timeout.
CASE_ROLES = frozenset({Role.CHANNEL_CHAIR, Role.POLICE_PREVENT, Role.PANEL_MEMBER})

# Everyone who works with the partnership's own records. The auditor reads logs
# only and the system administrator manages users only (security.md R7, R8).
PARTNERSHIP_WORKERS = frozenset(set(Role) - {Role.AUDITOR, Role.SYSTEM_ADMIN})
DIRECTORY_EDITORS = frozenset({Role.PARTNERSHIP_ADMIN, Role.COORDINATOR})

_DIRECTORY_MODELS = ("organisation", "person", "preventlead", "glossaryterm")
_PLAN_MODELS = (
    "plan", "planversion", "theme", "action", "actionowner", "timescale",
    "progressupdate", "checkpointrecord", "mitigatingaction", "periodlock", "ownerlink", "emaillog",
)
PLAN_EDITORS = DIRECTORY_EDITORS
_GOVERNANCE_MODELS = (
    "group", "reportingline", "seat", "termsofreference", "meeting", "attendance", "meetingitem", "obligation",
    "meetingpaper",
)
_CHANNEL_CONFIG_MODELS = ("vaffactor", "retentionrule")
# Need to know (issue 7): the police Prevent team and the Channel chair see every case;
# a panel member sees only the cases assigned to them (channel.selectors). Nobody
# else, administrators and board viewers included, sees any case.
CASE_TEAM = frozenset({Role.CHANNEL_CHAIR, Role.POLICE_PREVENT})
STATS_KEEPERS = PLAN_EDITORS | CASE_TEAM
_TRAINING_MODELS = ("course", "trainer", "trainingsession", "headcount", "lmscompletion", "feedback")
# Those who deliver actions report progress on them; coordinators can report on an owner's behalf.
PROGRESS_REPORTERS = PLAN_EDITORS | {Role.ACTION_OWNER, Role.PREVENT_LEAD}


def _grant(roles, *perms):
    return {perm: frozenset(roles) for perm in perms}


PERMISSIONS: dict[str, frozenset[Role]] = {
    **_grant(PARTNERSHIP_WORKERS, "directory.view_partnership"),
    **_grant({Role.PARTNERSHIP_ADMIN}, "directory.change_partnership"),
    **_grant(PARTNERSHIP_WORKERS, *(f"directory.view_{m}" for m in _DIRECTORY_MODELS)),
    **_grant(PARTNERSHIP_WORKERS, *(f"directory.export_{m}" for m in _DIRECTORY_MODELS)),
    **_grant(DIRECTORY_EDITORS, *(f"directory.{a}_{m}" for a in ("add", "change", "delete", "import") for m in _DIRECTORY_MODELS)),
    # Inviting a person in the directory to sign in makes them an action owner (never a case role).
    **_grant(DIRECTORY_EDITORS, "directory.invite_person"),
    # Action plans: everyone in the partnership reads them; coordinators import, edit and refresh.
    **_grant(PARTNERSHIP_WORKERS, *(f"plans.view_{m}" for m in _PLAN_MODELS)),
    **_grant(PARTNERSHIP_WORKERS, *(f"plans.export_{m}" for m in _PLAN_MODELS)),
    **_grant(PLAN_EDITORS, *(f"plans.{a}_{m}" for a in ("add", "change", "delete", "import") for m in _PLAN_MODELS)),
    **_grant(PROGRESS_REPORTERS, "plans.add_progressupdate", "plans.add_checkpointrecord", "plans.view_myactions"),
    # The coordinator's quarter: who has reported, who to chase, links to give by phone.
    **_grant(PLAN_EDITORS, "plans.view_quarter", "plans.send_ownerlink"),
    # Who was emailed when is for those who run the chasing.
    **_grant(PLAN_EDITORS, "plans.view_emaillog", "plans.view_ownerlink"),
    # Governance: everyone reads groups, meetings and obligations; coordinators run them.
    **_grant(PARTNERSHIP_WORKERS, *(f"governance.view_{m}" for m in _GOVERNANCE_MODELS)),
    **_grant(PARTNERSHIP_WORKERS, *(f"governance.export_{m}" for m in _GOVERNANCE_MODELS)),
    **_grant(PLAN_EDITORS, *(f"governance.{a}_{m}" for a in ("add", "change", "delete") for m in _GOVERNANCE_MODELS)),
    # The Channel chair plans the Channel Panel's meetings (and only those: governance.views.may_plan_meetings).
    **_grant(PLAN_EDITORS | {Role.CHANNEL_CHAIR}, "governance.plan_panelmeeting"),
    # When the panel meets: for those who plan its meetings and those who attend them.
    **_grant(PLAN_EDITORS | CASE_TEAM | {Role.PANEL_MEMBER}, "channel.view_panelmeeting"),
    # Training: everyone reads the register; coordinators and Prevent leads (who run training) keep it.
    **_grant(PARTNERSHIP_WORKERS, *(f"training.view_{m}" for m in _TRAINING_MODELS)),
    **_grant(PARTNERSHIP_WORKERS, *(f"training.export_{m}" for m in _TRAINING_MODELS)),
    **_grant(PLAN_EDITORS | {Role.PREVENT_LEAD},
             *(f"training.{a}_{m}" for a in ("add", "change", "delete", "import") for m in _TRAINING_MODELS)),
    # Channel: any partner can refer; what happens next is for the case team alone.
    **_grant(PARTNERSHIP_WORKERS, "channel.add_case", "channel.respond_informationrequest"),
    **_grant(CASE_TEAM | {Role.PANEL_MEMBER}, "channel.view_case"),
    **_grant(CASE_TEAM, "channel.view_all_cases", "channel.view_subject", "channel.change_case",
             "channel.erase_case", "channel.view_approval", "channel.view_channelfeedback"),
    **_grant({Role.POLICE_PREVENT}, "channel.screen_case"),
    **_grant({Role.CHANNEL_CHAIR}, "channel.decide_case", "channel.export_case", "channel.assign_case",
             "channel.bulkexport_case"),
    **_grant(CASE_TEAM, *(f"channel.view_{m}" for m in _CHANNEL_CONFIG_MODELS)),
    **_grant({Role.CHANNEL_CHAIR}, *(f"channel.{a}_{m}" for a in ("add", "change", "delete") for m in _CHANNEL_CONFIG_MODELS)),
    # Statistics: everyone reads them (protected from small numbers unless on the case team);
    # coordinators and the case team keep the referral records and monthly counts behind them.
    **_grant(PARTNERSHIP_WORKERS, "insights.view_statistics", "insights.export_statistics"),
    # Referral records are record-level data: only the case team lists, exports or deletes them.
    **_grant(STATS_KEEPERS, "insights.import_referral",
             *(f"insights.{a}_monthlycount" for a in ("view", "add", "change", "delete"))),
    **_grant(CASE_TEAM, "insights.view_referral", "insights.export_referral", "insights.delete_referral"),
    # England and Wales figures from the Home Office's data tables: kept by those who keep the statistics.
    **_grant(STATS_KEEPERS, *(f"insights.{a}_nationalrelease" for a in ("view", "import", "delete"))),
    # Reports: the partnership and its boards read them; coordinators make them and keep the Word template.
    **_grant(PARTNERSHIP_WORKERS, "reports.view_reportrun"),
    **_grant(PLAN_EDITORS, "reports.add_reportrun",
             *(f"reports.{a}_reporttemplate" for a in ("view", "add", "delete"))),
    # Change history of ordinary records is visible to those who can edit them.
    **_grant(DIRECTORY_EDITORS | {Role.AUDITOR}, "audit.view_changelog"),
    **_grant({Role.AUDITOR}, "audit.view_accesslog", "audit.verify_chain"),
    **_grant({Role.SYSTEM_ADMIN}, "accounts.view_user", "accounts.add_user", "accounts.change_user"),
    # Giving someone a way into case records (a case role, or a new email or second factor on an
    # account that has one) waits for a second person from the case team (docs/security.md).
    **_grant({Role.SYSTEM_ADMIN} | CASE_TEAM, "accounts.view_caseaccessrequest"),
    **_grant(CASE_TEAM, "accounts.decide_caseaccessrequest"),
}

# What opens Channel case records or record-level referral data. A role holding any of these is a
# case role: granting it needs a second person's approval (accounts.services).
CASE_DATA_PERMISSIONS = (
    "channel.view_case", "channel.view_all_cases", "channel.view_subject", "channel.view_channelfeedback",
    "insights.view_referral",
)


def roles_with(perm: str) -> frozenset[Role]:
    """Return the roles that hold ``perm`` (empty if nobody does)."""
    return PERMISSIONS.get(perm, frozenset())


# Derived from the table, so a role given case access later is covered without another list to keep.
CASE_ACCESS_ROLES = frozenset().union(*(roles_with(perm) for perm in CASE_DATA_PERMISSIONS))
