from django import forms
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.roles import CASE_ACCESS_ROLES, Role

from .models import User


class UserForm(forms.ModelForm):
    """Add a user to a partnership or change one: name, email and the roles they hold here.

    ``can_change_account`` is False when the account also belongs to a partnership the
    administrator does not run (its name and email are then shown but not editable), and
    ``is_self`` when administrators edit themselves (their roles are not editable).
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles in this partnership"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A user with no role here cannot see anything in this partnership. Roles that open Channel "
                    "case records (Channel chair, police Prevent officer, Channel Panel member) are given only "
                    "when a member of the case team approves."),
    )
    reason = forms.CharField(
        label=_("Why do they need access to case records?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you give a role that opens case records. The case team reads it when deciding."),
    )

    person = forms.ModelChoiceField(
        label=_("Their entry in the directory"), queryset=None, required=False, empty_label=_("None"),
        help_text=_("Link the person in the directory who this account belongs to: the actions they own then appear "
                    "under My actions."),
    )

    class Meta:
        model = User
        fields = ["full_name", "email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        error_messages = {
            "full_name": {"required": _("Enter the user's full name")},
            "email": {"required": _("Enter the user's email address"),
                      "invalid": _("Enter an email address in the correct format, like name@example.org")},
        }

    def __init__(self, *args, partnership, roles=(), can_change_account=True, is_self=False, **kwargs):
        from prevent_hub.directory.models import Person

        super().__init__(*args, **kwargs)
        self.held_roles = set(roles)
        self.fields["person"].queryset = Person.objects.filter(partnership=partnership).select_related("organisation")
        self.fields["person"].label_from_instance = lambda p: f"{p.name}, {p.organisation}" if p.organisation else p.name
        if self.instance.pk and not self.is_bound:
            self.initial["person"] = Person.objects.filter(partnership=partnership, user=self.instance).first()
        self.fields["full_name"].required = True
        if self.instance.pk:
            self.fields["email"].help_text = _(
                "A new address takes effect when they follow the link emailed to it; the old address is told.")
        if not can_change_account:
            for name in ("full_name", "email"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "They also belong to a partnership you do not administer, so only an administrator of every "
                    "partnership they belong to can change this.")
        if is_self:
            self.fields["roles"].disabled = True
            self.fields["roles"].help_text = _("You cannot change your own roles. Ask another administrator.")
        if not self.is_bound:
            self.initial["roles"] = list(roles)
            if self.instance.pk:
                self.initial["expected_version"] = self.instance.version

    def validate_unique(self):
        """Skip the model's unique-email check: its message would say an address is in use elsewhere.

        The services decide what happens to an address that has an account (docs/security.md).
        """

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def new_case_roles(self) -> set[str]:
        return {role for role in self.cleaned_data.get("roles", ()) if role in CASE_ACCESS_ROLES} - self.held_roles

    def clean(self):
        cleaned = super().clean()
        if self.new_case_roles() and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why they need access to case records"))
        return cleaned


class AccountChangeReasonForm(forms.Form):
    """The reason the case team reads before approving a change to an account that opens case records."""

    reason = forms.CharField(
        label=_("Why is this needed?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("This account opens case records, so a member of the case team approves the change first."),
    )

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].error_messages["required"] = _("Say why this is needed")


class AccessDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])

