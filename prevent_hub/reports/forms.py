from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.forms import DateInput
from prevent_hub.core.uploads import check_document

from .choices import ReportKind

TEMPLATE_MAX_BYTES = 10 * 1024 * 1024


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices, widget=forms.RadioSelect)
    as_of = forms.DateField(label=_("As of"), widget=DateInput,
                            help_text=_("The report shows what had been recorded by the end of this day. A past quarter "
                                        "made again with the same day shows the same figures."))
    plan_version = forms.ModelChoiceField(label=_("Action plan"), queryset=None, required=False)
    tag = forms.CharField(label=_("Only actions tagged (for the action plan)"), required=False, max_length=50,
                          help_text=_("For example OFOF. Leave empty for every action."))
    template = forms.ModelChoiceField(label=_("Word template"), queryset=None, required=False,
                                      help_text=_("Leave empty to use the partnership's default template, if it has one."))

    def __init__(self, *args, partnership, **kwargs):
        from prevent_hub.plans.models import PlanVersion

        from .models import ReportTemplate

        super().__init__(*args, **kwargs)
        self.fields["plan_version"].queryset = (PlanVersion.objects.filter(partnership=partnership)
                                                .select_related("plan").order_by("-year_start", "-pk"))
        self.fields["template"].queryset = ReportTemplate.objects.filter(partnership=partnership).order_by("name")
        self.initial.setdefault("as_of", timezone.localdate())


class TemplateUploadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    file = forms.FileField(label=_("Word template (.docx)"),
                           help_text=_("A Word document with your styles and a header with your logo. Its text is not "
                                       "used; reports are written in its styles, under its header and footer."))

    def clean_file(self):
        upload = check_document(self.cleaned_data["file"], max_bytes=TEMPLATE_MAX_BYTES, what="template")
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("The template must be a Word .docx file."))
        return upload
