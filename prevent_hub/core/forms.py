from django import forms
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join

from .params import WholeNumberField


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
    """Build a model field's form field: dates and times as GOV.UK's date input (never a browser's picker,
    which shows the US order); web addresses typed without a scheme get https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    if isinstance(model_field, models.DateTimeField | models.DateField) and model_field.editable and not model_field.choices:
        field_class = GovUKDateTimeField if isinstance(model_field, models.DateTimeField) else GovUKDateField
        options = {"label": str(model_field.verbose_name)[:1].upper() + str(model_field.verbose_name)[1:],
                   "required": not model_field.blank, "help_text": model_field.help_text}
        options.update({k: v for k, v in kwargs.items() if k in ("initial", "label", "help_text", "required")})
        return field_class(**options)
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




class GovUKDateWidget(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes (no browser date picker, which shows US order).

    A form posted by a program may send the date whole, ISO-style, under the field's own name.
    """

    template_name = "govuk/forms/date_input.html"
    use_fieldset = True
    parts = ("Day", "Month", "Year")

    def __init__(self, attrs=None):
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__([forms.TextInput({**numeric, "maxlength": 2}), forms.TextInput({**numeric, "maxlength": 2}),
                          forms.TextInput({**numeric, "maxlength": 4}), *self.extra_widgets()], attrs)

    def extra_widgets(self) -> list:
        return []

    def decompress(self, value):
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if name in data and not any(f"{name}_{i}" in data for i in range(len(self.widgets))):
            return [data[name]]  # whole, as a program or an older form sends it
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class GovUKDateTimeWidget(GovUKDateWidget):
    """GOV.UK's date input with a time box after it ("14:00" or "2pm")."""

    parts = ("Day", "Month", "Year", "Time")

    def extra_widgets(self) -> list:
        return [forms.TextInput({"spellcheck": "false", "maxlength": 8})]

    def decompress(self, value):
        if value:
            from django.utils import timezone

            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [local.day, local.month, local.year, f"{local:%H:%M}"]
        return [None, None, None, None]


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error messages naming the date and what is wrong.

    ``what`` names the date in messages ("the date of the meeting"); it defaults to the label.
    """

    widget = GovUKDateWidget
    PARTS = ("day", "month", "year")

    def __init__(self, *, what: str = "", **kwargs):
        self.what = what
        for name in ("max_length", "empty_value", "widget"):
            kwargs.pop(name, None)
        fields = [forms.CharField(required=False) for _part in self.PARTS]
        super().__init__(fields, require_all_fields=False, **kwargs)

    def _what(self) -> str:
        return str(self.what or self.label or "the date")

    def _capital(self) -> str:
        return self._what()[:1].upper() + self._what()[1:]

    def clean(self, value):
        import datetime as dt

        from django.core.exceptions import ValidationError

        from .dates import check_plausible

        if isinstance(value, dt.date):
            return value
        if isinstance(value, list) and len(value) == 1:  # sent whole, ISO-style
            try:
                return check_plausible(dt.date.fromisoformat(str(value[0]).strip()[:10])) if str(value[0]).strip() else (
                    self._empty())
            except ValueError:
                raise ValidationError(f"{self._capital()} must be a real date, like 16 1 2018", code="invalid") from None
        parts = [str(part or "").strip() for part in (value or [None] * 3)][:3]
        if not any(parts):
            return self._empty()
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValidationError(f"{self._capital()} must include a {' and a '.join(missing)}", code="incomplete")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValidationError(f"{self._capital()} must be a real date, like 16 1 2018", code="invalid")
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValidationError(f"{self._capital()} must be a real date, like 16 1 2018", code="invalid") from None
        return check_plausible(day)

    def _empty(self):
        from django.core.exceptions import ValidationError

        if self.required:
            raise ValidationError(f"Enter {self._what()[:1].lower()}{self._what()[1:]}", code="required")
        return None

    def compress(self, data_list):  # clean() does the work; MultiValueField requires this
        return data_list

    def has_changed(self, initial, data):
        return bool(data and any(str(part or "").strip() for part in data))


class GovUKDateTimeField(GovUKDateField):
    """A date and a time of day, in the hub's time zone: GOV.UK's date input and a time ("2pm", "14:30")."""

    widget = GovUKDateTimeWidget
    PARTS = ("day", "month", "year", "time")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = (*self.fields, forms.CharField(required=False))

    def clean(self, value):
        import datetime as dt

        from django.core.exceptions import ValidationError
        from django.utils import timezone

        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, list) and len(value) == 1:  # sent whole, ISO-style
            text = str(value[0]).strip()
            if not text:
                return self._empty()
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"{self._capital()} must be a real date and time", code="invalid") from None
            return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        parts = list(value or [None] * 4) + [None] * (4 - len(value or []))
        day = super().clean(parts[:3])
        if day is None:
            if str(parts[3] or "").strip():
                raise ValidationError(f"{self._capital()} must include a date", code="incomplete")
            return None
        when = parse_time_of_day(str(parts[3] or ""))
        if when is None:
            raise ValidationError(f"Enter the time of {self._what()[:1].lower()}{self._what()[1:]}, like 2pm or 14:30",
                                  code="invalid_time")
        return timezone.make_aware(dt.datetime.combine(day, when))


def parse_time_of_day(text: str):
    """'2pm', '2:30pm', '14:30', '14.30', 'midday', 'noon', 'midnight' as a time; None if it is none of those."""
    import datetime as dt
    import re

    text = text.strip().lower().replace(" ", "").replace(".", ":")
    named = {"midday": dt.time(12), "noon": dt.time(12), "midnight": dt.time(0)}
    if text in named:
        return named[text]
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # "14" alone is not a time anyone writes
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)
