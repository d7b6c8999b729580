"""The statistics report is cached, and a cached report is never served once any of its sources has changed."""
import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.insights.models import MonthlyCount, Referral
from prevent_hub.insights.selectors import statistics_report

pytestmark = pytest.mark.django_db


def referral(partnership, reference, stage="no_further_action", day=dt.date(2024, 6, 1)):
    return Referral.objects.create(partnership=partnership, reference=reference, referral_date=day,
                                   financial_year=2024, sector="education", age_band="21_30", gender="male",
                                   concern="other", district="North", stage=stage)


def funnel(partnership, **options):
    report = statistics_report(partnership, 2024, unsuppressed=True, **options)
    return {label: row[0] for label, row in zip(report.table("funnel").row_labels,
                                                report.table("funnel").display, strict=True)}


def test_an_unchanged_report_comes_from_the_cache():
    partnership = PartnershipFactory(slug="alpha")
    for n in range(30):
        referral(partnership, f"R{n}")
    with CaptureQueriesContext(connection) as miss:
        first = funnel(partnership)
    with CaptureQueriesContext(connection) as hit:
        assert funnel(partnership) == first
    # The sources' fingerprint (and the cache itself where it is the database's) instead of every count.
    assert len(hit) <= 2 < len(miss)


def test_every_kind_of_change_to_a_source_shows_at_once():
    partnership = PartnershipFactory(slug="alpha")
    rows = [referral(partnership, f"R{n}") for n in range(10)]
    assert funnel(partnership)["Referrals"] == "10"
    referral(partnership, "NEW", stage="adopted")  # an insert
    assert funnel(partnership)["Adopted as a Channel case"] == "1"
    rows[0].stage = "adopted"  # an edit, as every edit is saved: through the service, which bumps the version
    object_update(actor=None, instance=rows[0], expected_version=rows[0].version)
    assert funnel(partnership)["Adopted as a Channel case"] == "2"
    rows[1].delete()  # a deletion
    assert funnel(partnership)["Referrals"] == "10"
    MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 9, 1), referrals=7)  # counted by hand
    assert funnel(partnership)["Referrals"] == "17"


def test_options_and_settings_are_part_of_the_key(settings):
    partnership = PartnershipFactory(slug="alpha")
    for n in range(3):
        referral(partnership, f"R{n}")
    assert statistics_report(partnership, 2024, unsuppressed=True).table("funnel").display[0][0] == "3"
    hidden = statistics_report(partnership, 2024, unsuppressed=False).table("funnel").display[0][0]
    assert hidden != "3"  # below the threshold: protected for readers outside the case team
    settings.STATS_SUPPRESSION_THRESHOLD = 2
    assert statistics_report(partnership, 2024, unsuppressed=False).table("funnel").display[0][0] == "3"
    adopted = statistics_report(partnership, 2024, unsuppressed=False).table("funnel").display[2][0]
    settings.STATS_SUPPRESS_ZEROS = True
    assert adopted == "0" and statistics_report(partnership, 2024, unsuppressed=False).table(
        "funnel").display[2][0] == "<2"
    assert funnel(partnership, as_of=dt.date(2024, 5, 1))["Referrals"] == "0"


def test_a_case_counts_as_discussed_once_its_panel_has_met_with_no_write_in_between():
    from prevent_hub.channel import services as channel
    from prevent_hub.channel.demo import standard_factors_add
    from prevent_hub.channel.tests.conftest import channel_meeting, make_case

    partnership = PartnershipFactory(slug="alpha")
    standard_factors_add(partnership)
    today = dt.date.today()
    received = today - dt.timedelta(days=30)
    case = make_case(partnership, tag="S1", received_on=received)
    channel.case_screen(actor=None, case=case, outcome="channel", screened_on=received, rationale="r")
    meeting = channel_meeting(partnership, days_ago=-3)
    meeting.starts_at = timezone.now() + dt.timedelta(hours=2)  # the panel meets in two hours
    meeting.save()
    channel.panel_list(actor=None, case=case, meeting=meeting)
    year = received.year if received.month >= 4 else received.year - 1

    def discussed():
        report = statistics_report(partnership, year, unsuppressed=True)
        return dict(zip(report.table("funnel").row_labels, report.table("funnel").display, strict=True))[
            "Discussed at a Channel panel"][0]

    assert discussed() == "0"
    # Well within the cache's lifetime: only the fingerprint can tell the report has changed.
    with time_machine.travel(meeting.starts_at + dt.timedelta(hours=1)):
        assert discussed() == "1"


def test_an_edit_stamped_earlier_than_the_cached_report_still_shows():
    """Concurrent edits commit in any order: the key does not rest on timestamps."""
    partnership = PartnershipFactory(slug="alpha")
    rows = [referral(partnership, f"R{n}") for n in range(4)]
    referral(partnership, "LATEST")
    assert funnel(partnership)["Adopted as a Channel case"] == "0"
    rows[0].stage = "adopted"
    object_update(actor=None, instance=rows[0], expected_version=rows[0].version)
    Referral.objects.filter(pk=rows[0].pk).update(updated_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # "committed late"
    assert funnel(partnership)["Adopted as a Channel case"] == "1"


def test_a_panel_moved_later_and_another_met_do_not_cancel_out():
    """X's panel (a case from an earlier year) is put off as Y's meets: as many listings have met as before,
    but this year's figure changes, and the report with it."""
    from prevent_hub.channel import services as channel
    from prevent_hub.channel.demo import standard_factors_add
    from prevent_hub.channel.tests.conftest import channel_meeting, make_case

    partnership = PartnershipFactory(slug="alpha")
    standard_factors_add(partnership)
    today = dt.date.today()
    this_year = today.year if today.month >= 4 else today.year - 1
    meetings = []
    for tag, received, hours in (("X", dt.date(this_year - 1, 6, 1), -2), ("Y", today, 2)):
        case = make_case(partnership, tag=tag, received_on=received)
        channel.case_screen(actor=None, case=case, outcome="channel", screened_on=received, rationale="r")
        meeting = channel_meeting(partnership)
        meeting.starts_at = timezone.now() + dt.timedelta(hours=hours)  # X's panel met; Y's meets in two hours
        meeting.save()
        channel.panel_list(actor=None, case=case, meeting=meeting)
        meetings.append(meeting)

    def discussed():
        report = statistics_report(partnership, this_year, unsuppressed=True)
        return dict(zip(report.table("funnel").row_labels, report.table("funnel").display, strict=True))[
            "Discussed at a Channel panel"][0]

    assert discussed() == "0"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        meetings[0].starts_at = timezone.now() + dt.timedelta(days=7)
        meetings[0].save()
        assert discussed() == "1"


def test_the_statistics_page_is_rendered_again_exactly_when_the_report_changes(client):
    from prevent_hub.core.roles import Role
    from prevent_hub.core.testing.matrix import user_with
    from prevent_hub.core.testing.queries import part_and_queries

    partnership = PartnershipFactory(slug="alpha")
    for n in range(12):
        referral(partnership, f"R{n}")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse("insights:statistics", kwargs={"partnership": "alpha"}) + "?year=2024"

    def get():
        return part_and_queries(client, url, "Referrals by month")

    get()
    cache.clear()
    (first, computed), (second, cached) = get(), get()
    assert first == second and cached < computed
    assert ">12<" in first and ">13<" not in first
    referral(partnership, "NEW")
    assert ">13<" in get()[0]
