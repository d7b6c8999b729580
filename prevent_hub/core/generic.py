"""Shared generic views: every domain app configures these instead of writing its own.

A view names its ``model``, ``queryset``, ``form_class``, ``filterset_class`` and
``table``; scoping, permissions, optimistic locking, change logging, history,
import and export all happen here, the same way for every model.
"""
import base64
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from prevent_hub.directory.models import Partnership

from . import tabular
from .filtersets import rendered_form
from .permissions import has_perm, memberships
from .services import ConflictError, object_create, object_delete, object_update


def safe_next(request, fallback: str, *, under: str = "/") -> str:
    """The page to go back to after a form (``next`` in the form or query), if it is a page of this
    site under ``under``; else ``fallback``. Never another host: ``next`` is typed by whoever sends it."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and wanted.startswith(under) and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


class PartnershipMixin:
    """Resolve ``<partnership>`` from the URL. Non-members get 404, never a hint it exists."""

    def dispatch(self, request, *args, **kwargs):
        slug = kwargs.get("partnership")
        member_of = memberships(request.user).keys()
        partnership = Partnership.objects.filter(slug=slug, pk__in=member_of).first() if slug else None
        if partnership is None:
            raise Http404
        request.partnership = self.partnership = partnership
        return super().dispatch(request, *args, **kwargs)

    def url(self, name, **kwargs):
        return reverse(name, kwargs={"partnership": self.partnership.slug, **kwargs})

    def can(self, action, model=None) -> bool:
        model = model or self.model
        return has_perm(self.request.user, model.permission_name(action), self.partnership)


ACTION_ROUTES = {"add": "add", "change": "edit", "delete": "delete", "import": "import", "export": "export"}


class ModelViewMixin(PartnershipMixin):
    model = None
    queryset = None
    permission_action = "view"
    template_name = None
    routes = None  # the standard views this model has (ModelViews sets it); None means all of them

    @property
    def url_prefix(self) -> str:
        return f"{self.model._meta.app_label}:{self.model._meta.model_name}"

    def route(self, name: str, **kwargs) -> str | None:
        """The URL of this model's ``name`` view, or None when the model has no such page."""
        if self.routes is not None and name not in self.routes:
            return None
        return self.url(f"{self.url_prefix}_{name}", **kwargs)

    def get_queryset(self):
        # ``queryset`` may be a callable so annotations that depend on today's date are built per request.
        queryset = self.queryset() if callable(self.queryset) else self.queryset
        queryset = queryset.all() if queryset is not None else self.model.objects.all()
        return queryset.restrict(self.request.user, "view", self.partnership)

    def check_permission(self):
        if not self.can(self.permission_action):
            raise PermissionDenied

    def base_context(self, **extra):
        meta = self.model._meta
        return {
            "partnership": self.partnership,
            "model_meta": meta,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            # Only where the reader may open the list (someone may import what they may not list).
            "list_url": self.route("list") if self.can("view") else None,
            "can": {
                action: self.can(action) and (self.routes is None or route in self.routes)
                for action, route in ACTION_ROUTES.items()
            },
            "can_view_history": has_perm(self.request.user, "audit.view_changelog", self.partnership),
            **extra,
        }


class ObjectMixin(ModelViewMixin):
    """Views of one object: it must be visible (else 404) and the action allowed (else 403)."""

    def get_object(self):
        try:
            obj = self.get_queryset().get(pk=self.kwargs["pk"])
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404
        if not self.can(self.permission_action):
            raise PermissionDenied
        return obj

    def http_method_not_allowed(self, request, *args, **kwargs):
        # An out-of-scope object answers 404 whatever the method, so a 405 never confirms it exists.
        if not self.get_queryset().filter(pk=self.kwargs.get("pk")).exists():
            raise Http404
        return super().http_method_not_allowed(request, *args, **kwargs)


class InvalidForm(Exception):
    """Raised from ``ObjectFormPostView.save``: show the object's page again with this form as typed.

    ``name`` is the form's name in the page's context (``"item_form"``), so the page shows the same
    form with its errors beside the fields, an error summary at the top and what was typed kept.
    """

    def __init__(self, name: str, form):
        super().__init__(name)
        self.name = name
        self.form = form


