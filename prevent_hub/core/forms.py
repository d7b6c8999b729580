from django.forms.renderers import TemplatesSetting


class GovUKFormRenderer(TemplatesSetting):
    """Render every Django form with GOV.UK Frontend markup."""

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
