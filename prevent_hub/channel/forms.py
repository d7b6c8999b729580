"""Forms for each step of a case. They check what a form can; the services check the process."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.dates import check_plausible
from prevent_hub.core.forms import GovUKDateField, PartnershipModelForm
from prevent_hub.directory.models import Organisation

from . import choices
from .models import Case, RetentionRule, Subject, VafFactor


def _date(label, required=True, help_text=""):
    return GovUKDateField(label=label, required=required, help_text=help_text)


def _text(label, required=True, rows=4, help_text=""):
    return forms.CharField(label=label, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}), max_length=20000)


class PastDateMixin:
    """Dates of things that have happened: not in the future, and plausible."""

    past_dates: tuple = ()

    def clean(self):
        data = super().clean()
        for name in self.past_dates:
            day = data.get(name)
            if day is None:
                continue
            if day > timezone.localdate():
                self.add_error(name, _("The date cannot be in the future."))
            else:
                try:
                    check_plausible(day)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data


class ReferralForm(PartnershipModelForm):
    """The national referral form's sections about the concern and the referrer."""

    class Meta(PartnershipModelForm.Meta):
        model = Case
        fields = ["referrer_name", "referrer_role", "referrer_organisation", "referrer_sector",
                  "gender", "district", "concern_type",
                  "concern_how_arose", "concern_indicators", "concern_online",
                  "complex_needs", "other_agencies", "parental_support"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in
                   ("concern_how_arose", "concern_indicators", "concern_online", "complex_needs",
                    "other_agencies", "parental_support")}
        help_texts = {
            "concern_how_arose": _("When and how the concerns came to your attention."),
            "concern_indicators": _("What was seen, heard or said; any contacts or threats. Facts, not assumptions."),
            "concern_online": _("Websites, social media or messaging, if relevant."),
            "concern_type": _("Leave as “Not yet known” if you are unsure: the police will assess it."),
        }


class SubjectForm(PartnershipModelForm):
    """Who the referral is about, as a referrer gives it. Sensitive details are not asked for at referral:
    the case team records them later, and only if they matter to the support offered."""

    class Meta(PartnershipModelForm.Meta):
        model = Subject
        fields = ["full_name", "date_of_birth", "address", "contacts"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "contacts": forms.Textarea(attrs={"rows": 2}),
                   "full_name": forms.TextInput(attrs={"autocomplete": "off"}),
                   "religion_or_belief": forms.TextInput, "ethnicity": forms.TextInput,
                   "health_and_neurodiversity": forms.Textarea(attrs={"rows": 2})}

    def clean_date_of_birth(self):
        birth = self.cleaned_data["date_of_birth"]
        if birth > timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."))
        if birth < dt.date(1900, 1, 1):
            raise forms.ValidationError(_("Enter a real date of birth."))
        return birth


