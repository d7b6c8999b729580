"""Every role, signed in, follows the links it is shown from the start page (the demo, with canaries planted).

For each role the crawl must:
- land on a page it can use, never on a refusal;
- reach every page of the partnership the role may open (each list, add form and overview it is
  allowed): a page only reachable by typing its address fails; each list it may add to has its add button;
- show no date or time the ISO way ("2018-01-16 14:00:00+00:00");
- show, outside the case team, nothing the case team alone may see: canaries are planted in referral
  records (their references, and the district of one that is then deleted, so it lives on only in
  the logs) and in a Channel case (its reference and every identity and narrative field), and are
  looked for in every page, header and file the crawl is offered. The case team's own crawl must
  find them, or the crawl proves nothing.
"""
import datetime as dt
import re

import pytest
from django.urls import reverse

from prevent_hub.channel.demo import load_channel_demo
from prevent_hub.channel.tests.conftest import canaries, make_case
from prevent_hub.core.roles import CASE_TEAM, Role
from prevent_hub.core.services import object_create, object_delete
from prevent_hub.core.testing.coverage import all_url_patterns
from prevent_hub.core.testing.crawl import crawl
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import Person
from prevent_hub.governance.demo import load_current_year_governance, load_warwickshire_governance
from prevent_hub.insights.demo import load_demo_referrals
from prevent_hub.insights.models import Referral
from prevent_hub.plans.demo import load_current_version, load_warwickshire_plan
from prevent_hub.training.demo import load_current_year_training, load_warwickshire_training

pytestmark = pytest.mark.django_db

LIVE_REFERENCE = "CANARYREF-LIVE-7C1"
GONE_REFERENCE = "CANARYREF-GONE-7C1"
GONE_DISTRICT = "CANARYDIST-GONE-7C1"
ISO_WHEN = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?)?\b")


@pytest.fixture
def demo(db):
    """The demo as bin/run loads it, this year included, with canaries planted."""
    partnership, _ = load_warwickshire()
    load_warwickshire_plan(partnership)
    load_current_version(partnership)
    load_warwickshire_governance(partnership)
    load_current_year_governance(partnership)
    load_warwickshire_training(partnership)
    load_current_year_training(partnership)
    load_channel_demo(partnership)
    load_demo_referrals(partnership)
    users = {role: user_with(role, partnership) for role in Role}
    for role, name in ((Role.ACTION_OWNER, "Paul Tolley"), (Role.COORDINATOR, "Helene Heath")):
        Person.objects.filter(partnership=partnership, name=name).update(user=users[role])
    police = users[Role.POLICE_PREVENT]
    fields = {"referral_date": dt.date(2026, 11, 30), "financial_year": 2026, "sector": "education", "age": 15,
              "age_band": "15-17", "gender": "male", "concern": "mixed_unclear_unstable", "stage": "referral"}
    object_create(actor=police, instance=Referral(partnership=partnership, reference=LIVE_REFERENCE, district="Rugby",
                                                  **fields))
    gone = object_create(actor=police, instance=Referral(partnership=partnership, reference=GONE_REFERENCE,
                                                         district=GONE_DISTRICT, **fields))
    object_delete(actor=police, instance=gone)
    case = make_case(partnership, actor=users[Role.CHANNEL_CHAIR], tag="CRAWL")
    return partnership, users, [LIVE_REFERENCE, GONE_REFERENCE, GONE_DISTRICT, case.reference,
                                *canaries("CRAWL").values()]


def partnership_pages(client, partnership) -> set[str]:
    """The partnership's pages without a record in their address that this client may open (200)."""
    allowed = set()
    for name, kwargs in all_url_patterns():
        if kwargs == ("partnership",) and not name.endswith(("_export", "_status")):
            url = reverse(name, kwargs={"partnership": partnership.slug})
            if client.get(url).status_code == 200:
                allowed.add(name)
    return allowed


def visible_text(html: str) -> str:
    """The page's text without its tags, attributes, scripts and form values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reaches_its_pages_by_links_and_sees_only_what_it_may(client, demo, role):
    partnership, users, marks = demo
    client.force_login(users[role])
    landing = client.get("/", follow=True)
    assert landing.status_code == 200, f"{role} lands on a refusal: {landing.redirect_chain}"
    result = crawl(client, "/", per_view=1, limit=400)
    reached = set(result.views)
    allowed = partnership_pages(client, partnership)
    missing = allowed - reached
    assert missing == set(), f"{role} can open these pages but no link leads there: {sorted(missing)}"
    # Every list has its "add" button where the role may add.
    slug = {"partnership": partnership.slug}
    no_button = {name for name in allowed if name.endswith("_add") and name.replace("_add", "_list") in allowed
                 and reverse(name, kwargs=slug) not in client.get(reverse(name.replace("_add", "_list"), kwargs=slug)).content.decode()}
    assert no_button == set(), f"{role} may add these but their list has no button: {sorted(no_button)}"

    iso = {url: ISO_WHEN.findall(visible_text(r.content.decode()))[:3] for url, r in result.pages.items()
           if r.get("Content-Type", "").startswith("text/html")}
    assert {url: found for url, found in iso.items() if found} == {}

    found = {(url, mark) for url, body in result.bodies() for mark in marks if mark in body}
    if role in CASE_TEAM:
        seen = {mark for _url, mark in found}
        assert LIVE_REFERENCE in seen and marks[3] in seen, "the case team's crawl must reach the records"
    else:
        assert found == set(), sorted(found)
    assert not [url for url, response in result.pages.items() if response.status_code >= 500]
