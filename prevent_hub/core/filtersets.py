import inspect
from functools import reduce
from operator import or_
from pathlib import Path

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .params import MAX_ID, WholeNumberField


class YesNoAnyWidget(django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Any", not django-filter's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))

    def format_value(self, value):
        # As BooleanWidget.render does it: the GOV.UK field template marks the selected option from this.
        return [{True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")]


class WholeNumberFilter(django_filters.NumberFilter):
    """A number typed into a filter: a whole number within bounds, or the filter form says which are accepted.

    Use it for every number filter (``PartnershipFilterSet`` refuses django-filter's own NumberFilter, whose
    decimal field lets ``1e999999999`` through to the query; see core.params).
    """

    field_class = WholeNumberField

    def __init__(self, *args, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class PartnershipFilterSet(django_filters.FilterSet):
    """Filters scoped to a partnership, with a free-text ``q`` over ``search_fields``."""

    search_fields: tuple[str, ...] = ()
    # The models whose rows a choice list is drawn from, its labels included (a plan version's label
    # names its plan): the rendered form is reused while none of them changes (``rendered_form``).
    choice_sources: tuple = ()

    # What a list shows before anyone filters it (meetings: those to come), as query values.
    defaults: dict[str, str] = {}

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        for name, flt in self.filters.items():
            if isinstance(flt, django_filters.NumberFilter) and not isinstance(flt, WholeNumberFilter):
                raise ImproperlyConfigured(f"{type(self).__name__}.{name}: use WholeNumberFilter (core.params).")
            # A record chosen from a list (ModelChoiceFilter and ModelMultipleChoiceFilter) needs nothing more:
            # Django's ModelChoiceField refuses what is not a number, and a number no id can be matches no row.
            queryset = flt.extra.get("queryset")
            if queryset is not None and any(f.name == "partnership" for f in queryset.model._meta.fields):
                self.form.fields[name].queryset = queryset.filter(partnership=partnership)

    def default_sort(self) -> str | None:
        """The table's order when none is asked for, if the filters chosen call for one (soonest first)."""
        return None

    def search(self, queryset, name, value):
        terms = value.split()
        if not terms or not self.search_fields:
            return queryset
        for term in terms[:8]:
            queryset = queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields)))
        return queryset


FIELD_TEMPLATES = ("govuk/forms/field.html", "govuk/forms/attrs.html", "govuk/forms/describedby.html",
                   "govuk/forms/error.html", "govuk/forms/hint.html")


def rendered_form(filterset) -> str:
    """The filter form's fields as GOV.UK form groups, rendered once per set of values asked for and
    reused while the records its choice lists come from are unchanged (a list of organisations is
    dozens of options, rebuilt from the database on every page of a list otherwise)."""
    from django.conf import settings

    from .caching import fingerprint, get_or_build

    form = filterset.form
    drawn_from = {flt.extra["queryset"].model for flt in filterset.filters.values() if "queryset" in flt.extra}
    missing = drawn_from - set(filterset.choice_sources)
    if missing:
        raise ImproperlyConfigured(
            f"{type(filterset).__name__}.choice_sources must name {sorted(m.__name__ for m in missing)}.")

    def render() -> str:
        return mark_safe("".join(field.as_field_group() for field in form))

    # Free text (a search for a name, say) is neither worth keeping nor to be kept in a shared cache.
    if any(isinstance(flt, django_filters.CharFilter) and form.is_bound and form.data.get(name)
           for name, flt in filterset.filters.items()):
        return render()
    asked = tuple(sorted((name, tuple(values)) for name, values in form.data.lists()
                         if name not in ("page", "sort"))) if form.is_bound else ()
    choices = fingerprint(filterset.partnership.pk, filterset.choice_sources) if filterset.choice_sources else ()
    key = (_form_code(type(filterset)), settings.LANGUAGE_CODE, type(filterset).__qualname__, filterset.partnership.pk,
           form.is_bound, asked, choices)
    return get_or_build("core:filters", key, render)


def _form_code(filterset_class) -> str:
    from . import forms
    from .caching import code_digest

    return code_digest(Path(__file__), forms, Path(inspect.getfile(filterset_class)), *FIELD_TEMPLATES)
