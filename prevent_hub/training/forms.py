from django import forms
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.dates import check_plausible
from prevent_hub.core.forms import PartnershipModelForm
from prevent_hub.directory.choices import Sector
from prevent_hub.directory.models import Organisation

from .models import Course, HeadCount, Trainer, TrainingSession
from .services import MAX_HEAD_COUNT

SCALE = [(n, str(n)) for n in range(1, 6)]


class CourseForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Course
        fields = ["name", "level", "delivery", "audience", "description"]


class TrainerForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Trainer
        fields = ["person", "organisation", "course", "accredited_on", "refresher_due"]


class TrainingSessionForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = TrainingSession
        fields = ["course", "date", "trainer", "host", "venue", "audience_sector", "capacity"]

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and not 1 <= capacity <= MAX_HEAD_COUNT:
            raise forms.ValidationError(_("Enter the number of places, from 1 to %(max)s.") % {"max": MAX_HEAD_COUNT})
        return capacity

    def clean_date(self):
        return check_plausible(self.cleaned_data["date"])


def count_field(line: str = "", **kwargs) -> forms.IntegerField:
    """How many people: a whole number from 1 to 10,000, with GOV.UK messages that name the field."""
    enter = _("Enter how many people attended%(line)s") % {"line": line}
    between = _("Enter how many people attended%(line)s, from 1 to 10,000") % {"line": line}
    return forms.IntegerField(label=_("People"), min_value=1, max_value=MAX_HEAD_COUNT, error_messages={
        "required": enter, "invalid": _("Enter how many people attended%(line)s as a number, like 12") % {"line": line},
        "min_value": between, "max_value": between}, **kwargs)


def check_line(form, *, organisation, sector, organisation_field: str, sector_field: str, line: str = "") -> None:
    """A line counts under its organisation (its sector follows) or, where that is not known, a sector."""
    if organisation is None and not sector:
        form.add_error(organisation_field, _("Choose the organisation or the sector%(line)s") % {"line": line})
    elif organisation is not None and sector and sector != organisation.sector:
        form.add_error(sector_field, _("Leave the sector blank%(line)s: people from %(org)s count under its sector, "
                                       "%(sector)s") % {"line": line, "org": organisation,
                                                        "sector": organisation.get_sector_display()})


class HeadCountForm(forms.ModelForm):
    """A line of a session's attendance, for the coordinator: people from one organisation (or sector) and role."""

    count = count_field()

    class Meta:
        model = HeadCount
        fields = ["organisation", "sector", "role", "attendee", "count"]

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        organisation.queryset = organisation.queryset.filter(partnership=partnership).order_by("name")
        organisation.empty_label = _("Not in the directory, or not known")
        organisation.error_messages["invalid_choice"] = _("Choose the organisation from the list")
        self.fields["sector"].choices = [("", _("Only if the organisation is not chosen"))] + list(Sector.choices)
        self.fields["role"].label = _("Role (optional)")

    def _get_validation_exclusions(self):
        # Every line has a sector (the model's constraint); clean() says which field to fill in, by name.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("sector")
        return exclusions

    def clean(self):
        data = super().clean()
        check_line(self, organisation=data.get("organisation"), sector=data.get("sector"),
                   organisation_field="organisation", sector_field="sector")
        if data.get("organisation") is not None and "sector" not in self.errors:
            data["sector"] = data["organisation"].sector  # people from an organisation count under its sector
        if data.get("attendee") and data.get("count") not in (None, 1):
            self.add_error("count", _("A named attendee is one person: enter 1, or leave the name blank for a "
                                      "head-count"))
        return data


LINES = 5


class TrainerReturnForm(forms.Form):
    """What a trainer in a partner agency returns for a session: up to five lines of head-counts, each by
    the organisation the people come from (or their sector, where it is not in the list)."""

    returned_by = forms.CharField(label=_("Your name"), max_length=200, error_messages={"required": _("Enter your name")})

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = list(Organisation.objects.filter(partnership=partnership).order_by("name").only(
            "pk", "name", "sector"))
        self.organisations = {str(org.pk): org for org in organisations}
        choices = [("", _("Not in the list, or not known"))] + [(str(org.pk), org.name) for org in organisations]
        for n in range(1, LINES + 1):
            line = _(" on line %(n)s") % {"n": n}
            self.fields[f"organisation_{n}"] = forms.ChoiceField(
                label=_("Organisation the people work for"), choices=choices, required=False,
                error_messages={"invalid_choice": _("Choose the organisation%(line)s from the list") % {"line": line}})
            self.fields[f"sector_{n}"] = forms.ChoiceField(
                label=_("Sector, if their organisation is not in the list"), required=False,
                choices=[("", _("Only if the organisation is not in the list"))] + list(Sector.choices),
                error_messages={"invalid_choice": _("Choose the sector%(line)s from the list") % {"line": line}})
            self.fields[f"role_{n}"] = forms.CharField(label=_("Role (optional)"), max_length=100, required=False)
            self.fields[f"count_{n}"] = count_field(line, required=False)

    def lines(self) -> list[tuple[int, list]]:
        """Each line's fields, for the template's fieldsets."""
        return [(n, [self[f"{name}_{n}"] for name in ("organisation", "sector", "role", "count")])
                for n in range(1, LINES + 1)]

    def clean(self):
        data = super().clean()
        for n in range(1, LINES + 1):
            line = _(" on line %(n)s") % {"n": n}
            organisation = self.organisations.get(data.get(f"organisation_{n}") or "")
            used = any(data.get(f"{name}_{n}") for name in ("organisation", "sector", "role", "count"))
            if n > 1 and not used and f"count_{n}" not in self.errors:
                continue  # an empty line is not a line
            if data.get(f"count_{n}") is None and f"count_{n}" not in self.errors:
                self.add_error(f"count_{n}", _("Enter how many people attended%(line)s") % {"line": line})
            check_line(self, organisation=organisation, sector=data.get(f"sector_{n}"),
                       organisation_field=f"organisation_{n}", sector_field=f"sector_{n}", line=line)
        return data

    def rows(self) -> list[dict]:
        data = self.cleaned_data
        return [{"organisation": self.organisations.get(data[f"organisation_{n}"] or ""), "sector": data[f"sector_{n}"],
                 "role": data[f"role_{n}"], "count": data[f"count_{n}"]}
                for n in range(1, LINES + 1) if data.get(f"count_{n}")]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How useful was the session?"), choices=SCALE, coerce=int,
                                    widget=forms.RadioSelect, help_text=_("1 is not useful, 5 is very useful."))
    confidence_before = forms.TypedChoiceField(
        label=_("Before the session, how confident were you about recognising and referring a concern?"),
        choices=SCALE, coerce=int, widget=forms.RadioSelect)
    confidence_after = forms.TypedChoiceField(label=_("And now?"), choices=SCALE, coerce=int, widget=forms.RadioSelect)
    comments = forms.CharField(label=_("Anything else? (optional)"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("Please do not include names or other personal details."))
