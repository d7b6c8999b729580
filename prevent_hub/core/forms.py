from django import forms
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text  # keep "RAG", "LMS"


def field_named_message(field, code: str, label: str) -> str | None:
    """GOV.UK's message for a field's generic error ``code``, naming the field (None: keep Django's)."""
    label = str(label or "this").rstrip(" ?:")
    what = _lower_first(label)
    widget = field.widget
    choosing = getattr(widget, "input_type", "") in ("select", "radio", "checkbox") or isinstance(
        field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField)
    limit = getattr(field, "max_length", None)
    messages = {
        "required": (f"Choose {what}" if choosing else f"Choose a file for {what}"
                     if isinstance(field, forms.FileField) else f"Enter {what}"),
        "invalid_choice": f"Choose {what} from the list",
        "invalid_list": f"Choose {what} from the list",
        "invalid_pk_value": f"Choose {what} from the list",
        "invalid": (f"Enter {what} as a whole number" if isinstance(field, forms.IntegerField) else
                    f"Enter {what} as a number" if isinstance(field, forms.DecimalField | forms.FloatField) else
                    f"Enter {what} in the correct format, like name@example.org"
                    if isinstance(field, forms.EmailField) else
                    f"Enter {what} as a web address, like https://www.example.org" if isinstance(field, forms.URLField)
                    else f"Enter {what} as a real date" if isinstance(field, forms.DateField | forms.DateTimeField)
                    else None),
        "max_length": f"{label[:1].upper()}{label[1:]} must be {limit} characters or fewer" if limit else None,
        "min_value": f"{label[:1].upper()}{label[1:]} must be {getattr(field, 'min_value', '')} or more",
        "max_value": f"{label[:1].upper()}{label[1:]} must be {getattr(field, 'max_value', '')} or less",
        "missing": f"Choose a file for {what}",
        "empty": f"The file for {what} is empty",
    }
    return messages.get(code)


class GovUKBoundField(BoundField):
    """A form field as the GOV.UK templates see it.

    Its errors name it: a form field's generic Django message ("This field is required.") becomes
    GOV.UK's ("Enter the narrative", "Choose the reporting period"), in the field and in the error
    summary; a message a form writes itself is kept as written.
    """

    @property
    def errors(self):
        errors = super().errors
        if not errors:
            return errors
        data = self.form.errors.as_data().get(self.name, [])
        generic = {code: str(message) for code, message in self.field.error_messages.items()}
        defaults = _default_messages(self.field)
        named = []
        for error in data:
            for message in error.messages if hasattr(error, "messages") else [str(error)]:
                code = getattr(error, "code", None)
                if code and message in (generic.get(code), defaults.get(code)) and generic.get(code) == defaults.get(code):
                    message = field_named_message(self.field, code, self.label) or message
                named.append(message)
        return self.form.error_class(named, renderer=self.form.renderer)

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


def _default_messages(field) -> dict:
    """Django's own messages for ``field``'s class (any a form or model set itself differ from these)."""
    messages = {}
    for cls in reversed(type(field).__mro__):
        messages.update({code: str(text) for code, text in getattr(cls, "default_error_messages", {}).items()})
    return messages


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


class GovUKDateWidget(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes (no browser date picker, which shows US order)."""

    template_name = "govuk/forms/date_input.html"
    use_fieldset = True

    def __init__(self, attrs=None):
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__([forms.TextInput({**numeric, "maxlength": 2}), forms.TextInput({**numeric, "maxlength": 2}),
                          forms.TextInput({**numeric, "maxlength": 4})], attrs)

    def decompress(self, value):
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error messages naming the date and what is wrong.

    ``what`` names the date in messages ("the date of the meeting"); it defaults to the label.
    """

    widget = GovUKDateWidget
    PARTS = ("day", "month", "year")

    def __init__(self, *, what: str = "", **kwargs):
        self.what = what
        fields = [forms.CharField(required=False) for _part in self.PARTS]
        super().__init__(fields, require_all_fields=False, **kwargs)

    def _what(self) -> str:
        return str(self.what or self.label or "the date")

    def clean(self, value):
        from django.core.exceptions import ValidationError

        from .dates import check_plausible

        parts = [str(part or "").strip() for part in (value or [None] * 3)]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {self._what()[0].lower()}{self._what()[1:]}", code="required")
            return None
        missing = [name for name, part in zip(self.PARTS, parts, strict=True) if not part]
        what = self._what()[0].upper() + self._what()[1:]
        if missing:
            raise ValidationError(f"{what} must include a {' and a '.join(missing)}", code="incomplete")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValidationError(f"{what} must be a real date, like 16 1 2018", code="invalid")
        import datetime as dt

        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValidationError(f"{what} must be a real date, like 16 1 2018", code="invalid") from None
        return check_plausible(day)

    def compress(self, data_list):  # clean() does the work; MultiValueField requires this
        return data_list
