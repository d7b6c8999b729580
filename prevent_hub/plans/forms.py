import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.forms import PartnershipModelForm, formfield_for
from prevent_hub.core.uploads import check_document

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

    def _get_validation_exclusions(self):
        # The plan is fixed, so "one label per plan" is checked here rather than failing on save.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("plan")
        return exclusions


class ActionForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Action
        fields = ["text", "status", "notes"]




PROGRESS_ERRORS = {
    "status": {"required": _("Choose the action's status")},
    "rag": {"required": _("Choose a RAG rating: red, amber or green")},
    "narrative": {"required": _("Describe the progress this period")},
    "percent_complete": {"invalid": _("Enter the per cent complete as a whole number, like 60")},
    "evidence_link": {"invalid": _("Enter the link to the evidence as a web address, like https://example.org/report")},
}


class ProgressUpdateForm(forms.ModelForm):
    """An update for one reporting period. Evidence files are checked by name and by content.

    ``owners``: the people who own the action, offered to a coordinator recording an update on an
    owner's behalf (``allow_proxy``).
    """

    period_start = forms.TypedChoiceField(label=_("Reporting period"), coerce=datetime.date.fromisoformat,
                                          error_messages={"required": _("Choose the reporting period")})
    reporting_for = forms.TypedChoiceField(
        label=_("Whose update is this?"), required=False, coerce=int, empty_value=None,
        help_text=_("Recording what an owner told you by phone or email? Choose them: the update is shown as "
                    "theirs, entered by you."))

    class Meta:
        model = ProgressUpdate
        fields = ["period_start", "status", "rag", "narrative", "percent_complete", "milestone",
                  "evidence_link", "evidence_file"]
        formfield_callback = staticmethod(formfield_for)
        widgets = {"rag": forms.RadioSelect, "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100}),
                   "narrative": forms.Textarea(attrs={"rows": 5})}
        error_messages = PROGRESS_ERRORS

    def __init__(self, *args, periods, allow_proxy: bool, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = [(p.start.isoformat(), p.label) for p in periods]
        self.fields["rag"].choices = [c for c in self.fields["rag"].choices if c[0]]
        self.owners = {person.pk: person for person in owners}
        if allow_proxy and self.owners:
            self.fields["reporting_for"].choices = [("", _("My own update"))] + [
                (pk, person.name) for pk, person in self.owners.items()]
        else:
            del self.fields["reporting_for"]

    def clean_percent_complete(self):
        value = self.cleaned_data.get("percent_complete")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(_("Enter a per cent complete from 0 to 100"))
        return value

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        return check_document(upload, max_bytes=settings.EVIDENCE_MAX_BYTES, what="evidence file") if upload else upload

    def reported_for(self):
        """The owner a coordinator is reporting for (None for their own update)."""
        return self.owners.get(self.cleaned_data.get("reporting_for"))


class OwnerActionUpdateForm(ProgressUpdateForm):
    """One action's part of an owner's one-sitting update: left blank, it is skipped; begun, it must be complete."""

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, periods=(), allow_proxy=False, prefix=f"action-{action.pk}", empty_permitted=True,
                         use_required_attribute=False, **kwargs)
        self.action = action
        for name in ("period_start", "evidence_file"):
            del self.fields[name]


class CheckpointRecordForm(forms.Form):
    due_date = forms.DateField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CheckpointOutcome.choices)
    note = forms.CharField(label=_("Evidence or note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MitigationForm(forms.ModelForm):
    class Meta:
        model = MitigatingAction
        fields = ["text", "owner_text", "due_date"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = staticmethod(formfield_for)
