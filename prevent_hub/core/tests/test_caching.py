"""core.caching: the fingerprint changes with every insert, save and deletion in the partnership, and only then."""
import pytest

from prevent_hub.core import caching
from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.directory.models import Organisation, Person

pytestmark = pytest.mark.django_db


def test_the_fingerprint_follows_every_change_to_its_sources_in_the_partnership():
    alpha, beta = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="beta")
    council = OrganisationFactory(partnership=alpha, name="Alpha Council")

    def state():
        return caching.fingerprint(alpha.pk, [Organisation, Person,
                                              Person.objects.filter(partnership=alpha, organisation=council)])

    empty_people = (0, 0, 0)
    assert state() == ((1, council.pk, 1), empty_people, empty_people)
    seen = {state()}
    person = PersonFactory(partnership=alpha, organisation=council)  # an insert
    seen.add(state())
    person.job_title = "Prevent lead"  # a save through the service bumps the version
    object_update(actor=None, instance=person, expected_version=person.version)
    seen.add(state())
    PersonFactory(partnership=alpha, organisation=None)  # outside the queryset source: only the table changes
    assert state()[2] == (1, person.pk, 2)
    seen.add(state())
    person.delete()  # a deletion
    seen.add(state())
    assert len(seen) == 5

    before = state()
    OrganisationFactory(partnership=beta)  # another partnership's rows
    PersonFactory(partnership=beta)
    assert state() == before


def test_get_or_build_builds_once_per_key():
    built = []

    def build():
        built.append(1)
        return {"value": len(built)}

    assert caching.get_or_build("test", ("a", 1), build) == {"value": 1}
    assert caching.get_or_build("test", ("a", 1), build) == {"value": 1}
    assert caching.get_or_build("test", ("a", 2), build) == {"value": 2}
    assert len(built) == 2
