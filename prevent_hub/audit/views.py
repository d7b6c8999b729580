"""The partnership's change log (editors and auditors) and access log (auditors only)."""
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views import View

from prevent_hub.core.generic import PartnershipMixin
from prevent_hub.core.permissions import has_perm

from . import selectors


class AuditLogView(PartnershipMixin, View):
    permission = None
    template_name = None
    paginate_by = 50

    def entries(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if not has_perm(request.user, self.permission, self.partnership):
            raise PermissionDenied
        page = Paginator(self.entries(), self.paginate_by).get_page(request.GET.get("page"))
        context = {
            "partnership": self.partnership,
            "page_obj": page,
            "can_view_access_log": has_perm(request.user, "audit.view_accesslog", self.partnership),
            "can_view_change_log": has_perm(request.user, "audit.view_changelog", self.partnership),
        }
        return render(request, self.template_name, context)


class ChangeLogListView(AuditLogView):
    permission = "audit.view_changelog"
    template_name = "audit/changelog_list.html"

    def entries(self):
        auditor = has_perm(self.request.user, "audit.view_accesslog", self.partnership)
        return selectors.changes_for_partnership(self.partnership, include_case_records=auditor)


class AccessLogListView(AuditLogView):
    permission = "audit.view_accesslog"
    template_name = "audit/accesslog_list.html"

    def entries(self):
        return selectors.access_for_partnership(self.partnership)
