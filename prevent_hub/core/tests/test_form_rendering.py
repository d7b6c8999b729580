"""The GOV.UK field template's selects: the options it writes are the ones Django's own Select writes."""

from html.parser import HTMLParser

import pytest
from django import forms

from prevent_hub.directory.models import Organisation

from .. import forms as core_forms
from ..testing.factories import OrganisationFactory, PartnershipFactory


class Options(HTMLParser):
    """(value, label, selected, optgroup label) of every option in some HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.options, self.group, self.current = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "optgroup":
            self.group = attrs["label"]
        elif tag == "option":
            self.current = [attrs.get("value"), "", "selected" in attrs, self.group]

    def handle_data(self, data):
        if self.current is not None:
            self.current[1] += data

    def handle_endtag(self, tag):
        if tag == "optgroup":
            self.group = None
        elif tag == "option":
            self.current[1] = self.current[1].strip()
            self.options.append(tuple(self.current))
            self.current = None


GROUPED = [(None, "Any"), ("Nearby", [("a", "A & <b>"), ("b", "B")]), ("c", "C"), ("a", "A again")]


class ChoicesForm(forms.Form):
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    several = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")], required=False)
    yes_no = forms.NullBooleanField(required=False)


def django_options(bound) -> list[tuple]:
    """What Django's own widget renders for ``bound``."""
    return Options(bound.as_widget()).options


def our_options(bound) -> list[tuple]:
    html = bound.as_field_group()  # through GovUKFormRenderer and govuk/forms/field.html
    assert 'class="govuk-select' in html
    return Options(html).options


@pytest.mark.parametrize("data", [
    {},
    {"grouped": "a", "several": ["1", "3"], "yes_no": "true"},
    {"grouped": "", "several": ["2"], "yes_no": "false"},
    {"grouped": "c", "yes_no": "unknown"},
])
def test_select_options_are_djangos_options(data):
    form = ChoicesForm(data or None)
    assert isinstance(form["grouped"], core_forms.GovUKBoundField)
    for name in form.fields:
        assert our_options(form[name]) == django_options(form[name]), name


def test_options_are_escaped_grouped_and_only_the_first_match_of_a_single_select_is_selected():
    form = ChoicesForm({"grouped": "a"})
    options = our_options(form["grouped"])
    assert options == [("", "Any", False, None), ("a", "A & <b>", True, "Nearby"), ("b", "B", False, "Nearby"),
                       ("c", "C", False, None), ("a", "A again", False, None)]
    assert "A &amp; &lt;b&gt;" in form["grouped"].as_field_group()


def test_the_initial_value_of_an_unbound_form_is_selected():
    form = ChoicesForm(initial={"several": ["2", "3"]})
    assert [value for value, _, selected, _ in our_options(form["several"]) if selected] == ["2", "3"]


@pytest.mark.django_db
def test_model_choices_by_primary_key():
    partnership = PartnershipFactory()
    first = OrganisationFactory(partnership=partnership, name="Alpha Council")
    OrganisationFactory(partnership=partnership, name="Beta College")

    class OrganisationForm(forms.Form):
        organisation = forms.ModelChoiceField(Organisation.objects.filter(partnership=partnership).order_by("name"), required=False)

    form = OrganisationForm({"organisation": str(first.pk)})
    assert our_options(form["organisation"]) == django_options(form["organisation"])
    assert [label for _, label, selected, _ in our_options(form["organisation"]) if selected] == ["Alpha Council"]


@pytest.mark.parametrize("value", ["local_authority", "education", "not-a-sector", ""])
def test_choice_labels_are_djangos(value):
    """get_<field>_display() builds each field's labels once; what it answers is what Django's own would."""
    from django.db.models import Model

    organisation = Organisation(name="Alpha", sector=value)
    field = Organisation._meta.get_field("sector")
    assert organisation.get_sector_display() == Model._get_FIELD_display(organisation, field)
    assert (organisation.get_sector_display() == "Local authority") is (value == "local_authority")
