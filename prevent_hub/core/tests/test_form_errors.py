"""Every form's errors name their field: submitted empty and with nonsense, no field of any form in the
product shows one of Django's generic messages ("This field is required.", "Enter a valid date.").

The forms are found, not listed: every form class defined in the product's modules is built here, so a
new form is checked the day it is written (a form whose constructor needs something new fails until
``ARGUMENTS`` learns how to build it).
"""
import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from django import forms

import prevent_hub
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory, PersonFactory
from prevent_hub.plans import schedule

pytestmark = pytest.mark.django_db


def product_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(prevent_hub.__path__, "prevent_hub."):
        if ".tests" in module.name or ".migrations" in module.name or module.name.startswith("prevent_hub.scale"):
            continue
        if module.name.rsplit(".", 1)[-1] in ("forms", "views", "importers", "filtersets"):
            importlib.import_module(module.name)
    found, queue = set(), [forms.BaseForm]
    while queue:
        cls = queue.pop()
        for sub in cls.__subclasses__():
            queue.append(sub)
            model_form = issubclass(sub, forms.BaseModelForm)
            if (sub.__module__.startswith("prevent_hub.") and sub.base_fields
                    and not (model_form and sub._meta.model is None)):
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


GENERIC = set()
for field_class in (forms.Field, forms.CharField, forms.IntegerField, forms.DecimalField, forms.FloatField,
                    forms.DateField, forms.DateTimeField, forms.TimeField, forms.EmailField, forms.URLField,
                    forms.ChoiceField, forms.TypedChoiceField, forms.MultipleChoiceField, forms.ModelChoiceField,
                    forms.ModelMultipleChoiceField, forms.FileField, forms.ImageField, forms.BooleanField,
                    forms.NullBooleanField, forms.SlugField, forms.UUIDField, forms.JSONField):
    for cls in field_class.__mro__:
        GENERIC |= {str(m) for m in getattr(cls, "default_error_messages", {}).values() if "%(" not in str(m)}


@pytest.fixture
def arguments():
    partnership = PartnershipFactory(slug="alpha")
    organisation = OrganisationFactory(partnership=partnership)
    person = PersonFactory(partnership=partnership, organisation=organisation)

    class Stand:  # an action, for the per-action form of an owner's update page
        pk = 1

    from prevent_hub.governance.models import Meeting
    from prevent_hub.plans.models import Plan, PlanVersion

    period = schedule.period_containing(dt.date(2026, 12, 8))
    plan = Plan.objects.create(partnership=partnership, title="A plan")
    return {
        "partnership": partnership, "periods": [period], "allow_proxy": True, "owners": [person], "action": Stand(),
        "roles": (), "organisations": [organisation], "current": {}, "meetings": Meeting.objects.none(),
        "interventions": Meeting.objects.none(), "factors": [], "required": True,
        # Model forms whose model needs what the page supplies (the form edits a version of a known plan).
        "instance:PlanVersionForm": PlanVersion(partnership=partnership, plan=plan),
    }


def build(form_class, arguments, data):
    """The form bound to ``data``, given the keyword arguments its constructor asks for (its own, then any
    its bases still need)."""
    import re

    kwargs = {}
    for name, parameter in inspect.signature(form_class.__init__).parameters.items():
        if parameter.kind is parameter.KEYWORD_ONLY and name in arguments:
            kwargs[name] = arguments[name]
    if f"instance:{form_class.__name__}" in arguments:
        kwargs["instance"] = arguments[f"instance:{form_class.__name__}"]
    while True:
        try:
            return form_class(data, files={}, **kwargs)
        except TypeError as error:
            missing = re.search(r"missing \d+ required keyword-only argument: '(\w+)'", str(error))
            if not missing or missing.group(1) not in arguments:
                raise AssertionError(f"{form_class.__qualname__}: {error}; teach arguments() to build it") from error
            kwargs[missing.group(1)] = arguments[missing.group(1)]


def nonsense(form) -> dict:
    """A value for every field that no field accepts as it is."""
    data = {}
    for name, field in form.fields.items():
        bound = form[name]
        value = "x" * 20_000 if isinstance(field, forms.CharField) else "not-a-value"
        if isinstance(field.widget, forms.MultiWidget):
            for index in range(len(field.widget.widgets)):
                data[f"{bound.html_name}_{index}"] = "zz"
        else:
            data[bound.html_name] = value
    return data


def shown_errors(form) -> list[tuple[str, str]]:
    form.is_valid()
    return [(bound.name, message) for bound in form for message in bound.errors]


def test_every_form_is_found():
    names = {c.__qualname__ for c in product_form_classes()}
    assert {"ProgressUpdateForm", "UserForm", "MeetingForm", "ReportRequestForm", "PersonForm"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("form_class", product_form_classes(), ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__qualname__}")
def test_a_forms_errors_name_their_fields(form_class, arguments):
    generic = []
    for data in ({}, None):
        form = build(form_class, arguments, data if data is not None else {})
        if data is None:
            form = build(form_class, arguments, nonsense(form))
        generic += [(field, message) for field, message in shown_errors(form) if message in GENERIC]
    assert generic == [], f"{form_class.__qualname__} shows Django's generic messages: {generic}"
