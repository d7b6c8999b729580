import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.filtersets import PartnershipFilterSet, WholeNumberFilter, YesNoAnyWidget
from prevent_hub.directory.models import Organisation

from .choices import ActionStatus, Tag
from .models import Action, EmailLog, Plan, PlanVersion

DUE_WINDOWS = (("overdue", _("Due date passed")), ("30", _("Due in the next 30 days")), ("90", _("Due in the next 90 days")))


class ActionFilterSet(PartnershipFilterSet):
    search_fields = ("ref", "text", "notes", "who_text", "updates__narrative")
    choice_sources = (PlanVersion, Plan, Organisation)
    plan_version = django_filters.ModelChoiceFilter(
        queryset=PlanVersion.objects.select_related("plan"), label=_("Plan version"), empty_label=_("Any version"))
    theme = WholeNumberFilter(field_name="theme__number", label=_("Theme number"), min_value=1, max_value=32767)
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label=_("Owner organisation"), empty_label=_("Any organisation"),
        method="filter_organisation")
    owner = django_filters.CharFilter(label=_("Owner (name or role)"), method="filter_owner")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, label=_("Status"), empty_label=_("Any status"))
    tag = django_filters.ChoiceFilter(choices=Tag.choices, label=_("Programme tag"), empty_label=_("Any tag"),
                                      method="filter_tag")
    due = django_filters.ChoiceFilter(choices=DUE_WINDOWS, label=_("Due"), empty_label=_("Any time"), method="filter_due")

    class Meta:
        model = Action
        fields = ["q", "plan_version", "theme", "organisation", "owner", "status", "tag", "due"]

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(Q(owners__organisation=value) | Q(owners__person__organisation=value)).distinct()

    def filter_owner(self, queryset, name, value):
        return queryset.filter(
            Q(owners__person__name__icontains=value) | Q(owners__role_title__icontains=value)
        ).distinct()

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags_text__contains=f"|{value}|")

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(timescales__due_date__lt=today).distinct()
        return queryset.filter(
            timescales__due_date__gte=today, timescales__due_date__lte=today + dt.timedelta(days=int(value))
        ).distinct()


class EmailLogFilterSet(PartnershipFilterSet):
    search_fields = ("recipient", "subject")
    sent = django_filters.BooleanFilter(label=_("Sent"), widget=YesNoAnyWidget())

    class Meta:
        model = EmailLog
        fields = ["q", "sent"]