class SubjectCorrectionForm(SubjectForm):
    """The person's details kept by the case team, with the optional special-category fields."""

    class Meta(SubjectForm.Meta):
        fields = [*SubjectForm.Meta.fields, "religion_or_belief", "ethnicity", "health_and_neurodiversity"]
        help_texts = {"religion_or_belief": _("Only if it matters to the support offered."),
                      "ethnicity": _("Only if it matters to the support offered."),
                      "health_and_neurodiversity": _("Only if it matters to the support offered.")}


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Why are you opening this case?"), choices=choices.Purpose.choices,
                                widget=forms.RadioSelect)
    detail = forms.CharField(label=_("Say what (if “Other”)"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == choices.Purpose.OTHER and not data.get("detail", "").strip():
            self.add_error("detail", _("Say why you are opening the case."))
        return data

    def text(self) -> str:
        label = str(choices.Purpose(self.cleaned_data["purpose"]).label)
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}: {detail}" if detail else label


class ScreenForm(PastDateMixin, forms.Form):
    past_dates = ("screened_on",)
    outcome = forms.ChoiceField(label=_("Screening outcome"), choices=choices.GatewayOutcome.choices,
                                widget=forms.RadioSelect)
    screened_on = _date(_("Screened on"))
    rationale = _text(_("Rationale"))
    national_reference = forms.CharField(label=_("National case reference"), required=False, max_length=50)


class InformationRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation to ask"), queryset=Organisation.objects.none())
    question = _text(_("What the panel needs to know"),
                     help_text=_("Ask only for what the panel needs. The person answering sees this text and the "
                                 "case reference."))
    due_on = _date(_("Reply by"))
    responder = forms.ModelChoiceField(label=_("Person to answer, signed in (optional)"), queryset=None, required=False,
                                       help_text=_("They see this request, and nothing else of the case."))
    with_link = forms.BooleanField(label=_("Make a single-use link for someone without an account"), required=False)

    def __init__(self, *args, partnership, **kwargs):
        from prevent_hub.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(partnership=partnership).order_by("name")
        self.fields["responder"].queryset = User.objects.filter(
            memberships__partnership=partnership, is_active=True).distinct().order_by("full_name")


class InformationReturnForm(forms.Form):
    response = _text(_("Information for the panel"), rows=8)
    returned_by = forms.CharField(label=_("Your name and role"), max_length=200)


def panel_meeting_label(meeting) -> str:
    from prevent_hub.core.templatetags.govuk import govuk_datetime

    return f"{govuk_datetime(meeting.starts_at)}{f', {meeting.location}' if meeting.location else ''}"


class PanelListForm(forms.Form):
    """Which panel meeting to list the case at: the coming ones soonest first, then (to record a listing after
    the event) the last year's held ones, newest first."""

    meeting = forms.ModelChoiceField(label=_("Channel Panel meeting"), queryset=None,
                                     error_messages={"required": _("Choose the Channel Panel meeting")})
    past_label = _("Meetings already held (to record a listing after the event)")

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        listed = list(meetings)
        coming = sorted((m for m in listed if timezone.localtime(m.starts_at).date() >= today), key=lambda m: m.starts_at)
        held = [m for m in listed if timezone.localtime(m.starts_at).date() < today][:12] if self.past_label else []
        field = self.fields["meeting"]
        field.queryset = meetings
        field.choices = [("", _("Choose a meeting"))] + [(m.pk, panel_meeting_label(m)) for m in coming] + (
            [(self.past_label, [(m.pk, panel_meeting_label(m)) for m in held])] if held else [])
        if not coming:
            field.help_text = _("No Channel Panel meeting is planned. The Channel chair or the Prevent coordinator "
                                "plans them under Channel, Panel meetings.")


class PanelMoveForm(PanelListForm):
    """Move a listed case to another coming meeting of the panel."""

    past_label = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].label = _("Move it to")


class DecisionForm(PastDateMixin, forms.Form):
    past_dates = ("decided_on",)
    decision = forms.ChoiceField(label=_("Decision"), choices=choices.PanelDecision.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("How the panel decided"), choices=choices.DecisionMethod.choices,
                               widget=forms.RadioSelect)
    decided_on = _date(_("Decided on"))
    rationale = _text(_("Rationale"))


