"""Directory rules: Prevent lead flags, demo data from the seed plan, constant query counts, change logging."""
import datetime

import pytest
from django.urls import reverse

from prevent_hub.audit.models import ChangeLog
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import (
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PreventLeadFactory,
)
from prevent_hub.core.testing.matrix import user_with
from prevent_hub.core.testing.queries import computed_and_cached, queries
from prevent_hub.directory.choices import Sector
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.directory.models import GlossaryTerm, Organisation
from prevent_hub.directory.selectors import sector_summary, specified_authorities_without_lead

APPENDIX_A = {
    "local_authority": [
        "North Warwickshire Borough Council", "Nuneaton and Bedworth Borough Council", "Rugby Borough Council",
        "Stratford District Council", "Warwick District Council", "Warwickshire County Council",
    ],
    "education": [
        "The proprietors of maintained schools, non-maintained special schools, maintained nursery schools, "
        "independent schools and alternative provision academies",
        "Pupil referral units", "Registered early years childcare providers", "Registered later years childcare providers",
        "Providers of holiday schemes for disabled children",
        "Public and private further education institutions i.e. colleges and sixth forms",
        "Public and private higher education institutions i.e. universities",
    ],
    "health": [
        "George Eliot Hospital NHS Trust", "South Warwickshire NHS Foundation Trust",
        "University Hospitals Coventry and Warwickshire NHS Trust", "Coventry and Warwickshire Partnership NHS Trust",
    ],
    "prisons_probation": ["National Probation Service", "Warwickshire and West Mercia Community Rehabilitation Company"],
    "police": ["Warwickshire and West Mercia Police Strategic Alliance", "Warwickshire Police and Crime Commissioner"],
}


@pytest.mark.django_db
def test_demo_partnership_holds_every_appendix_a_authority_with_its_sector():
    partnership, added = load_warwickshire()
    orgs = {o.name: o for o in Organisation.objects.filter(partnership=partnership)}
    for sector, names in APPENDIX_A.items():
        for name in names:
            assert orgs[name].sector == sector, name
            assert orgs[name].is_specified_authority, name
    specified = {o.name for o in orgs.values() if o.is_specified_authority}
    assert specified == {name for names in APPENDIX_A.values() for name in names}
    # Strategy Group members outside Appendix A are there too, not as specified authorities.
    assert orgs["Warwick District Faiths Forum"].sector == Sector.FAITH
    assert orgs["Equality & Inclusion Partnership"].short_name == "EQUIP"
    assert orgs["WCC Multi-Agency Safeguarding Hub"].parent.name == "Warwickshire County Council"
    assert GlossaryTerm.objects.filter(partnership=partnership).count() == 16
    assert added["organisations"] == len(orgs)


@pytest.mark.django_db
def test_loading_the_demo_twice_adds_nothing_the_second_time():
    load_warwickshire()
    changes = ChangeLog.objects.count()
    _, added = load_warwickshire()
    assert added == {"organisations": 0, "glossary": 0, "people": 0, "leads": 0}
    assert ChangeLog.objects.count() == changes


@pytest.mark.django_db
def test_specified_authorities_without_a_current_lead_are_flagged():
    partnership = PartnershipFactory()
    today = datetime.date(2018, 1, 15)
    led = OrganisationFactory(partnership=partnership, name="Led")
    lapsed = OrganisationFactory(partnership=partnership, name="Lapsed")
    future = OrganisationFactory(partnership=partnership, name="Future")
    OrganisationFactory(partnership=partnership, name="Never")
    OrganisationFactory(partnership=partnership, name="Not specified", is_specified_authority=False)
    PreventLeadFactory(partnership=partnership, organisation=led, start_date=datetime.date(2017, 1, 1))
    PreventLeadFactory(partnership=partnership, organisation=lapsed, start_date=datetime.date(2016, 1, 1),
                       end_date=datetime.date(2017, 12, 31))
    PreventLeadFactory(partnership=partnership, organisation=future, start_date=datetime.date(2018, 2, 1))
    flagged = [o.name for o in specified_authorities_without_lead(partnership, as_of=today)]
    assert flagged == ["Future", "Lapsed", "Never"]


