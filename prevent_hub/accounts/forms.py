from django import forms
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.roles import Role

from .models import User


class UserForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles in this partnership"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A user with no role here cannot see anything in this partnership."),
    )

    class Meta:
        model = User
        fields = ["full_name", "email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"})}

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        if not self.is_bound:
            self.initial["roles"] = list(roles)
            if self.instance.pk:
                self.initial["expected_version"] = self.instance.version

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email
