from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class YesNoAnyWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Any", not django-filter's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))


class PartnershipFilterSet(django_filters.FilterSet):
    """Filters scoped to a partnership, with a free-text ``q`` over ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        for name, flt in self.filters.items():
            queryset = flt.extra.get("queryset")
            if queryset is not None and any(f.name == "partnership" for f in queryset.model._meta.fields):
                self.form.fields[name].queryset = queryset.filter(partnership=partnership)

    def search(self, queryset, name, value):
        terms = value.split()
        if not terms or not self.search_fields:
            return queryset
        for term in terms[:8]:
            queryset = queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields)))
        return queryset
