from django import forms
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.forms import PartnershipModelForm

from .models import GlossaryTerm, Organisation, Partnership, Person, PreventLead


class OrganisationForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Organisation
        fields = ["name", "short_name", "sector", "is_specified_authority", "parent", "workforce_size", "website", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An organisation cannot be part of itself.
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Organisation.objects.filter(partnership=self.partnership, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("There is already an organisation called %(name)s.") % {"name": name})
        return name

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = parent
        while node is not None and self.instance.pk:
            if node.pk == self.instance.pk:
                raise forms.ValidationError(_("An organisation cannot be part of one of its own parts."))
            node = node.parent
        return parent


class PersonForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Person
        fields = ["name", "job_title", "organisation", "email", "phone", "user"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        labels = {"user": _("User account they sign in with")}
        help_texts = {"user": _("Link their account so the actions they own appear under My actions when they sign "
                                "in. Someone without an account can be invited from their page.")}
        error_messages = {"name": {"required": _("Enter the person's full name")},
                          "email": {"invalid": _("Enter an email address in the correct format, like name@example.org")}}

    def __init__(self, *args, **kwargs):
        from prevent_hub.accounts.models import User

        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = User.objects.filter(memberships__partnership=self.partnership).distinct().order_by("full_name")
        field.label_from_instance = lambda user: f"{user.full_name} ({user.email})"
        field.empty_label = _("None")

    def clean_user(self):
        user = self.cleaned_data.get("user")
        other = user and Person.objects.filter(partnership=self.partnership, user=user).exclude(pk=self.instance.pk).first()
        if other:
            raise forms.ValidationError(_("That account is already linked to %(name)s. Unlink it there first.")
                                        % {"name": other.name})
        return user


class PreventLeadForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = PreventLead
        fields = ["organisation", "person", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be the same as or after the start date."))
        return cleaned


class GlossaryTermForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = GlossaryTerm
        fields = ["acronym", "meaning"]

    def clean_acronym(self):
        acronym = self.cleaned_data["acronym"].strip()
        clash = GlossaryTerm.objects.filter(partnership=self.partnership, acronym__iexact=acronym).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise forms.ValidationError(_("%(acronym)s is already in the glossary.") % {"acronym": acronym})
        return acronym


MONTHS = [(n, month) for n, month in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"), start=1)]


class PartnershipSettingsForm(forms.ModelForm):
    """The partnership's name, its year and the name and address its emails come from."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    year_start_month = forms.TypedChoiceField(label=_("The partnership's year starts in"), choices=MONTHS, coerce=int,
                                              help_text=_("Reporting quarters are quarters of this year."))

    class Meta:
        model = Partnership
        fields = ["name", "area", "year_start_month", "email_from_name", "email_from_address"]
        error_messages = {"name": {"required": _("Enter the partnership's name"),
                                   "unique": _("Another partnership already has this name")},
                          "email_from_address": {"invalid": _("Enter the address in the correct format, like "
                                                              "prevent@council.gov.uk")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["expected_version"] = self.instance.version
