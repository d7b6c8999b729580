from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from prevent_hub.core.generic import PartnershipMixin
from prevent_hub.core.permissions import has_perm
from prevent_hub.core.services import ConflictError
from prevent_hub.core.tables import Column, Table

from . import selectors, services
from .forms import AccessDecisionForm, AccountChangeReasonForm, UserForm
from .models import CaseAccessRequest, Membership, User


def user_table():
    return Table(
        columns=[
            Column("full_name", "Name", order_by="full_name", link=True),
            Column("email", "Email", order_by="email"),
            Column("roles", "Roles", accessor=lambda u: ", ".join(m.get_role_display() for m in u.partnership_memberships)),
            Column("is_active", "Status", accessor=lambda u: _("Active") if u.is_active else _("Disabled"), order_by="is_active"),
        ],
        default_sort="full_name",
    )


class UserViewMixin(PartnershipMixin):
    permission = "accounts.view_user"

    def check(self, perm=None):
        if not has_perm(self.request.user, perm or self.permission, self.partnership):
            raise PermissionDenied

    def users(self):
        return (
            User.objects.filter(memberships__partnership=self.partnership)
            .distinct()
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.filter(partnership=self.partnership),
                    to_attr="partnership_memberships",
                )
            )
        )

    def get_user(self):
        self.check()
        try:
            return self.users().get(pk=self.kwargs["pk"])
        except User.DoesNotExist:
            raise Http404

    def user_url(self, name, user=None):
        kwargs = {"partnership": self.partnership.slug}
        if user is not None:
            kwargs["pk"] = user.pk
        return reverse(f"accounts:{name}", kwargs=kwargs)


class UserListView(UserViewMixin, View):
    def get(self, request, *args, **kwargs):
        self.check()
        table = user_table()
        table.row_url = lambda user: self.user_url("user_detail", user)
        _, order = table.ordering(request.GET.get("sort"))
        users = self.users()
        query = request.GET.get("q", "").strip()
        if query:
            users = users.filter(full_name__icontains=query) | users.filter(email__icontains=query)
        page = Paginator(users.order_by(*order), 25).get_page(request.GET.get("page"))
        table.rows = list(page.object_list)
        table.base_query = {"q": query} if query else {}
        context = {
            "table": table,
            "page_obj": page,
            "query": query,
            "can_add": has_perm(request.user, "accounts.add_user", self.partnership),
            "add_url": self.user_url("user_add"),
        }
        return render(request, "accounts/user_list.html", context)


class UserDetailView(UserViewMixin, View):
    def get(self, request, *args, **kwargs):
        user = self.get_user()
        manages_account = selectors.administers_account(request.user, user)
        context = {
            "partnership": self.partnership,
            "subject": user,
            "roles": [m.get_role_display() for m in user.partnership_memberships],
            "mfa_types": sorted({a.get_type_display() for a in user.authenticator_set.all()}),
            "can_change": has_perm(request.user, "accounts.change_user", self.partnership),
            "manages_account": manages_account,
            "edit_url": self.user_url("user_edit", user),
            "operations": [
                (op, reverse("accounts:user_operation", kwargs={"partnership": self.partnership.slug, "pk": user.pk, "operation": op}), label)
                for op, label in UserOperationView.labels(user)
            ] if manages_account else [],
            "is_self": user.pk == request.user.pk,
            "access_requests": selectors.pending_access_requests_for(user).filter(partnership=self.partnership),
            "email_change": user.email_changes.filter(confirmed_at__isnull=True, cancelled=False,
                                                      expires_at__gt=timezone.now()).first(),
        }
        return render(request, "accounts/user_detail.html", context)


