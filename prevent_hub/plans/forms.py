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

    def _get_validation_exclusions(self):
        # The plan is fixed, so "one label per plan" is checked here rather than failing on save.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("plan")
        return exclusions
