"""The public Warwickshire plan (text extracted from a PDF) parses to exactly its structure."""
import datetime as dt

import pytest

from prevent_hub.plans.choices import Cadence, OwnerKind, TimescaleKind
from prevent_hub.plans.demo import SEED
from prevent_hub.plans.parsing import parse_plan

D = dt.date
EXPECTED_REFS = (
    [f"1.{n}" for n in range(1, 6)] + [f"2.{n}" for n in range(1, 7)] + ["3.1", "3.2", "3.3", "3.5"]
    + [f"4.{n}" for n in range(1, 6)] + [f"5.{n}" for n in range(1, 5)] + [f"6.{n}" for n in range(1, 9)]
)


@pytest.fixture(scope="module")
def plan():
    return parse_plan(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def actions(plan):
    return {action.ref: action for action in plan.actions}


def parts(action):
    return [(t.kind, t.cadence, t.due_date, t.start_date) for t in action.timescales]


def test_front_matter(plan):
    assert plan.title == "Warwickshire Prevent Action Plan"
    assert (plan.period_start, plan.period_end) == (2015, 2018)
    assert plan.version_label == "2017 – 2018 Version"
    assert (plan.version_year_start, plan.version_year_end) == (2017, 2018)
    assert plan.issued == "FINAL VERSION NOVEMBER 2017" and plan.issued_date == D(2017, 11, 1)
    assert len(plan.objectives) == 3 and plan.objectives[0].startswith("Respond to the ideological challenge")


def test_six_themes_and_exactly_the_32_references_as_written(plan):
    assert [(t.number, t.title) for t in plan.themes] == [
        (1, "Community and voluntary sector engagement"),
        (2, "Leadership, governance and accountability"),
        (3, "Awareness, learning and development"),
        (4, "Safe education"),
        (5, "Support"),
        (6, "Intelligence and communications"),
    ]
    assert [a.ref for a in plan.actions] == EXPECTED_REFS  # 3.5 stays 3.5 though there is no 3.4
    assert plan.themes[0].description.startswith("to prevent and challenge extremist narrative")


def test_every_action_has_an_owner_and_the_html_and_markdown_are_gone(plan):
    for action in plan.actions:
        assert action.owners, action.ref
        assert "<" not in action.text and "**" not in action.text, action.ref
    assert plan.actions[-3].text.startswith("Develop new Warwickshire specific resources")  # 6.6 was wrapped in <p>


def test_appendices(plan):
    assert len(plan.glossary) == 16
    assert ("OFOF", "Our Families, Our Future") in plan.glossary
    sectors = {a.name: a.sector for a in plan.specified_authorities}
    assert len(sectors) == 21
    assert sectors["Rugby Borough Council"] == "local_authority"
    assert sectors["Pupil referral units"] == "education"
    assert sectors["George Eliot Hospital NHS Trust"] == "health"
    assert sectors["National Probation Service"] == "prisons_probation"
    assert sectors["Warwickshire Police and Crime Commissioner"] == "police"
    assert "Warwickshire County Council: MASH" in plan.membership
    assert "Warwick District Faiths Forum" in plan.membership


def test_1_1_has_three_owners(actions):
    owners = actions["1.1"].owners
    assert [(o.organisation_name, o.role_title, o.person_name) for o in owners] == [
        ("NBBC", "", "Abu Malek"), ("", "Prevent Officer", "Helene Heath"), ("", "Police Prevent Team", ""),
    ]
    assert all(o.is_lead for o in owners)
    assert parts(actions["1.1"]) == [(TimescaleKind.ONGOING, "", None, None)]


def test_1_2_lead_mash_lead_supported_by_the_prevent_officer(actions):
    lead, support = actions["1.2"].owners
    assert (lead.kind, lead.role_title, lead.person_name, lead.is_lead) == (OwnerKind.PERSON, "MASH Lead", "John Coleman", True)
    assert (support.role_title, support.person_name, support.is_lead) == ("Prevent Officer", "Helene Heath", False)
    assert parts(actions["1.2"]) == [(TimescaleKind.DUE, "", D(2017, 12, 31), None)]


def test_2_1_all_specified_authorities_annual_review_and_quarterly_attendance(actions):
    action = actions["2.1"]
    assert action.owners[0].kind == OwnerKind.ALL_SPECIFIED
    assert action.owners[1].person_name == "Helene Heath"
    assert action.owners[1].responsibility.startswith("to maintain a list of Prevent leads")
    assert [(t.kind, t.cadence) for t in action.timescales] == [
        (TimescaleKind.CADENCE, Cadence.ANNUAL), (TimescaleKind.CADENCE, Cadence.QUARTERLY),
    ]
    assert action.timescales[1].text == "Quarterly monitoring of meeting attendance"


@pytest.mark.parametrize(
    "ref,expected",
    [
        ("2.2", [(TimescaleKind.CADENCE, Cadence.WEEKLY, None, None)]),
        ("2.3", [(TimescaleKind.DUE, "", D(2018, 7, 31), None), (TimescaleKind.HISTORY, "", None, D(2017, 7, 1))]),
        ("3.1", [(TimescaleKind.CADENCE, Cadence.MONTHLY, None, None)]),
        ("4.2", [(TimescaleKind.DUE, "", D(2017, 8, 31), None), (TimescaleKind.START, "", None, D(2017, 9, 1))]),
        ("4.3", [(TimescaleKind.CADENCE, Cadence.BIANNUAL, None, D(2017, 11, 1))]),
        ("4.4", [(TimescaleKind.CADENCE, Cadence.TERMLY, None, D(2017, 10, 1))]),
        ("5.4", [(TimescaleKind.CADENCE, Cadence.MONTHLY, None, None), (TimescaleKind.CADENCE, Cadence.QUARTERLY, None, None)]),
        ("6.3", [(TimescaleKind.CADENCE, Cadence.ANNUAL, None, None)]),
        ("6.8", [(TimescaleKind.ONGOING, "", None, None)]),
        ("6.6", [(TimescaleKind.DUE, "", D(2018, 3, 31), None)]),
    ],
)
def test_timescales(actions, ref, expected):
    assert parts(actions[ref]) == expected
    assert actions[ref].timescale_text  # the words as written are kept


def test_special_timescale_details(actions):
    assert actions["6.3"].timescales[0].season == "spring"
    assert actions["5.4"].timescales[0].text == "Monthly data collection"
    target = actions["4.1"].timescales[0]
    assert (target.kind, target.count, target.unit, target.due_date) == (TimescaleKind.TARGET, 2, "sessions", D(2017, 12, 31))
    assert actions["2.3"].timescales[1].text == "Last reviewed in July 2017"
    assert actions["1.5"].timescales == [] and "no timescale" in actions["1.5"].uncertain


def test_owners_of_other_layouts(actions):
    assert [(o.role_title, o.person_name, o.is_lead) for o in actions["4.2"].owners] == [
        ("Prevent Officer", "Helene Heath", True),
        ("Cyber Crime Advisors", "Alex Gloster", False),
        ("Cyber Crime Advisors", "Sam Slemensek", False),
    ]
    assert [o.person_name for o in actions["4.4"].owners] == ["Helene Heath", "Hifsa Haroon Iqbal"]
    assert [(o.organisation_name, o.person_name) for o in actions["6.6"].owners] == [
        ("", "Helene Heath"), ("NBBC", "Abu Malek"), ("WCC Comms", "Paul Coxon"),
    ]
    assert actions["6.3"].owners[0].organisation_name == "West Midlands Counter Terrorism Unity"
    assert actions["6.1"].owners[0].kind == OwnerKind.ALL_SPECIFIED


def test_programme_tags_on_exactly_the_actions_whose_notes_say_so(plan):
    ofof = {a.ref for a in plan.actions if "OFOF" in a.tags}
    ctlp = {a.ref for a in plan.actions if "CTLP" in a.tags}
    assert ofof == {a.ref for a in plan.actions if "OFOF" in a.notes} == {"1.2", "1.3", "1.4", "1.5", "2.6", "4.5", "6.6"}
    assert ctlp == {a.ref for a in plan.actions if "CTLP" in a.notes} == {"1.4", "4.4", "6.1", "6.2", "6.8"}
    assert {a.ref for a in plan.actions if "HATE_CRIME" in a.tags} == {"1.5"}


def test_outcomes_are_a_list(actions):
    assert actions["1.3"].outcomes == [
        "Warwickshire's communities are cohesive",
        "increased awareness and understanding of different faiths and cultures",
    ]
    assert actions["1.4"].outcomes == []