class UserEditView(UserViewMixin, View):
    def get_subject(self):
        if "pk" in self.kwargs:
            self.check("accounts.change_user")
            return self.get_user()
        self.check("accounts.add_user")
        return User()

    def form(self, user, data=None):
        roles = [m.role for m in getattr(user, "partnership_memberships", [])]
        return UserForm(
            data, instance=user, roles=roles, is_self=user.pk == self.request.user.pk, partnership=self.partnership,
            can_change_account=user.pk is None or selectors.administers_account(self.request.user, user),
        )

    def get(self, request, *args, **kwargs):
        user = self.get_subject()
        return self.render_form(user, self.form(user))

    def post(self, request, *args, **kwargs):
        user = self.get_subject()
        form = self.form(user, request.POST)
        if form.is_valid() and user.pk is None and self.users().filter(email__iexact=form.cleaned_data["email"]).exists():
            form.add_error("email", _("Someone with this email address already has a role here: find them in the list of users"))
        if not form.is_valid():
            return self.render_form(user, form, status=400)
        data = form.cleaned_data
        if user.pk is None:
            return self.add(form)
        try:
            change = services.user_change(
                actor=request.user, partnership=self.partnership, user=form.instance, full_name=data["full_name"],
                email=data["email"], roles=None if form.fields["roles"].disabled else data["roles"],
                reason=data["reason"], expected_version=data.get("expected_version"), person=data["person"])
        except ConflictError:
            form.add_error(None, _("Someone else changed this user while you were editing. Check the details and try again."))
            return self.render_form(self.get_user(), form, status=409)
        messages.success(request, _("%(name)s saved.") % {"name": change.user})
        self.say_what_waits(change.requests)
        if change.email_change:
            messages.info(request, _("A link has been emailed to %(email)s: the address changes when it is followed. "
                                     "The old address has been told.") % {"email": change.email_change.new_email})
        return HttpResponseRedirect(self.user_url("user_detail", change.user))

    def add(self, form):
        data = form.cleaned_data
        change = services.user_add_to_partnership(
            actor=self.request.user, partnership=self.partnership, email=data["email"], full_name=data["full_name"],
            roles=data["roles"], reason=data["reason"], person=data["person"])
        # The same answer whether the address is new or has an account in another partnership.
        messages.success(self.request, _("%(email)s has been added and emailed an invitation.") % {"email": data["email"]})
        self.say_what_waits(change.requests)
        return HttpResponseRedirect(self.user_url("user_list"))

    def say_what_waits(self, requests):
        for access_request in requests:
            messages.info(self.request, _("%(request)s waits for approval by the case team, who have been told.")
                          % {"request": access_request})

    def render_form(self, user, form, status=200):
        context = {
            "form": form,
            "subject": user if user.pk else None,
            "cancel_url": self.user_url("user_detail", user) if user.pk else self.user_url("user_list"),
        }
        return render(self.request, "accounts/user_edit.html", context, status=status)