class ObjectFormPostView(ObjectMixin, View):
    """A small form posted from an object's page: check the permission, save, say how it went, go back.

    Subclasses give ``model``, ``permission`` and ``save(obj) -> (ok, message)``; ``allowed``
    can narrow the permission to the object (an owner's own actions, say). A form with errors is
    not a redirect with a flash message: ``save`` raises ``InvalidForm`` and the object's page
    (``detail_view``, the model's ``ModelViews`` detail page) is shown again, answering 400.
    """

    permission = None
    detail_view = None

    def allowed(self, obj) -> bool:
        return has_perm(self.request.user, self.permission, self.partnership)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        if not self.allowed(obj):
            raise PermissionDenied
        try:
            ok, message = self.save(obj)
        except InvalidForm as invalid:
            page = self.detail_view()
            page.setup(request, *args, **kwargs)
            page.partnership = self.partnership
            return page.render_page(obj, invalid_form=invalid.form, **{invalid.name: invalid.form}, status=400)
        (messages.success if ok else messages.error)(request, message)
        return HttpResponseRedirect(obj.get_absolute_url())

    def save(self, obj) -> tuple[bool, str]:
        raise NotImplementedError


class ObjectListView(ModelViewMixin, View):
    filterset_class = None
    table = None  # a callable returning a core.tables.Table
    template_name = "core/object_list.html"
    paginate_by = None

    def get(self, request, *args, **kwargs):
        self.check_permission()
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            data = request.GET.copy()
            for name, value in self.filterset_class.defaults.items():
                data.setdefault(name, value)
            filterset = self.filterset_class(data or None, queryset=queryset, partnership=self.partnership)
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            queryset = filterset.qs
        table = self.table()
        query = {k: v for k, v in request.GET.items() if k not in ("page", "sort") and v}
        table.base_query = query
        _, order = table.ordering(request.GET.get("sort") or (filterset.default_sort() if filterset is not None else None))
        queryset = queryset.order_by(*order)
        paginator = Paginator(queryset, self.paginate_by or settings.PAGINATE_BY)
        page = paginator.get_page(request.GET.get("page"))
        table.rows = list(page.object_list)
        context = self.base_context(
            table=table,
            filterset=filterset,
            filter_form=rendered_form(filterset) if filterset is not None else "",
            page_obj=page,
            page_query=tabular_query(query, table.sort),
            export_query=tabular_query(query, table.sort),
            add_url=self.route("add"),
            import_url=self.route("import"),
            export_url=self.route("export"),
            **self.extra_context(),
        )
        return render(request, self.template_name, context)

    def extra_context(self):
        return {}


def tabular_query(query: dict, sort: str) -> str:
    from django.utils.http import urlencode

    return urlencode({**query, "sort": sort})


class ObjectDetailView(ObjectMixin, View):
    template_name = "core/object_detail.html"
    # (label, attribute or callable) pairs shown in the summary list.
    summary = ()

    def get(self, request, *args, **kwargs):
        return self.render_page(self.get_object())

    def render_page(self, obj, status=200, **forms):
        """The page; ``forms`` replace the page's own empty forms (one posted with errors, say)."""
        context = self.base_context(
            object=obj,
            summary_rows=[(label, value(obj) if callable(value) else getattr(obj, value)) for label, value in self.summary],
            edit_url=self.route("edit", pk=obj.pk),
            delete_url=self.route("delete", pk=obj.pk),
            history_url=self.route("history", pk=obj.pk),
            **{**self.extra_context(obj), **forms},
        )
        return render(self.request, self.template_name, context, status=status)

    def extra_context(self, obj):
        return {}


