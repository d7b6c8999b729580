import django_filters
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.filtersets import PartnershipFilterSet, YesNoAnyWidget

from .choices import Sector
from .models import GlossaryTerm, Organisation, Person, PreventLead


class OrganisationFilterSet(PartnershipFilterSet):
    search_fields = ("name", "short_name")
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Sector"), empty_label=_("Any sector"))
    is_specified_authority = django_filters.BooleanFilter(
        label=_("Specified authority"), widget=YesNoAnyWidget()
    )
    no_lead = django_filters.BooleanFilter(
        label=_("Specified authorities with no Prevent lead"), method="filter_no_lead",
        widget=YesNoAnyWidget(),
    )

    class Meta:
        model = Organisation
        fields = ["q", "sector", "is_specified_authority", "no_lead"]

    def filter_no_lead(self, queryset, name, value):
        if value:
            return queryset.filter(is_specified_authority=True, has_current_lead=False)
        return queryset


class PersonFilterSet(PartnershipFilterSet):
    search_fields = ("name", "job_title", "email", "organisation__name", "organisation__short_name")
    choice_sources = (Organisation,)
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label=_("Organisation"), empty_label=_("Any organisation")
    )

    class Meta:
        model = Person
        fields = ["q", "organisation"]


class PreventLeadFilterSet(PartnershipFilterSet):
    search_fields = ("person__name", "organisation__name", "organisation__short_name")
    choice_sources = (Organisation,)
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label=_("Organisation"), empty_label=_("Any organisation")
    )

    class Meta:
        model = PreventLead
        fields = ["q", "organisation"]


class GlossaryTermFilterSet(PartnershipFilterSet):
    search_fields = ("acronym", "meaning")

    class Meta:
        model = GlossaryTerm
        fields = ["q"]
