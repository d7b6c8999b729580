from django import forms
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join

from .params import WholeNumberField


class GovUKBoundField(BoundField):
    """A form field as the GOV.UK templates see it."""

    @property
    def select_options(self) -> str:
        """A select's ``<option>`` (and ``<optgroup>``) elements, selected as Django's Select would.

        Built straight from the choices: Django's per-option widget dictionaries, rendered
        through the template engine, cost milliseconds per filter form on long lists.
        """
        widget = self.field.widget
        wanted = widget.format_value(self.value())  # a list of strings (NullBooleanSelect: one string)
        wanted = set(wanted) if isinstance(wanted, list) else wanted
        multiple = widget.allow_multiple_selected
        has_selected = False

        def option(value, label):
            nonlocal has_selected
            selected = (multiple or not has_selected) and str(value) in wanted
            has_selected |= selected
            return format_html('<option value="{}"{}>{}</option>', value, " selected" if selected else "", label)

        parts = []
        for value, label in widget.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', value,
                                         format_html_join("", "{}", ((option(v, sub),) for v, sub in label))))
            else:
                parts.append(option("" if value is None else value, label))
        return format_html_join("\n", "{}", ((part,) for part in parts))


class GovUKFormRenderer(TemplatesSetting):
    """Render every Django form with GOV.UK Frontend markup."""

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovUKBoundField


def formfield_for(model_field, **kwargs):
    """Build a model field's form field; web addresses typed without a scheme get https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class PartnershipModelForm(forms.ModelForm):
    """A model form scoped to one partnership.

    Every choice of a related record is limited to the partnership, so a form can
    never link to (or reveal) another partnership's data. ``expected_version``
    carries the version the user started editing from, for conflict detection.
    """

    expected_version = WholeNumberField(widget=forms.HiddenInput, required=False)

    class Meta:
        # Subclasses declare ``class Meta(PartnershipModelForm.Meta)`` to keep this.
        formfield_callback = staticmethod(formfield_for)

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        if self.instance.partnership_id is None:
            self.instance.partnership = partnership
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and any(f.name == "partnership" for f in queryset.model._meta.fields):
                field.queryset = queryset.filter(partnership=partnership)
        if self.instance.pk and not self.is_bound:
            self.initial["expected_version"] = getattr(self.instance, "version", None)

    def _get_validation_exclusions(self):
        # The partnership comes from the URL, not the form; keep it in the checks so a
        # "unique within the partnership" rule gives a form error instead of a failed save.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("partnership")
        return exclusions


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        # The browser's date picker only understands ISO dates.
        super().__init__(attrs, format=format)
