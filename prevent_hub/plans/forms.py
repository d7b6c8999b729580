from prevent_hub.core.forms import DateInput, PartnershipModelForm

from .models import Plan, PlanVersion


class PlanForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = Plan
        fields = ["title", "period_start", "period_end"]


class PlanVersionForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = PlanVersion
        fields = ["label", "issued", "issued_date"]
        widgets = {"issued_date": DateInput()}
