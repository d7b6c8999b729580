import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prevent_hub.core.forms import GovUKDateField
from prevent_hub.core.uploads import check_document

from .choices import ReportKind

TEMPLATE_MAX_BYTES = 10 * 1024 * 1024


class ReportRequestForm(forms.Form):
    """Which report, for which quarter or year, and (to make an old one again) as known on which day."""

    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose which report to make")})
    quarter = forms.TypedChoiceField(label=_("Quarter (for the quarterly update)"), required=False,
                                     coerce=dt.date.fromisoformat, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year (for the annual report)"), required=False,
                                  coerce=dt.date.fromisoformat, empty_value=None)
    plan_version = forms.ModelChoiceField(label=_("Action plan"), queryset=None, required=False,
                                          help_text=_("For the action plan. The other reports use the plan in force."))
    tag = forms.CharField(label=_("Only actions tagged (for the action plan)"), required=False, max_length=50,
                          help_text=_("For example OFOF. Leave empty for every action."))
    known_on = GovUKDateField(
        label=_("As known on (optional)"), required=False, what=_("the 'as known on' date"),
        help_text=_("Leave empty to report everything recorded so far about the period. To make an earlier report "
                    "again exactly, give the day it was made. For example, 27 3 2026"))
    template = forms.ModelChoiceField(label=_("Word template"), queryset=None, required=False,
                                      help_text=_("Leave empty to use the partnership's default template, if it has one."))

    def __init__(self, *args, partnership, **kwargs):
        from django.db.models import Min

        from prevent_hub.plans.models import PlanVersion
        from prevent_hub.plans.schedule import add_months, period_containing, periods_between

        from .content import period_of, year_label
        from .models import ReportTemplate

        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        current = period_containing(today, partnership.year_start_month)
        # Every quarter and year since the earliest plan (at least the last two years), newest first.
        first_year = (PlanVersion.objects.filter(partnership=partnership, year_start__isnull=False)
                      .aggregate(first=Min("year_start"))["first"])
        earliest = min(dt.date(first_year, partnership.year_start_month, 1) if first_year else current.start,
                       add_months(current.start, -21))
        quarters = list(reversed(periods_between(earliest, today, partnership.year_start_month)))
        self.fields["quarter"].choices = [(q.start.isoformat(), f"{q.label} ({q.start:%-d %B %Y} to {q.end:%-d %B %Y})"
                                           + (" – so far" if q.start == current.start else "")) for q in quarters]
        years = list(dict.fromkeys(period_of(ReportKind.ANNUAL, partnership, q.start)[0] for q in quarters))
        self.fields["year"].choices = [(start.isoformat(), year_label(start)) for start in years]
        # The last quarter that has ended, and the year, are what a report is usually for.
        self.initial.setdefault("quarter", quarters[1].start.isoformat())
        self.initial.setdefault("year", years[0].isoformat())
        self.fields["plan_version"].queryset = (PlanVersion.objects.filter(partnership=partnership)
                                                .select_related("plan").order_by("-year_start", "-pk"))
        self.fields["template"].queryset = ReportTemplate.objects.filter(partnership=partnership).order_by("name")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ReportKind.QUARTERLY and not cleaned.get("quarter"):
            self.add_error("quarter", _("Choose the quarter to report on"))
        if kind == ReportKind.ANNUAL and not cleaned.get("year"):
            self.add_error("year", _("Choose the year to report on"))
        if kind == ReportKind.ACTION_PLAN and not cleaned.get("plan_version"):
            self.add_error("plan_version", _("Choose the action plan to print"))
        return cleaned

    def request_arguments(self) -> dict:
        data = self.cleaned_data
        period = {ReportKind.QUARTERLY: data.get("quarter"), ReportKind.ANNUAL: data.get("year")}.get(data["kind"])
        return {"kind": data["kind"], "period": period, "known_on": data.get("known_on"),
                "plan_version": data.get("plan_version"), "tag": data.get("tag", ""), "template": data.get("template")}


class ReportDraftForm(forms.ModelForm):
    """The coordinator's own words, written into the draft before it is made, kept with the report."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        from .models import ReportRun

        model = ReportRun
        fields = ["commentary", "highlights", "case_study"]
        widgets = {"commentary": forms.Textarea(attrs={"rows": 8}), "highlights": forms.Textarea(attrs={"rows": 5}),
                   "case_study": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"commentary": _("Your view of the period for the Strategy Group. Blank lines start new "
                                      "paragraphs. Leave empty to leave it out.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["expected_version"] = self.instance.version


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
