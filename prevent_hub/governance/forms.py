from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.dates import check_plausible
from prevent_hub.core.forms import GovUKDateField, GovUKDateTimeField, PartnershipModelForm, formfield_for
from prevent_hub.core.uploads import check_document
from prevent_hub.plans.models import Action, Theme

from .choices import AttendanceStatus
from .models import Group, Meeting, MeetingItem, MeetingPaper, Obligation, ReportingLine, Seat, TermsOfReference


class GroupForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Group
        fields = ["name", "short_name", "kind", "chair", "cadence", "is_secure", "description"]

    def clean_is_secure(self):
        secure = self.cleaned_data.get("is_secure")
        group = self.instance
        if secure and group.pk and not group.is_secure and Meeting.objects.filter(group=group).filter(
            ~models.Q(agenda="") | ~models.Q(minutes="") | models.Q(items__isnull=False) | models.Q(papers__isnull=False)
        ).exists():
            raise forms.ValidationError(_(
                "This group's meetings already have agendas, minutes, papers or decisions in the general record. "
                "Remove them before making the group secure."))
        return secure


class ReportingLineForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = ReportingLine
        fields = ["from_group", "to_group"]

    def clean(self):
        data = super().clean()
        if data.get("from_group") and data.get("from_group") == data.get("to_group"):
            raise forms.ValidationError(_("A group cannot report to itself."))
        return data


class SeatForm(PartnershipModelForm):
    """A seat for any organisation in the partnership's directory, a specified authority or not."""

    class Meta(PartnershipModelForm.Meta):
        model = Seat
        fields = ["group", "organisation", "person", "role", "start_date", "end_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.help_text = _("Any organisation in the directory. Only specified authorities count in Strategy Group "
                            "attendance compliance.")
        organisations = list(field.queryset.order_by("name").only("pk", "name", "is_specified_authority"))
        # Grouped, so whoever fills in the form sees which are specified authorities (the choice is still
        # checked against the partnership's organisations).
        field.choices = [("", field.empty_label)] + [
            (label, [(org.pk, org.name) for org in organisations if org.is_specified_authority == specified])
            for label, specified in ((_("Specified authorities"), True), (_("Other organisations"), False))
            if any(org.is_specified_authority == specified for org in organisations)]

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The end date must be on or after the start date."))
        if not data.get("organisation") and not data.get("person"):
            raise forms.ValidationError(_("Choose the organisation, the representative, or both."))
        return data


class TermsOfReferenceForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = TermsOfReference
        fields = ["group", "version_label", "approved_on", "next_review", "text"]


class MeetingForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Meeting
        fields = ["group", "starts_at", "ends_at", "location", "status", "agenda", "minutes"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        for field in ("starts_at", "ends_at"):
            if data.get(field):
                try:
                    check_plausible(data[field].date())
                except forms.ValidationError as error:
                    self.add_error(field, error)
        group = data.get("group")
        if group is not None and group.is_secure:
            # A secure group's business (Channel case discussion) belongs in case management, not here.
            for field in ("agenda", "minutes"):
                if data.get(field):
                    self.add_error(field, _("%(group)s is a secure group: keep its business out of the general record.")
                                   % {"group": group})
        return data


class ObligationForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Obligation
        fields = ["title", "due_date", "owner_text", "group", "plan_action", "status"]


class AttendanceForm(forms.Form):
    """One row per organisation with a seat: how it was represented."""

    def __init__(self, *args, organisations, current, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Not recorded"))] + list(AttendanceStatus.choices)
        self.organisations = organisations
        for org in organisations:
            self.fields[f"org_{org.pk}"] = forms.ChoiceField(
                label=str(org), choices=choices, required=False, initial=current.get(org.pk, ""),
                help_text=_("Specified authority") if org.is_specified_authority else _(
                    "Not a specified authority: not counted in attendance compliance"))


class MeetingItemForm(forms.ModelForm):
    plan_theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(), required=False, label=_("Add it to the action plan, under theme"),
        help_text=_("An action arising added to the plan is tracked like any other action."), empty_label=_("Do not add it"),
    )

    class Meta:
        model = MeetingItem
        fields = ["kind", "text", "owner_text", "due_date"]
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = staticmethod(formfield_for)
        labels = {"kind": _("Is it a decision or an action arising?"), "text": _("What was decided or agreed"),
                  "owner_text": _("Who will do it"), "due_date": _("Due by")}
        help_texts = {"owner_text": _("For an action arising: a person, role or organisation."),
                      "due_date": _("For example, 31 3 2027")}
        error_messages = {"kind": {"required": _("Choose whether it is a decision or an action arising")},
                          "text": {"required": _("Enter the decision or the action arising")}}

    existing_action = forms.ModelChoiceField(
        queryset=Action.objects.none(), required=False, label=_("Or link it to an existing plan action"),
        empty_label=_("None"),
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0]]  # no "---------" radio
        self.fields["existing_action"].queryset = Action.objects.filter(partnership=partnership).select_related(
            "plan_version").order_by("-plan_version__year_start", "sort_key")
        self.fields["existing_action"].label_from_instance = lambda a: f"{a.plan_version.label}: {a.ref} {a.text[:60]}"
        self.fields["plan_theme"].queryset = Theme.objects.filter(partnership=partnership).select_related(
            "plan_version__plan").order_by("-plan_version__year_start", "number")
        self.fields["plan_theme"].label_from_instance = lambda t: f"{t.plan_version} – {t}"

    def clean(self):
        data = super().clean()
        if data.get("plan_theme") and data.get("kind") != MeetingItem.Kind.ACTION:
            self.add_error("plan_theme", _("Only an action arising can be added to the plan."))
        if data.get("plan_theme") and data.get("existing_action"):
            self.add_error("existing_action", _("Either add a new plan action or link an existing one, not both."))
        return data


class MeetingPaperForm(forms.ModelForm):
    class Meta:
        model = MeetingPaper
        fields = ["title", "file"]

    def clean_file(self):
        from django.conf import settings

        return check_document(self.cleaned_data["file"], max_bytes=settings.EVIDENCE_MAX_BYTES, what="paper")


class MeetingPlanForm(forms.Form):
    """Plan a group's meetings: the first, then the same weekday of the month every span of its cadence."""

    first = GovUKDateField(label=_("Date of the first meeting"), what=_("the date of the first meeting"),
                           help_text=_("Later meetings fall on the same weekday of the month: plan from the third "
                                       "Tuesday, and they are all on a third Tuesday. For example, 19 1 2027"))
    at = forms.CharField(label=_("Time"), max_length=10, help_text=_("For example, 10am or 14:30"),
                         error_messages={"required": _("Enter the time the meetings start, like 10am or 14:30")})
    location = forms.CharField(label=_("Where"), max_length=255, required=False)
    until = GovUKDateField(label=_("Plan meetings up to"), what=_("the last date to plan up to"),
                           help_text=_("At most three years ahead. For example, 31 12 2027"))

    def clean_at(self):
        from prevent_hub.core.forms import parse_time_of_day

        when = parse_time_of_day(self.cleaned_data["at"])
        if when is None:
            raise forms.ValidationError(_("Enter the time as 10am, 2:30pm or 14:30"))
        return when

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("until") and data["until"] < data["first"]:
            self.add_error("until", _("The last date must be the same as or after the first meeting"))
        return data


class PanelMeetingForm(forms.Form):
    """One Channel Panel meeting."""

    starts_at = GovUKDateTimeField(label=_("Date and time"), what=_("the meeting's date"))
    location = forms.CharField(label=_("Where"), max_length=255, required=False,
                               help_text=_("The panel meets in a secure setting."))
