import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.uploads import check_document
from prevent_hub.core.forms import DateInput, PartnershipModelForm, formfield_for

from .choices import CheckpointOutcome
from .models import Action, MitigatingAction, Plan, PlanVersion, ProgressUpdate


class PlanForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Plan
        fields = ["title", "period_start", "period_end"]


class PlanVersionForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = PlanVersion
        fields = ["label", "issued", "issued_date"]
        widgets = {"issued_date": DateInput()}

    def _get_validation_exclusions(self):
        # The plan is fixed, so "one label per plan" is checked here rather than failing on save.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("plan")
        return exclusions


class ActionForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Action
        fields = ["text", "status", "notes"]




class ProgressUpdateForm(forms.ModelForm):
    """An update for one reporting period. Evidence files are checked by name and by content."""

    period_start = forms.TypedChoiceField(label=_("Reporting period"), coerce=datetime.date.fromisoformat)

    class Meta:
        model = ProgressUpdate
        fields = ["period_start", "status", "rag", "narrative", "percent_complete", "milestone",
                  "evidence_link", "evidence_file", "on_behalf_of"]
        formfield_callback = staticmethod(formfield_for)
        widgets = {"rag": forms.RadioSelect, "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100})}

    def __init__(self, *args, periods, allow_proxy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = [(p.start.isoformat(), p.label) for p in periods]
        self.fields["rag"].choices = [c for c in self.fields["rag"].choices if c[0]]
        if not allow_proxy:
            del self.fields["on_behalf_of"]

    def clean_percent_complete(self):
        value = self.cleaned_data.get("percent_complete")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(_("Enter a percentage from 0 to 100."))
        return value

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        return check_document(upload, max_bytes=settings.EVIDENCE_MAX_BYTES, what="evidence file") if upload else upload


class CheckpointRecordForm(forms.Form):
    due_date = forms.DateField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CheckpointOutcome.choices)
    note = forms.CharField(label=_("Evidence or note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MitigationForm(forms.ModelForm):
    class Meta:
        model = MitigatingAction
        fields = ["text", "owner_text", "due_date"]
        widgets = {"due_date": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}
