"""core.caching: the fingerprint changes with every insert, save and deletion in the partnership, and only then;
filter forms cached under it."""
import io

import pytest
from django.db import connection

from prevent_hub.core import caching
from prevent_hub.core.filtersets import rendered_form
from prevent_hub.core.models import ChangeCount
from prevent_hub.core.services import object_update
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.directory.models import Organisation, Person

pytestmark = pytest.mark.django_db


def test_the_fingerprint_follows_every_write_to_its_tables_in_the_partnership_whatever_makes_it():
    alpha, beta = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="beta")
    council = OrganisationFactory(partnership=alpha, name="Alpha Council")

    def state():
        return caching.fingerprint(alpha.pk, [Organisation, Person])

    seen = [state()]

    def changed():
        seen.append(state())
        return seen[-1] != seen[-2]

    person = PersonFactory(partnership=alpha, organisation=council)  # an insert
    assert changed()
    person.job_title = "Prevent lead"  # a save through the service
    object_update(actor=None, instance=person, expected_version=person.version)
    assert changed()
    Person.objects.filter(pk=person.pk).update(job_title="Lead")  # a bulk update that bumps no version
    assert changed()
    Person.objects.bulk_create([Person(partnership=alpha, name="Sam Example")])
    assert changed()
    with connection.cursor() as cursor:  # even raw SQL
        cursor.execute("UPDATE directory_person SET phone = '01234' WHERE id = %s", [person.pk])
    assert changed()
    person.delete()  # a deletion
    assert changed()
    assert len(set(seen)) == len(seen)

    before = state()
    OrganisationFactory(partnership=beta)  # another partnership's rows
    PersonFactory(partnership=beta)
    Person.objects.filter(partnership=alpha, pk=0).update(name="nobody")  # a write of no rows
    assert state() == before
    moved = PersonFactory(partnership=beta)
    Person.objects.filter(pk=moved.pk).update(partnership=alpha)  # moved in: a change for both
    assert state() != before


def test_folding_the_counts_keeps_the_fingerprint():
    from django.core.management import call_command

    alpha, beta = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="beta")
    for n in range(5):
        OrganisationFactory(partnership=alpha, name=f"Org {n}")
        OrganisationFactory(partnership=beta, name=f"Org {n}")
    counts = ChangeCount.objects.filter(partnership_id=alpha.pk, table_name=Organisation._meta.db_table)
    assert counts.count() == 5  # one per statement (one row each here)
    first = caching.fingerprint(alpha.pk, [Organisation, Person])
    out = io.StringIO()
    call_command("fold_change_counts", stdout=out, stderr=io.StringIO())
    assert "Folded the counts of 2 table(s)." in out.getvalue()  # each partnership's organisations
    assert counts.count() == 1 and counts.get().rows == 5
    assert caching.fingerprint(alpha.pk, [Organisation, Person]) == first
    OrganisationFactory(partnership=alpha)
    assert caching.fingerprint(alpha.pk, [Organisation, Person]) != first
    call_command("fold_change_counts", stdout=out, stderr=io.StringIO())  # again: only what is new
    assert counts.get().rows == 6


def test_a_queryset_source_counts_the_rows_it_selects_now():
    alpha = PartnershipFactory(slug="alpha")
    council = OrganisationFactory(partnership=alpha, name="Alpha Council")
    person = PersonFactory(partnership=alpha, organisation=council)
    PersonFactory(partnership=alpha, organisation=None)
    selected, _migrations = caching.fingerprint(alpha.pk, [Person.objects.filter(partnership=alpha, organisation=council)])
    assert selected == (1, person.pk, 1)


def test_every_partnership_scoped_table_is_counted():
    from prevent_hub.core.changes import counted_tables, install_triggers

    tables = counted_tables()
    assert {"plans_progressupdate", "insights_referral", "channel_case", "training_lmscompletion"} <= set(tables)
    assert "audit_accesslog" not in tables and "core_changecount" not in tables
    assert install_triggers() == len(tables)  # idempotent: installed already by migrate
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers "
                           "WHERE trigger_name LIKE 'core_count_%%'")
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'core_count_%%'")
        assert sorted(row[0] for row in cursor.fetchall()) == tables


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
    assert "from the list" in form("organisation=999999")  # errors are rendered, and cached, per value


def test_a_filter_set_must_name_the_tables_its_choices_come_from():
    from django.core.exceptions import ImproperlyConfigured
    from django.http import QueryDict

    from prevent_hub.directory.filtersets import PersonFilterSet

    class Forgetful(PersonFilterSet):
        choice_sources = ()

    filterset = Forgetful(QueryDict(), queryset=Person.objects.all(), partnership=PartnershipFactory())
    with pytest.raises(ImproperlyConfigured, match="Organisation"):
        rendered_form(filterset)


def test_a_migrate_starts_every_key_afresh():
    """A data migration, or on SQLite a table rebuilt without its triggers until the run ends, is not counted
    table by table: the run itself is."""
    from prevent_hub.core.changes import install_after_migrate

    alpha = PartnershipFactory(slug="alpha")
    before = caching.fingerprint(alpha.pk, [Organisation])
    install_after_migrate(sender=None)
    assert caching.fingerprint(alpha.pk, [Organisation]) != before


def test_triggers_are_installed_once_and_a_missing_table_is_skipped(monkeypatch):
    from prevent_hub.core import changes

    monkeypatch.setattr(changes, "counted_tables", lambda: ["directory_organisation", "no_such_table"])
    assert changes.install_triggers() == 1  # after migrating backwards, a model's table may not exist
    alpha = PartnershipFactory(slug="alpha")
    OrganisationFactory(partnership=alpha)
    assert ChangeCount.objects.filter(partnership_id=alpha.pk, table_name="directory_organisation").get().rows == 1


def test_free_text_filters_are_rendered_each_time_and_never_cached():
    from django.core.cache import cache
    from django.http import QueryDict

    from prevent_hub.directory.filtersets import PersonFilterSet

    alpha = PartnershipFactory(slug="alpha")
    filterset = PersonFilterSet(QueryDict("q=Jane+Example"), queryset=Person.objects.all(), partnership=alpha)
    filterset.is_valid()
    cache.clear()
    assert 'value="Jane Example"' in rendered_form(filterset)
    assert not cache._cache  # the local-memory cache the tests use holds nothing


def test_a_yes_no_filter_shows_what_was_chosen():
    from django.http import QueryDict

    from prevent_hub.directory.filtersets import OrganisationFilterSet

    alpha = PartnershipFactory(slug="alpha")
    for answer, label in (("true", "Yes"), ("false", "No")):
        filterset = OrganisationFilterSet(QueryDict(f"is_specified_authority={answer}"),
                                          queryset=Organisation.objects.all(), partnership=alpha)
        filterset.is_valid()
        assert f'<option value="{answer}" selected>{label}</option>' in rendered_form(filterset)
