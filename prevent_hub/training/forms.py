from django import forms
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.forms import PartnershipModelForm
from prevent_hub.directory.choices import Sector
from prevent_hub.core.dates import check_plausible

from .models import Course, HeadCount, Trainer, TrainingSession

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


MAX_HEAD_COUNT = 10_000  # more than any one session; stops a typing slip from swamping the figures


class HeadCountForm(forms.ModelForm):
    count = forms.IntegerField(label=_("People"), min_value=1, max_value=MAX_HEAD_COUNT)

    class Meta:
        model = HeadCount
        fields = ["organisation", "sector", "role", "attendee", "count"]

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.filter(partnership=partnership)


class TrainerReturnForm(forms.Form):
    """What a trainer in a partner agency returns for a session: up to five lines of head-counts."""

    returned_by = forms.CharField(label=_("Your name"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, 6):
            self.fields[f"sector_{n}"] = forms.ChoiceField(
                label=_("Line %(n)s: sector") % {"n": n}, choices=[("", _("Choose"))] + list(Sector.choices),
                required=n == 1)
            self.fields[f"role_{n}"] = forms.CharField(label=_("Line %(n)s: role") % {"n": n}, max_length=100,
                                                       required=False)
            self.fields[f"count_{n}"] = forms.IntegerField(label=_("Line %(n)s: people") % {"n": n}, min_value=1,
                                                           max_value=MAX_HEAD_COUNT, required=n == 1)

    def rows(self) -> list[dict]:
        data = self.cleaned_data
        return [{"sector": data[f"sector_{n}"], "role": data[f"role_{n}"], "count": data[f"count_{n}"]}
                for n in range(1, 6) if data.get(f"sector_{n}") and data.get(f"count_{n}")]

    def clean(self):
        data = super().clean()
        for n in range(2, 6):
            if bool(data.get(f"sector_{n}")) != bool(data.get(f"count_{n}")):
                self.add_error(f"count_{n}", _("Give both the sector and the number of people, or neither."))
        return data


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
