from django import forms
from django.db import models
from django.forms.renderers import TemplatesSetting


class GovUKFormRenderer(TemplatesSetting):
    """Render every Django form with GOV.UK Frontend markup."""

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"


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

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
