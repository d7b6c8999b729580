from allauth.account.forms import ResetPasswordForm
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from prevent_hub.core.generic import PartnershipMixin
from prevent_hub.core.permissions import has_perm
from prevent_hub.core.services import ConflictError
from prevent_hub.core.tables import Column, Table

from . import services
from .forms import UserForm
from .models import Membership, User


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
        context = {
            "subject": user,
            "roles": [m.get_role_display() for m in user.partnership_memberships],
            "mfa_types": sorted({a.get_type_display() for a in user.authenticator_set.all()}),
            "can_change": has_perm(request.user, "accounts.change_user", self.partnership),
            "edit_url": self.user_url("user_edit", user),
            "operations": [
                (op, reverse("accounts:user_operation", kwargs={"partnership": self.partnership.slug, "pk": user.pk, "operation": op}), label)
                for op, label in UserOperationView.labels(user)
            ],
            "is_self": user.pk == request.user.pk,
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
        return UserForm(data, instance=user, roles=roles)

    def get(self, request, *args, **kwargs):
        user = self.get_subject()
        return self.render_form(user, self.form(user))

    def post(self, request, *args, **kwargs):
        user = self.get_subject()
        form = self.form(user, request.POST)
        if not form.is_valid():
            return self.render_form(user, form, status=400)
        roles = form.cleaned_data["roles"]
        if user.pk is None:
            user = services.user_create(
                actor=request.user, partnership=self.partnership, email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"], roles=roles,
            )
            invite = ResetPasswordForm(data={"email": user.email})
            if invite.is_valid():
                invite.save(request)
            messages.success(request, _("%(name)s added. They have been emailed a link to set their password.") % {"name": user})
        else:
            try:
                user = services.user_update(
                    actor=request.user, user=form.instance, expected_version=form.cleaned_data.get("expected_version")
                )
            except ConflictError:
                form.add_error(None, _("Someone else changed this user while you were editing. Check the details and try again."))
                return self.render_form(self.get_user(), form, status=409)
            services.user_set_roles(actor=request.user, partnership=self.partnership, user=user, roles=roles)
            messages.success(request, _("%(name)s saved.") % {"name": user})
        return HttpResponseRedirect(self.user_url("user_detail", user))

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
        return user

    def get(self, request, *args, **kwargs):
        user = self.get_subject()
        label, hint = self.OPERATIONS[self.kwargs["operation"]]
        context = {"subject": user, "label": label, "hint": hint, "cancel_url": self.user_url("user_detail", user)}
        return render(request, "accounts/user_operation.html", context)

    def post(self, request, *args, **kwargs):
        user = self.get_subject()
        operation = self.kwargs["operation"]
        if operation == "disable":
            services.user_disable(actor=request.user, user=user)
        elif operation == "enable":
            services.user_enable(actor=request.user, user=user)
        elif operation == "reset-mfa":
            services.user_reset_mfa(actor=request.user, user=user)
        else:
            services.user_sign_out_everywhere(actor=request.user, user=user)
        messages.success(request, _("%(action)s: done for %(name)s.") % {"action": self.OPERATIONS[operation][0], "name": user})
        if user.pk == request.user.pk:
            logout(request)
            return redirect("account_login")
        return HttpResponseRedirect(self.user_url("user_detail", user))


class SignOutEverywhereView(View):
    """Let anyone end all of their own sessions (e.g. after using a shared computer)."""

    def get(self, request):
        return render(request, "accounts/sign_out_everywhere.html")

    def post(self, request):
        services.user_sign_out_everywhere(actor=request.user, user=request.user)
        logout(request)
        messages.success(request, _("You have been signed out on every device."))
        return redirect("account_login")
