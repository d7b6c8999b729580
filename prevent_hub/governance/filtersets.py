import django_filters
from django.utils import timezone
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
    """Meetings to come first, soonest at the top: what people open the list for."""

    search_fields = ("group__name", "location")
    choice_sources = (Group,)
    defaults = {"when": "upcoming"}
    when = django_filters.ChoiceFilter(
        choices=(("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))), label=_("When"),
        empty_label=None, method="filter_when",
    )
    group = django_filters.ModelChoiceFilter(queryset=Group.objects.all(), label=_("Group"), empty_label=_("Any group"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("Status"), empty_label=_("Any status"))

    class Meta:
        model = Meeting
        fields = ["when", "q", "group", "status"]

    def filter_when(self, queryset, name, value):
        # A meeting still counts as upcoming on its day (until its start has passed by the day's end).
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(starts_at__date__gte=today)
        if value == "past":
            return queryset.filter(starts_at__date__lt=today)
        return queryset

    def default_sort(self):
        return "starts_at" if self.form.cleaned_data.get("when") == "upcoming" else None


class ObligationFilterSet(PartnershipFilterSet):
    search_fields = ("title", "owner_text")
    status = django_filters.ChoiceFilter(choices=ObligationStatus.choices, label=_("Status"), empty_label=_("Any status"))

    class Meta:
        model = Obligation
        fields = ["q", "status"]