@pytest.mark.django_db
def test_sector_summary_counts_each_sector():
    partnership = PartnershipFactory()
    OrganisationFactory.create_batch(3, partnership=partnership, sector=Sector.HEALTH)
    OrganisationFactory(partnership=partnership, sector=Sector.FAITH, is_specified_authority=False)
    rows = {row["sector"]: row for row in sector_summary(partnership)}
    assert rows["Health"] == {"sector": "Health", "organisations": 3, "specified": 3, "without_lead": 3}
    assert rows["Faith"]["organisations"] == 1 and rows["Faith"]["specified"] == 0
    assert rows["Police"]["organisations"] == 0


def _queries(client, url):
    return queries(client, url)


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["organisation", "person", "preventlead"])
def test_list_pages_use_the_same_number_of_queries_for_5_or_60_rows(client, model):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    url = reverse(f"directory:{model}_list", kwargs={"partnership": "alpha"})
    PreventLeadFactory.create_batch(5, partnership=partnership)
    client.get(url)  # warm the session
    small = computed_and_cached(client, url)
    PreventLeadFactory.create_batch(55, partnership=partnership)
    assert computed_and_cached(client, url) == small


@pytest.mark.django_db
def test_overview_and_detail_pages_use_constant_queries(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    org = OrganisationFactory(partnership=partnership)
    PersonFactory.create_batch(2, partnership=partnership, organisation=org)
    overview = reverse("directory:partnership_detail", kwargs={"partnership": "alpha"})
    detail = reverse("directory:organisation_detail", kwargs={"partnership": "alpha", "pk": org.pk})
    client.get(overview)
    small = (_queries(client, overview), _queries(client, detail))
    OrganisationFactory.create_batch(40, partnership=partnership)
    PersonFactory.create_batch(30, partnership=partnership, organisation=org)
    assert (_queries(client, overview), _queries(client, detail)) == small


@pytest.mark.django_db
def test_an_organisation_cannot_become_part_of_its_own_part(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    parent = OrganisationFactory(partnership=partnership, name="Parent")
    child = OrganisationFactory(partnership=partnership, name="Child", parent=parent)
    url = reverse("directory:organisation_edit", kwargs={"partnership": "alpha", "pk": parent.pk})
    response = client.post(url, {"name": "Parent", "sector": "local_authority", "parent": child.pk,
                                 "expected_version": parent.version})
    assert response.status_code == 400
    assert "cannot be part of one of its own parts" in response.content.decode()


@pytest.mark.django_db
def test_deleting_an_organisation_others_depend_on_is_refused_and_explained(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.COORDINATOR, partnership))
    parent = OrganisationFactory(partnership=partnership, name="Parent")
    OrganisationFactory(partnership=partnership, name="Child part", parent=parent)
    response = client.post(reverse("directory:organisation_delete", kwargs={"partnership": "alpha", "pk": parent.pk}))
    assert response.status_code == 409
    assert "Child part" in response.content.decode()
    assert Organisation.objects.filter(pk=parent.pk).exists()


@pytest.mark.django_db
def test_form_choices_only_offer_this_partnerships_records(client):
    alpha = PartnershipFactory(slug="alpha")
    bravo = PartnershipFactory(slug="bravo")
    client.force_login(user_with(Role.COORDINATOR, alpha))
    OrganisationFactory(partnership=alpha, name="Alpha Org")
    foreign = OrganisationFactory(partnership=bravo, name="Bravo Org")
    page = client.get(reverse("directory:person_add", kwargs={"partnership": "alpha"})).content.decode()
    assert "Alpha Org" in page and "Bravo Org" not in page
    response = client.post(reverse("directory:person_add", kwargs={"partnership": "alpha"}),
                           {"name": "Sneaky", "organisation": foreign.pk})
    assert response.status_code == 400
