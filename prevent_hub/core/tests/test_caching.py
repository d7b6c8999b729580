"""core.caching: the fingerprint changes with every insert, save and deletion in the partnership, and only then;
filter forms cached under it."""
import pytest

from prevent_hub.core import caching
from prevent_hub.core.filtersets import rendered_form
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


def test_a_filter_form_is_rendered_again_when_a_choice_changes_and_not_otherwise():
    from django.http import QueryDict

    from prevent_hub.core.services import object_update
    from prevent_hub.directory.filtersets import PersonFilterSet

    alpha = PartnershipFactory(slug="alpha")
    council = OrganisationFactory(partnership=alpha, name="Alpha Council")

    def form(query=""):
        filterset = PersonFilterSet(QueryDict(query) or None, queryset=Person.objects.all(), partnership=alpha)
        filterset.is_valid()
        return rendered_form(filterset)

    first = form()
    assert "Alpha Council" in first and "selected>Alpha Council" not in first
    assert f'value="{council.pk}" selected>Alpha Council' in form(f"organisation={council.pk}")
    assert form() == first
    council.name = "Renamed Council"
    object_update(actor=None, instance=council, expected_version=council.version)
    assert "Renamed Council" in form() and "Alpha Council" not in form()
    OrganisationFactory(partnership=alpha, name="Beta College")
    assert "Beta College" in form()
    assert "Select a valid choice" in form("organisation=999999")  # errors are rendered, and cached, per value


def test_a_filter_set_must_name_the_tables_its_choices_come_from():
    from django.core.exceptions import ImproperlyConfigured
    from django.http import QueryDict

    from prevent_hub.directory.filtersets import PersonFilterSet

    class Forgetful(PersonFilterSet):
        choice_sources = ()

    filterset = Forgetful(QueryDict(), queryset=Person.objects.all(), partnership=PartnershipFactory())
    with pytest.raises(ImproperlyConfigured, match="Organisation"):
        rendered_form(filterset)
