from django.utils.translation import gettext_lazy as _

from prevent_hub.core.dates import check_plausible
from prevent_hub.core.forms import PartnershipModelForm

from .models import MonthlyCount


class MonthlyCountForm(PartnershipModelForm):
    class Meta(PartnershipModelForm.Meta):
        model = MonthlyCount
        fields = ["month", "referrals", "discussed_at_panel", "adopted", "notes"]

    def clean_month(self):
        return check_plausible(self.cleaned_data["month"]).replace(day=1)

    def clean(self):
        data = super().clean()
        referrals, discussed, adopted = (data.get(k) for k in ("referrals", "discussed_at_panel", "adopted"))
        if None not in (referrals, discussed) and discussed > referrals:
            self.add_error("discussed_at_panel", _("More cases discussed at a panel than referrals in the month."))
        if None not in (discussed, adopted) and adopted > discussed:
            self.add_error("adopted", _("More cases adopted than discussed at a panel."))
        month = data.get("month")
        if month is not None:
            from .selectors import records_in_month

            held = records_in_month(self.partnership, month)
            if held:
                self.add_error("month", _("%(n)d referral records or Channel cases are already counted for %(month)s: "
                                          "monthly counts are for months with no records, or they would be counted "
                                          "twice.") % {"n": held, "month": f"{month:%B %Y}"})
        return data