class ConsentForm(PastDateMixin, forms.Form):
    past_dates = ("asked_on",)
    asked_from = forms.ChoiceField(label=_("Who was asked"), choices=choices.ConsentFrom.choices, widget=forms.RadioSelect,
                                   help_text=_("A parent or guardian only if the person is under 18."))
    asked_by = forms.CharField(label=_("Asked by"), max_length=200)
    method = forms.ChoiceField(label=_("How"), choices=choices.ConsentMethod.choices)
    asked_on = _date(_("When"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=choices.ConsentOutcome.choices, widget=forms.RadioSelect)
    capacity_notes = _text(_("Capacity notes"), required=False, rows=3)


class AssessmentForm(PastDateMixin, forms.Form):
    """One rating and narrative per factor in use, then a summary. No totals: the judgement is the summary."""

    past_dates = ("assessed_on",)
    assessed_on = _date(_("Assessed on"))
    assessed_by = forms.CharField(label=_("Assessed by"), max_length=200)

    def __init__(self, *args, factors, **kwargs):
        super().__init__(*args, **kwargs)
        self.factors = list(factors)
        for factor in self.factors:
            self.fields[f"rating_{factor.pk}"] = forms.ChoiceField(
                label=factor.name, choices=[("", "Choose a rating"), *choices.Rating.choices],
                help_text=choices.Dimension(factor.dimension).label)
            self.fields[f"narrative_{factor.pk}"] = _text(_("Narrative: %(factor)s") % {"factor": factor.name},
                                                          required=False, rows=2)
        self.fields["summary"] = _text(_("Summary of the assessment"), rows=6)

    def ratings(self) -> dict:
        return {factor: (self.cleaned_data[f"rating_{factor.pk}"], self.cleaned_data.get(f"narrative_{factor.pk}", ""))
                for factor in self.factors}


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of support"), choices=choices.InterventionType.choices)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    is_intervention_provider = forms.BooleanField(label=_("A Home Office Intervention Provider"), required=False)
    starts_on = _date(_("Starts"))
    ends_on = _date(_("Ends"), required=False)
    funding = forms.ChoiceField(label=_("Funding"), choices=choices.Funding.choices)
    description = _text(_("What the support is"), required=False, rows=3)

    def clean(self):
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            if data.get(name):
                try:
                    check_plausible(data[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data


class ReviewForm(PastDateMixin, forms.Form):
    past_dates = ("held_on",)
    held_on = _date(_("Held on"))
    meeting = forms.ModelChoiceField(label=_("At which panel meeting"), queryset=None, required=False)
    notes = _text(_("Review notes"))

    def __init__(self, *args, meetings, interventions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: f"{m.group} – {timezone.localtime(m.starts_at):%-d %B %Y}"
        self.interventions = list(interventions)
        for intervention in self.interventions:
            self.fields[f"progress_{intervention.pk}"] = _text(
                _("Progress: %(kind)s (%(provider)s)") % {"kind": intervention.get_kind_display(),
                                                           "provider": intervention.provider}, required=False, rows=2)

    def progress(self) -> dict:
        return {i: self.cleaned_data.get(f"progress_{i.pk}", "") for i in self.interventions}


class ExitForm(PastDateMixin, forms.Form):
    past_dates = ("exited_on",)
    exited_on = _date(_("Exited on"))
    reason = forms.ChoiceField(label=_("Reason"), choices=choices.ExitReason.choices)
    notes = _text(_("Exit notes"), required=False, rows=3)


class PostExitReviewForm(PastDateMixin, forms.Form):
    past_dates = ("held_on",)
    held_on = _date(_("Held on"))
    notes = _text(_("Review notes"))


class CloseForm(PastDateMixin, forms.Form):
    past_dates = ("closed_on",)
    closed_on = _date(_("Closed on"))


class FeedbackLinkForm(forms.Form):
    audience = forms.ChoiceField(label=_("Feedback from"), choices=choices.FeedbackAudience.choices)


class AssignmentForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Panel member"), queryset=None)
    expires_on = _date(_("Access until (optional)"), required=False)

    def __init__(self, *args, partnership, **kwargs):
        from prevent_hub.accounts.models import User
        from prevent_hub.core.roles import Role

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            memberships__partnership=partnership, memberships__role=Role.PANEL_MEMBER, is_active=True,
        ).distinct().order_by("full_name")


class ApprovalRequestForm(forms.Form):
    reason = _text(_("Why"), rows=3)


class ChannelFeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How helpful was the support or process?"), coerce=int,
                                    choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect,
                                    help_text=_("1 is not at all helpful, 5 is very helpful."))
    comments = _text(_("Anything you would like to tell us (optional)"), required=False,
                     help_text=_("Please do not include names or details that could identify anyone."))


class VafFactorForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = VafFactor
        fields = ["dimension", "name", "order", "is_active"]


class RetentionRuleForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = RetentionRule
        fields = ["outcome", "years"]

    def clean_years(self):
        years = self.cleaned_data["years"]
        if not 1 <= years <= 100:
            raise forms.ValidationError(_("Enter a number of years from 1 to 100."))
        return years
