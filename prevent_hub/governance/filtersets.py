import django_filters
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.filtersets import PartnershipFilterSet

from .choices import GroupKind, MeetingStatus, ObligationStatus
from .models import Group, Meeting, Obligation


class GroupFilterSet(PartnershipFilterSet):
    search_fields = ("name", "short_name", "description")
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices, label=_("Type"), empty_label=_("Any type"))

    class Meta:
        model = Group
        fields = ["q", "kind"]


class MeetingFilterSet(PartnershipFilterSet):
    search_fields = ("group__name", "location")
    choice_sources = (Group,)
    group = django_filters.ModelChoiceFilter(queryset=Group.objects.all(), label=_("Group"), empty_label=_("Any group"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("Status"), empty_label=_("Any status"))

    class Meta:
        model = Meeting
        fields = ["q", "group", "status"]


class ObligationFilterSet(PartnershipFilterSet):
    search_fields = ("title", "owner_text")
    status = django_filters.ChoiceFilter(choices=ObligationStatus.choices, label=_("Status"), empty_label=_("Any status"))

    class Meta:
        model = Obligation
        fields = ["q", "status"]
