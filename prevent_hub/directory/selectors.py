import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Organisation, PreventLead


def current_leads(as_of: datetime.date | None = None) -> QuerySet:
    as_of = as_of or timezone.localdate()
    return PreventLead.objects.filter(start_date__lte=as_of).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))


def with_lead_status(queryset: QuerySet, as_of: datetime.date | None = None) -> QuerySet:
    """Annotate ``has_current_lead`` so lists can flag specified authorities without one."""
    return queryset.annotate(
        has_current_lead=Exists(current_leads(as_of).filter(organisation=OuterRef("pk")))
    )


def specified_authorities_without_lead(partnership, as_of=None) -> QuerySet:
    queryset = Organisation.objects.filter(partnership=partnership, is_specified_authority=True)
    return with_lead_status(queryset, as_of).filter(has_current_lead=False).select_related("partnership").order_by("name")


def sector_summary(partnership) -> list[dict]:
    """Organisations and specified authorities per sector, with how many lack a lead."""
    from .choices import Sector

    queryset = with_lead_status(Organisation.objects.filter(partnership=partnership))
    counts = {
        row["sector"]: row
        for row in queryset.values("sector").annotate(
            organisations=Count("pk"),
            specified=Count("pk", filter=Q(is_specified_authority=True)),
            without_lead=Count("pk", filter=Q(is_specified_authority=True, has_current_lead=False)),
        )
    }
    return [
        {
            "sector": label,
            "organisations": counts.get(value, {}).get("organisations", 0),
            "specified": counts.get(value, {}).get("specified", 0),
            "without_lead": counts.get(value, {}).get("without_lead", 0),
        }
        for value, label in Sector.choices
    ]

