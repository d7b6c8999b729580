"""The order of the Channel process as a state machine (domain.md §3, security.md SEC-28).

Every service that moves a case, or adds a record that only makes sense at some
stages, asks ``require(case, step)`` first. The graph lives here and nowhere else,
so the pages, the services and the property-based tests read the same rules.
"""
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import Stage


class WorkflowError(Exception):
    """A step asked for at a stage where the Channel process does not allow it."""


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: frozenset
    # The stage the case moves to, or None when the step adds a record without moving it.
    moves_to: Stage | None = None


_WORKING = frozenset({Stage.GATHERING, Stage.PANEL, Stage.ADOPTED, Stage.SUPPORT})

STEPS: dict[str, Step] = {
    # Screening ends the case (no further action, signposting, police-led) or sends it to Channel;
    # the service picks the stage from the outcome.
    "screen": Step(_("record the screening outcome"), frozenset({Stage.REFERRED})),
    "request_information": Step(_("ask a partner for information"), _WORKING),
    "list_for_panel": Step(_("list the case at a panel meeting"), frozenset({Stage.GATHERING})),
    "move_listing": Step(_("move the case to another panel meeting"), frozenset({Stage.PANEL})),
    "decide": Step(_("record the panel's decision"), frozenset({Stage.PANEL})),
    "record_consent": Step(_("record consent"), frozenset({Stage.ADOPTED, Stage.SUPPORT})),
    "assess": Step(_("record a vulnerability assessment"), _WORKING),
    "add_intervention": Step(_("add support to the plan"), frozenset({Stage.SUPPORT})),
    "review": Step(_("record a panel review"), frozenset({Stage.SUPPORT})),
    "exit": Step(_("exit the case from Channel"), frozenset({Stage.ADOPTED, Stage.SUPPORT}), Stage.EXITED),
    "post_exit_review": Step(_("record a post-exit review"), frozenset({Stage.EXITED})),
    "close": Step(_("close the case"), frozenset({Stage.EXITED}), Stage.CLOSED),
    "issue_feedback_link": Step(_("make a feedback link"), frozenset({Stage.SUPPORT, Stage.EXITED, Stage.CLOSED})),
}


def allowed(case, step: str) -> bool:
    return case.stage in STEPS[step].allowed_from


def require(case, step: str) -> None:
    """Raise WorkflowError, saying why, unless ``step`` may happen at the case's stage."""
    if not allowed(case, step):
        raise WorkflowError(
            _("You cannot %(step)s while the case is at “%(stage)s”.")
            % {"step": STEPS[step].label, "stage": Stage(case.stage).label})


def next_steps(case) -> list[str]:
    return [name for name, step in STEPS.items() if case.stage in step.allowed_from]
