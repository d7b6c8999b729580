"""Workflow order as a state machine (security.md SEC-28): random sequences of steps against an oracle.

The oracle below is written from domain.md §3 independently of channel.workflow, so
a mistake in the graph shows up as a disagreement. Every refused step must leave
the database exactly as it was.
"""
import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prevent_hub.channel import services
from prevent_hub.channel.models import Case, Review
from prevent_hub.channel.workflow import WorkflowError
from prevent_hub.core.testing.matrix import row_counts

from .conftest import make_case

pytestmark = pytest.mark.django_db

EVENTS = ["screen_channel", "screen_nfa", "request", "list", "adopt", "not_adopt", "consent_given", "consent_refused",
          "consent_withdrawn", "assess", "intervention", "review", "exit", "post_exit", "close"]
WORKING = {"gathering", "panel", "adopted", "support"}


class Oracle:
    """What the Channel process allows, per domain.md §3."""

    def __init__(self):
        self.stage, self.consents, self.pending_post_exit = "referred", [], 0

    def expect(self, event) -> str | None:
        """Return the stage after ``event``, or None when it must be refused."""
        s = self.stage
        rules = {
            "screen_channel": "gathering" if s == "referred" else None,
            "screen_nfa": "closed" if s == "referred" else None,
            "request": s if s in WORKING else None,
            "assess": s if s in WORKING else None,
            "list": "panel" if s == "gathering" else None,
            "adopt": "adopted" if s == "panel" else None,
            "not_adopt": "closed" if s == "panel" else None,
            "consent_given": "support" if s in ("adopted", "support") else None,
            "consent_refused": s if s in ("adopted", "support") else None,
            "consent_withdrawn": s if s in ("adopted", "support") and self.consents[-1:] == ["given"] else None,
            "intervention": s if s == "support" and self.consents[-1:] == ["given"] else None,
            "review": s if s == "support" else None,
            "exit": "exited" if s in ("adopted", "support") else None,
            "post_exit": s if s == "exited" and self.pending_post_exit else None,
            "close": "closed" if s == "exited" and not self.pending_post_exit else None,
        }
        return rules[event]

    def apply(self, event, stage):
        self.stage = stage
        if event.startswith("consent_"):
            self.consents.append(event.split("_", 1)[1])
        if event == "exit":
            self.pending_post_exit = 2
        if event == "post_exit":
            self.pending_post_exit -= 1


def perform(event, case, day, world):
    common = {"actor": None, "case": case}
    if event in ("screen_channel", "screen_nfa"):
        services.case_screen(**common, outcome="channel" if event == "screen_channel" else "no_further_action",
                             screened_on=day, rationale="r")
    elif event == "request":
        services.information_request_create(**common, organisation=world.organisation, question="q",
                                            due_on=timezone.localdate() + dt.timedelta(days=3), with_link=True)
    elif event == "assess":
        from prevent_hub.channel.selectors import active_factors

        services.assessment_create(**common, assessed_on=day, assessed_by="x", summary="s",
                                   ratings={f: ("not_known", "") for f in active_factors(case.partnership)})
    elif event == "list":
        services.panel_list(**common, meeting=world.meeting)
    elif event in ("adopt", "not_adopt"):
        services.panel_decide(**common, decision=event, method="consensus", rationale="r", decided_on=day)
    elif event.startswith("consent_"):
        services.consent_record(**common, asked_from="person", asked_by="x", method="phone", asked_on=day,
                                outcome=event.split("_", 1)[1])
    elif event == "intervention":
        services.intervention_add(**common, kind="housing", provider="p", funding="local", starts_on=day)
    elif event == "review":
        services.review_record(**common, held_on=day, notes="n", progress={})
    elif event == "exit":
        services.case_exit(**common, exited_on=day, reason="other")
    elif event == "post_exit":
        # The next review due, else one already held, else any review: the service must judge each.
        reviews = Review.objects.filter(case=case).order_by("held_on", "pk")
        review = (reviews.filter(held_on__isnull=True).exclude(kind="panel").first()
                  or reviews.exclude(kind="panel").first() or reviews.first())
        if review is None:
            return "nothing to try"  # no review exists at all, so the case was never exited
        services.post_exit_review_record(actor=None, review=review, held_on=day, notes="n")
    elif event == "close":
        services.case_close(**common, closed_on=day)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_step_sequences_follow_the_channel_process(channel_world, data):
    """Each step is, at random, any step at all or one the oracle allows, so runs reach the late stages too."""
    world = channel_world
    start = timezone.localdate() - dt.timedelta(days=100)
    case = make_case(world.a, tag="P", received_on=start)
    oracle = Oracle()
    for index in range(1, data.draw(st.integers(1, 30)) + 1):
        allowed = [event for event in EVENTS if oracle.expect(event) is not None]
        pool = allowed if allowed and data.draw(st.booleans()) else EVENTS
        event = data.draw(st.sampled_from(pool))
        day = start + dt.timedelta(days=index)
        expected = oracle.expect(event)
        before = row_counts()
        try:
            if perform(event, Case.objects.get(pk=case.pk), day, world) == "nothing to try":
                assert expected is None
                continue
        except (WorkflowError, services.CaseError) as error:
            assert expected is None, f"{event} refused at {oracle.stage}: {error}"
            assert row_counts() == before, f"{event} was refused but wrote something"
            assert str(error)
            continue
        assert expected is not None, f"{event} allowed at {oracle.stage}"
        oracle.apply(event, expected)
        assert Case.objects.get(pk=case.pk).stage == expected
