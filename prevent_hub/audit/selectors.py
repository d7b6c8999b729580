"""Reading the audit logs. Callers check the reader's permission first (audit.view_*)."""
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import AccessLog, ChangeLog


def _pk(partnership) -> int:
    return getattr(partnership, "pk", partnership)


def changes_for_object(instance) -> QuerySet:
    """Return the change log entries of one record, newest first."""
    return (
        ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk))
        .select_related("user")
        .order_by("-seq")
    )


def changes_for_objects(instances) -> QuerySet:
    """Return the change log entries of several records (of any models), newest first."""
    from collections import defaultdict
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    ids = defaultdict(list)
    for instance in instances:
        ids[type(instance)].append(str(instance.pk))
    if not ids:
        return ChangeLog.objects.none()
    match = reduce(or_, (Q(content_type=ContentType.objects.get_for_model(model), object_id__in=pks)
                         for model, pks in ids.items()))
    return ChangeLog.objects.filter(match).select_related("user", "content_type").order_by("-seq")


def case_record_types() -> list:
    """Content types of case records (``audit_withhold_content``): their entries name cases, so only auditors see them."""
    from django.apps import apps

    models = [model for model in apps.get_models() if getattr(model, "audit_withhold_content", False)]
    return list(ContentType.objects.get_for_models(*models).values()) if models else []


def changes_for_partnership(partnership, *, include_case_records: bool = False) -> QuerySet:
    """Return every change recorded in ``partnership`` (an instance or its id), newest first.

    Changes to case records are left out unless ``include_case_records``: even a case
    reference is need-to-know.
    """
    entries = ChangeLog.objects.filter(partnership_id=_pk(partnership))
    if not include_case_records:
        entries = entries.exclude(content_type__in=case_record_types())
    return entries.select_related("user", "content_type").order_by("-timestamp", "-seq")


def access_for_partnership(partnership) -> QuerySet:
    """Return every access event recorded in ``partnership`` (an instance or its id), newest first."""
    return (
        AccessLog.objects.filter(partnership_id=_pk(partnership)).select_related("user").order_by("-timestamp", "-seq")
    )