class ObjectEditView(ObjectMixin, View):
    """Create (no ``pk`` in the URL) or edit an object, refusing stale edits."""

    form_class = None
    template_name = "core/object_edit.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            self.permission_action = "add"
            self.check_permission()
            return self.model(partnership=self.partnership)
        self.permission_action = "change"
        return super().get_object()

    def get_form(self, obj, data=None):
        return self.form_class(data, instance=obj, partnership=self.partnership)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(obj, self.get_form(obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(obj, form, status=400)
        instance = form.save(commit=False)
        instance.partnership = self.partnership
        try:
            if obj.pk is None:
                object_create(actor=request.user, instance=instance)
                form.save_m2m()
                messages.success(request, _("%(name)s added.") % {"name": instance})
            else:
                instance, changed = object_update(
                    actor=request.user, instance=instance, expected_version=form.cleaned_data.get("expected_version")
                )
                form.save_m2m()
                messages.success(request, _("%(name)s saved.") % {"name": instance} if changed else _("No changes to save."))
        except ConflictError as conflict:
            return self.render_conflict(form, conflict.current)
        return HttpResponseRedirect(self.route("detail", pk=instance.pk))

    def render_form(self, obj, form, status=200):
        context = self.base_context(
            object=obj if obj.pk else None,
            form=form,
            cancel_url=obj.get_absolute_url() if obj.pk else self.route("list"),
        )
        return render(self.request, self.template_name, context, status=status)

    def render_conflict(self, form, current):
        """Show both versions side by side; nothing has been saved."""
        rows = []
        fresh = self.form_class(instance=current, partnership=self.partnership)
        for name, field in form.fields.items():
            if name == "expected_version":
                continue
            yours = form.cleaned_data.get(name)
            theirs = fresh.initial.get(name)
            rows.append({
                "label": field.label,
                "yours": display_value(field, yours),
                "theirs": display_value(field, theirs),
                "differs": display_value(field, yours) != display_value(field, theirs),
            })
        context = self.base_context(object=current, rows=rows, form=fresh, edit_url=self.request.path)
        return render(self.request, "core/conflict.html", context, status=409)


def display_value(field, value):
    """Return what a person would read for a form value (choice labels, names, yes/no)."""
    if value in (None, ""):
        return ""
    if hasattr(value, "_meta"):
        return str(value)
    choices = getattr(field, "choices", None)
    if choices and not hasattr(field, "queryset"):
        labels = {str(k): str(v) for k, v in choices}
        return labels.get(str(value), str(value))
    if hasattr(field, "queryset"):
        obj = field.queryset.filter(pk=value).first()
        return str(obj) if obj else str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


class ObjectDeleteView(ObjectMixin, View):
    permission_action = "delete"
    template_name = "core/object_delete.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return render(request, self.template_name, self.base_context(object=obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            object_delete(actor=request.user, instance=obj)
        except ProtectedError as error:
            blockers = sorted({str(o) for o in error.protected_objects})[:10]
            context = self.base_context(object=obj, blockers=blockers)
            return render(request, self.template_name, context, status=409)
        messages.success(request, _("%(name)s deleted.") % {"name": obj})
        return HttpResponseRedirect(self.route("list") or self.partnership.get_absolute_url())


class ObjectHistoryView(ObjectMixin, View):
    """The change history of one object, newest first."""

    template_name = "core/object_history.html"
    # Reverse relations whose records' changes belong in this object's history (an action's updates, say).
    history_related = ()

    def get(self, request, *args, **kwargs):
        from prevent_hub.audit.selectors import changes_for_objects

        obj = self.get_object()
        if not has_perm(request.user, "audit.view_changelog", self.partnership):
            raise PermissionDenied
        related = [item for name in self.history_related for item in getattr(obj, name).all()]
        paginator = Paginator(changes_for_objects([obj, *related]), settings.PAGINATE_BY)
        page = paginator.get_page(request.GET.get("page"))
        entries = [(entry, change_rows(entry)) for entry in page.object_list]
        return render(request, self.template_name, self.base_context(object=obj, entries=entries, page_obj=page))


def change_rows(entry) -> list[tuple[str, str, str]]:
    """Return (field, before, after) for each field an entry changed."""
    before, after = entry.before or {}, entry.after or {}
    ignored = {"updated_at", "created_at", "version"}
    keys = [k for k in dict.fromkeys([*before.keys(), *after.keys()]) if k not in ignored]
    return [(k, before.get(k, ""), after.get(k, "")) for k in keys if before.get(k) != after.get(k)]


class ObjectExportView(ModelViewMixin, View):
    """Download the (filtered) list as CSV or XLSX; every export is access-logged."""

    permission_action = "export"
    filterset_class = None
    importer = None  # the same definition that imports, so an export re-imports

    def get(self, request, *args, **kwargs):
        from prevent_hub.audit.services import log_access

        self.check_permission()
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404
        queryset = self.get_queryset()
        if self.filterset_class:
            filterset = self.filterset_class(request.GET, queryset=queryset, partnership=self.partnership)
            if filterset.is_valid():
                queryset = filterset.qs
        importer = self.importer
        rows = list(importer.export_rows(queryset))
        columns = importer.spec.columns
        name = f"{slugify(self.partnership.name)}-{slugify(self.model._meta.verbose_name_plural)}"
        with transaction.atomic():
            log_access(
                actor=request.user,
                event="export",
                target_type=self.model._meta.label_lower,
                target_repr=f"{len(rows)} {self.model._meta.verbose_name_plural}",
                sections=[c.key for c in columns],
                purpose=request.GET.get("purpose") or f"Export of {self.model._meta.verbose_name_plural}",
                partnership_id=self.partnership.pk,
            )
        if fmt == "csv":
            body, content_type = tabular.write_csv(columns, rows), "text/csv; charset=utf-8"
        else:
            body = tabular.write_xlsx(columns, rows, sheet_title=str(self.model._meta.verbose_name_plural)[:31])
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        response["Content-Security-Policy"] = "sandbox"
        return response


PENDING_IMPORT_KEY = "pending_import"


class ObjectImportView(ModelViewMixin, View):
    """Upload → preview with every row's errors → confirm. The apply step is one transaction."""

    permission_action = "import"
    importer = None
    template_name = "core/object_import.html"

    def get(self, request, *args, **kwargs):
        self.check_permission()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        self.check_permission()
        if "confirm" in request.POST:
            return self.confirm()
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_page(errors=[_("Select a CSV or Excel file to import.")], status=400)
        if upload.size > self.importer.max_bytes():
            limit = tabular.human_size(self.importer.max_bytes())
            return self.render_page(errors=[_("The file must be smaller than %(limit)s.") % {"limit": limit}], status=400)
        data = upload.read()
        result = self.importer.check(data, upload.name, self.partnership)
        if result.errors or result.problem:
            return self.render_page(result=result, filename=upload.name, status=400)
        token = secrets.token_urlsafe(16)
        request.session[PENDING_IMPORT_KEY] = {
            "token": token,
            "model": self.model._meta.label_lower,
            "partnership": self.partnership.pk,
            "filename": upload.name,
            "data": base64.b64encode(data).decode(),
        }
        return self.render_page(result=result, filename=upload.name, token=token)

    def confirm(self):
        pending = self.request.session.get(PENDING_IMPORT_KEY)
        valid = (
            pending
            and pending["token"] == self.request.POST.get("token")
            and pending["model"] == self.model._meta.label_lower
            and pending["partnership"] == self.partnership.pk
        )
        if not valid:
            return self.render_page(errors=[_("This import has expired. Upload the file again.")], status=400)
        data = base64.b64decode(pending["data"])
        result = self.importer.check(data, pending["filename"], self.partnership)
        if result.errors or result.problem:
            # The directory changed since the preview; show why and save nothing.
            return self.render_page(result=result, filename=pending["filename"], status=400)
        summary = self.importer.apply(result, actor=self.request.user, partnership=self.partnership,
                                      filename=pending["filename"])
        del self.request.session[PENDING_IMPORT_KEY]
        messages.success(
            self.request,
            _("Import complete: %(created)d added, %(updated)d updated.") % summary,
        )
        # Someone may import records they may not list (statistics records are for the case team).
        return HttpResponseRedirect(self.route("list") if self.can("view") else self.partnership.get_absolute_url())

    def render_page(self, errors=(), result=None, filename=None, token=None, status=200):
        context = self.base_context(
            errors=list(errors),
            result=result,
            filename=filename,
            token=token,
            columns=self.importer.spec.columns,
        )
        return render(self.request, self.template_name, context, status=status)


def _detail_context(function):
    """Adapt ``function(obj)`` or ``function(obj, request)`` (for what depends on who is asking) to a view method."""
    import inspect

    if "request" in inspect.signature(function).parameters:
        return lambda view, obj: function(obj, request=view.request)
    return lambda view, obj: function(obj)


class ModelViews:
    """All the standard views of one model, configured in one place.

    Views are configuration: the model's queryset, form, filters, table, importer
    and summary are given once and every view (list, add, detail, edit, delete,
    history, import, export) is built from the shared generic views above.
    """

    def __init__(
        self,
        *,
        model,
        queryset=None,
        list_queryset=None,
        form_class=None,
        filterset_class=None,
        table=None,
        importer=None,
        summary=(),
        list_template=None,
        detail_template=None,
        detail_context=None,
        paginate_by=None,
        only=None,
        extra_routes=(),
        history_related=(),
    ):
        self.model = model
        common = {"model": model, **self._queryset(queryset)}
        name = model.__name__
        self.views = {
            # ``list_queryset``: what the list's table needs, when that is less than the other pages read.
            "list": self._view(name, ObjectListView, {**common, **self._queryset(list_queryset)},
                               filterset_class=filterset_class, table=staticmethod(table),
                               paginate_by=paginate_by, **({"template_name": list_template} if list_template else {})),
            "add": self._view(name, ObjectEditView, common, form_class=form_class),
            "detail": self._view(name, ObjectDetailView, common, summary=summary,
                                 **({"template_name": detail_template} if detail_template else {}),
                                 **({"extra_context": _detail_context(detail_context)} if detail_context else {})),
            "edit": self._view(name, ObjectEditView, common, form_class=form_class),
            "delete": self._view(name, ObjectDeleteView, common),
            "history": self._view(name, ObjectHistoryView, common, history_related=history_related),
        }
        if importer is not None:
            self.views["import"] = self._view(name, ObjectImportView, common, importer=importer)
            self.views["export"] = self._view(name, ObjectExportView, common, importer=importer, filterset_class=filterset_class)
        if only is not None:  # a model without some of the standard pages (e.g. no list of its own)
            self.views = {action: view for action, view in self.views.items() if action in only}
        # ``extra_routes``: pages of this model that the app serves with its own views (e.g. a custom import).
        self.routes = frozenset(self.views) | frozenset(extra_routes)
        for view in self.views.values():
            view.routes = self.routes

    @staticmethod
    def _queryset(queryset) -> dict:
        if queryset is None:
            return {}
        # A callable queryset must stay a plain function, not become a method of the view class.
        return {"queryset": staticmethod(queryset) if callable(queryset) else queryset}

    @staticmethod
    def _view(name, base, common, **attrs):
        return type(f"{name}{base.__name__}", (base,), {**common, **attrs})

    def urls(self, path_prefix: str) -> list:
        """URL patterns named ``<model>_list``, ``_add``, ``_detail``, ``_edit``, ``_delete``, ``_history``, ..."""
        from django.urls import path

        name = self.model._meta.model_name
        routes = {
            "list": f"{path_prefix}/",
            "add": f"{path_prefix}/add/",
            "import": f"{path_prefix}/import/",
            "export": f"{path_prefix}/export/",
            "detail": f"{path_prefix}/<id:pk>/",
            "edit": f"{path_prefix}/<id:pk>/edit/",
            "delete": f"{path_prefix}/<id:pk>/delete/",
            "history": f"{path_prefix}/<id:pk>/history/",
        }
        return [path(routes[action], view.as_view(), name=f"{name}_{action}") for action, view in self.views.items()]