class UserOperationView(UserViewMixin, View):
    """Confirm and carry out disable, enable, MFA reset and ending all of a user's sessions."""

    OPERATIONS = {
        "disable": (_("Disable account"), _("They are signed out at once and cannot sign in until enabled.")),
        "enable": (_("Enable account"), _("They can sign in again.")),
        "reset-mfa": (_("Reset two-factor authentication"), _("They are signed out and must set up a new second factor.")),
        "end-sessions": (_("Sign out of every device"), _("Every session they have open ends at once.")),
    }

    @classmethod
    def labels(cls, user):
        for op, (label, _hint) in cls.OPERATIONS.items():
            if (op == "disable" and not user.is_active) or (op == "enable" and user.is_active):
                continue
            yield op, label

    def get_subject(self):
        if self.kwargs["operation"] not in self.OPERATIONS:
            raise Http404
        self.check("accounts.change_user")
        user = self.get_user()
        if user.pk == self.request.user.pk and self.kwargs["operation"] in ("disable", "reset-mfa"):
            raise PermissionDenied
        if not selectors.administers_account(self.request.user, user):
            raise PermissionDenied
        return user

    def needs_approval(self, user) -> bool:
        return self.kwargs["operation"] == "reset-mfa" and selectors.holds_case_role(user)

    def get(self, request, *args, **kwargs):
        user = self.get_subject()
        return self.render_page(user, AccountChangeReasonForm(required=self.needs_approval(user)))

    def render_page(self, user, form, status=200):
        label, hint = self.OPERATIONS[self.kwargs["operation"]]
        context = {"subject": user, "label": label, "hint": hint, "cancel_url": self.user_url("user_detail", user),
                   "form": form if self.needs_approval(user) else None}
        return render(self.request, "accounts/user_operation.html", context, status=status)

    def post(self, request, *args, **kwargs):
        user = self.get_subject()
        operation = self.kwargs["operation"]
        form = AccountChangeReasonForm(request.POST, required=self.needs_approval(user))
        if not form.is_valid():
            return self.render_page(user, form, status=400)
        if operation == "disable":
            services.user_disable(actor=request.user, user=user)
        elif operation == "enable":
            services.user_enable(actor=request.user, user=user)
        elif operation == "reset-mfa":
            result = services.user_reset_mfa(actor=request.user, user=user, partnership=self.partnership,
                                             reason=form.cleaned_data["reason"])
            if isinstance(result, CaseAccessRequest):
                messages.info(request, _("%(request)s waits for approval by the case team, who have been told.")
                              % {"request": result})
                return HttpResponseRedirect(self.user_url("user_detail", user))
        else:
            services.user_sign_out_everywhere(actor=request.user, user=user)
        messages.success(request, _("%(action)s: done for %(name)s.") % {"action": self.OPERATIONS[operation][0], "name": user})
        if user.pk == request.user.pk:
            logout(request)
            return redirect("account_login")
        return HttpResponseRedirect(self.user_url("user_detail", user))


class AccessRequestWithdrawView(UserViewMixin, View):
    """An administrator takes back a request for case access that is still waiting."""

    def post(self, request, *args, **kwargs):
        self.check("accounts.change_user")
        access_request = (CaseAccessRequest.objects.filter(partnership=self.partnership, pk=self.kwargs["pk"])
                          .select_related("user").first())
        if access_request is None:
            raise Http404
        try:
            services.access_request_withdraw(actor=request.user, access_request=access_request)
            messages.success(request, _("Request withdrawn."))
        except services.AccountRuleError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(self.user_url("user_detail", access_request.user))


class AccessRequestDecideView(PartnershipMixin, View):
    """A member of the case team approves or rejects a request for case access (from the Channel approvals page)."""

    def post(self, request, *args, **kwargs):
        if not has_perm(request.user, "accounts.decide_caseaccessrequest", self.partnership):
            raise PermissionDenied
        access_request = CaseAccessRequest.objects.filter(partnership=self.partnership, pk=self.kwargs["pk"]).first()
        if access_request is None:
            raise Http404
        form = AccessDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose approve or reject."))
        else:
            try:
                services.access_request_decide(actor=request.user, access_request=access_request,
                                               approve=form.cleaned_data["decision"] == "approve")
                messages.success(request, _("Decision recorded."))
            except services.AccountRuleError as error:
                messages.error(request, str(error))
        return HttpResponseRedirect(reverse("channel:approval_list", kwargs={"partnership": self.partnership.slug}))


@method_decorator(login_not_required, name="dispatch")
class EmailChangeConfirmView(View):
    """The link sent to a new address: confirming it (a button, so a mail scanner's visit changes nothing) applies it."""

    template_name = "accounts/email_change_confirm.html"

    def get(self, request, token):
        change = services.email_change_for_token(token)
        return render(request, self.template_name, {"change": change}, status=200 if change else 404)

    def post(self, request, token):
        user = services.email_change_confirm(token=token)
        return render(request, self.template_name, {"done": user is not None, "change": None},
                      status=200 if user else 404)


class SignOutEverywhereView(View):
    """Let anyone end all of their own sessions (e.g. after using a shared computer)."""

    def get(self, request):
        return render(request, "accounts/sign_out_everywhere.html")

    def post(self, request):
        services.user_sign_out_everywhere(actor=request.user, user=request.user)
        logout(request)
        messages.success(request, _("You have been signed out on every device."))
        return redirect("account_login")
