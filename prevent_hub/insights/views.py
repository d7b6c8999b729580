"""The statistics page, its exports and charts, referral imports and monthly counts."""
import base64
import secrets
from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views import View

from prevent_hub.audit.services import log_access
from prevent_hub.core import charts as core_charts
from prevent_hub.core import tabular
from prevent_hub.core.generic import ModelViewMixin, ModelViews, PartnershipMixin
from prevent_hub.core.params import query_int
from prevent_hub.core.permissions import has_perm
from prevent_hub.core.services import object_create, object_update

from . import categories, charts, exporters, forms, importers, national, selectors, tables
from .models import MonthlyCount, NationalRelease, Referral


class StatisticsMixin(PartnershipMixin):
    permission = "insights.view_statistics"

    # Files leave the panel: they are protected whoever downloads them, the case team included.
    protect_always = False

    def options(self) -> tuple[int, bool]:
        """The financial year asked for (the latest with records if none or an unknown one) and whether the
        user sees small numbers."""
        if not has_perm(self.request.user, self.permission, self.partnership):
            raise PermissionDenied
        today = timezone.localdate()
        year = query_int(self.request.GET, "year", min_value=selectors.FIRST_YEAR,
                         max_value=categories.financial_year(today))
        if year is None:
            year = selectors.latest_year(self.partnership, today)
        full = not self.protect_always and selectors.sees_unsuppressed(self.request.user, self.partnership)
        return year, full

    def report(self):
        year, full = self.options()
        return selectors.statistics_report(self.partnership, year, unsuppressed=full)


def table_rows(table, shares: bool = False):
    """(label, (shown cells, share of the total here, England and Wales share)) per row, for _table.html.

    A share is worked out only from figures that are shown, so it can never reveal a hidden one.
    """
    total = table.values[-1][-1] if shares else None
    national = table.national or []
    rows = []
    for index, (label, cells) in enumerate(zip(table.row_labels, table.display, strict=True)):
        value = table.values[index][-1]
        share = round(100 * value / total, 1) if shares and value is not None and total else None
        rows.append((label, (cells, share, national[index] if index < len(national) else None)))
    return rows


class StatisticsView(StatisticsMixin, View):
    def get(self, request, *args, **kwargs):
        year, full = self.options()
        context = {
            "partnership": self.partnership, "year": year, "year_label": categories.financial_year_label(year),
            "unsuppressed": full, "threshold": selectors.threshold(), "zeros_small": selectors.zeros_small(),
            "year_labels": [(y, categories.financial_year_label(y)) for y in selectors.years_offered(timezone.localdate())],
            "can_keep": has_perm(request.user, "insights.import_referral", self.partnership),
            "can_list_records": has_perm(request.user, "insights.view_referral", self.partnership),
            "can_keep_national": has_perm(request.user, "insights.view_nationalrelease", self.partnership),
            "body": statistics_body(self.partnership, year, full),
        }
        return render(request, "insights/statistics.html", context)


STATISTICS_BODY = "insights/_statistics_body.html"
STATISTICS_BODY_SCHEMA = 1  # bump when what the body shows changes in a way its code digest would miss


def statistics_body(partnership, year: int, unsuppressed: bool) -> str:
    """The statistics page's tables and charts, rendered; cached under the report's own key, so the
    rendering is reused exactly as long as the report is."""
    from prevent_hub.core.caching import render_cached

    key = selectors.report_key(partnership, year, unsuppressed=unsuppressed)

    def build() -> dict:
        report = selectors.statistics_report(partnership, year, unsuppressed=unsuppressed, key=key)
        chart_keys = {"sector", "age_band", "concern"}

        def chart(chart_key, beside=True):
            """The chart inline, under the heading that names it, beside (or above) its table."""
            where = "beside this chart" if beside else "after this chart"
            return core_charts.page_svg(charts.chart(report, chart_key), ident=f"chart-{chart_key}",
                                        note=f"The figures are in the table {where}.",
                                        width=core_charts.PAGE_WIDTH if beside else 640)

        return {
            "partnership": partnership, "report": report,
            "months": report.table(f"months_{report.year}"),
            "month_rows": table_rows(report.table(f"months_{report.year}")),
            "last_year_rows": table_rows(report.table(f"months_{report.year - 1}")),
            "last_year": report.table(f"months_{report.year - 1}"),
            "breakdowns": [{"table": report.table(key), "rows": table_rows(report.table(key), shares=True),
                            "chart": chart(key) if key in chart_keys else None, "key": key}
                           for key, _ in selectors.BREAKDOWNS],
            "series": [(report.table(key), table_rows(report.table(key))) for key in ("series_concern", "series_age_band")],
            "charts": {"months": chart("months"), "funnel": chart("funnel"), "series": chart("series", beside=False)},
            "chart_titles": charts.CHARTS,
        }

    return render_cached("insights:statistics", (STATISTICS_BODY_SCHEMA, partnership.slug, *key), STATISTICS_BODY, build,
                         code=(__file__, charts, core_charts, "insights/_chart.html", "insights/_table.html"))


class StatisticsExportView(StatisticsMixin, View):
    permission = "insights.export_statistics"
    protect_always = True

    def get(self, request, *args, **kwargs):
        report = self.report()
        fmt = request.GET.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            raise Http404
        with transaction.atomic():
            body = exporters.report_xlsx(report) if fmt == "xlsx" else exporters.report_csv(report)
            log_access(actor=request.user, event="export", target_type="insights.statistics",
                       target_repr=f"Referral statistics {report.year_label}", partnership_id=self.partnership.pk,
                       sections=[t.key for t in report.tables],
                       purpose="Statistics export (small numbers hidden)")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8" if fmt == "csv" else
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        name = f"{slugify(self.partnership.name)}-referral-statistics-{report.year}"
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        response["Content-Security-Policy"] = "sandbox"
        return response


class ChartView(StatisticsMixin, View):
    """One chart as SVG or PNG, for reports and newsletters (drawn from the protected table)."""

    permission = "insights.export_statistics"
    protect_always = True

    def get(self, request, *args, **kwargs):
        key, fmt = kwargs["chart"], kwargs["fmt"]
        if key not in charts.CHARTS or fmt not in ("svg", "png"):
            raise Http404
        report = self.report()
        chart = charts.chart(report, key, f"{charts.CHARTS[key]}, {self.partnership.name}, {report.year_label}")
        # Both files are drawn from the same layout as each other (core.charts), at the same size.
        if fmt == "svg":
            response = HttpResponse(core_charts.svg(chart, width=charts.FILE_WIDTH), content_type="image/svg+xml")
        else:
            response = HttpResponse(core_charts.png(chart, width=charts.FILE_WIDTH), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="{key}-{report.year}.{fmt}"'
        response["Content-Security-Policy"] = "sandbox"
        return response


PENDING_REFERRALS = "pending_referral_import"


class ReferralImportView(ModelViewMixin, View):
    """Upload → check: each value that is not a category once, with its rows and the nearest category, and a
    choice of category for it (remembered for the partnership's next imports) → preview → confirm. Nothing is
    saved until the confirmation, and then everything (referrals and chosen categories) in one transaction."""

    model = Referral
    permission_action = "import"
    template_name = "insights/referral_import.html"
    importer = importers.ReferralImporter()

    def get(self, request, *args, **kwargs):
        self.check_permission()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        self.check_permission()
        if "confirm" in request.POST or "categories" in request.POST:
            pending = request.session.get(PENDING_REFERRALS)
            if not (pending and pending["token"] == request.POST.get("token")
                    and pending["partnership"] == self.partnership.pk):
                return self.render_page(errors=["This import has expired. Upload the file again."], status=400)
            data = base64.b64decode(pending["data"])
            choices = {tuple(key): code for *key, code in pending["choices"]}
            if "confirm" in request.POST:
                return self.confirm(data, pending["filename"], choices)
            return self.choose(data, pending["filename"], choices)
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_page(errors=["Select a CSV or Excel file of referral records"], status=400)
        if upload.size > self.importer.max_bytes():
            limit = tabular.human_size(self.importer.max_bytes())
            return self.render_page(errors=[f"The file must be smaller than {limit}"], status=400)
        return self.checked(upload.read(), upload.name, {})

    def check_file(self, data, filename, choices):
        """The file checked against the categories, with those chosen at earlier imports and on this page."""
        return self.importer.check(data, filename, self.partnership,
                                   options={"value_map": {**self.importer.remembered(self.partnership), **choices}})

    def checked(self, data, filename, choices, choice_errors=None):
        result = self.check_file(data, filename, choices)
        if result.problem or any(e.row == 1 for e in result.errors):  # not a file of referrals: upload another
            self.request.session.pop(PENDING_REFERRALS, None)
            return self.render_page(result=result, filename=filename, status=400)
        # The same file keeps its token while categories are chosen for it.
        token = self.request.POST.get("token") if "file" not in self.request.FILES else None
        token = token or secrets.token_urlsafe(16)
        self.request.session[PENDING_REFERRALS] = {
            "token": token, "partnership": self.partnership.pk, "filename": filename,
            "data": base64.b64encode(data).decode(), "choices": [[*key, code] for key, code in choices.items()]}
        return self.render_page(result=result, filename=filename, token=token, choice_errors=choice_errors or {},
                                status=400 if result.errors or choice_errors else 200)

    def choose(self, data, filename, choices):
        """The categories chosen on the page, for the values shown there (none chosen: still an error)."""
        result = self.check_file(data, filename, choices)
        choices, errors = dict(choices), {}
        for item in [*result.details.get("unknown", ()), *result.details.get("mapped", ())]:
            code = self.request.POST.get(item.field)
            if code is None:
                continue
            if code and code not in {c.code for c in item.choices}:
                errors[item.field] = f"Choose a category for '{item.value}' ({item.label}) from the list"
                continue
            choices[(item.column, item.scheme, item.key)] = code  # "" leaves the value as an error
        return self.checked(data, filename, choices, errors)

    def confirm(self, data, filename, choices):
        result = self.check_file(data, filename, choices)
        if result.errors or result.problem:
            # Something changed since the preview (a reference imported meanwhile); show why and save nothing.
            return self.checked(data, filename, choices)
        summary = self.importer.apply(result, actor=self.request.user, partnership=self.partnership, filename=filename)
        del self.request.session[PENDING_REFERRALS]
        remembered = len(result.details.get("mapped", ()))
        messages.success(self.request, f"Import complete: {summary['created']:,} referral records added."
                         + (f" The categories chosen for {remembered} value{'s' if remembered != 1 else ''} will be "
                            "used for this partnership's next imports." if remembered else ""))
        return HttpResponseRedirect(self.route("list") if self.can("view") else self.url("insights:statistics"))

    def render_page(self, errors=(), result=None, filename=None, token=None, choice_errors=None, status=200):
        choice_errors = choice_errors or {}
        unknown = [(item, choice_errors.get(item.field)) for item in (result.details.get("unknown", ()) if result else ())]
        mapped = [(item, choice_errors.get(item.field)) for item in (result.details.get("mapped", ()) if result else ())]
        grouped = {id(e) for e in result.errors if isinstance(e, tabular.GroupedCellError)} if result else set()
        years = Counter(planned.instance.financial_year for planned in result.rows) if result and token else Counter()
        context = self.base_context(
            errors=list(errors), result=result, filename=filename, token=token, columns=self.importer.spec.columns,
            unknown=unknown, mapped=mapped, choice_errors=choice_errors,
            # Every value a category is chosen for, in the order of the file, whether chosen yet or not.
            values=sorted(unknown + mapped, key=lambda pair: (pair[0].rows[0], pair[0].column)),
            other_errors=[e for e in (result.errors if result else []) if id(e) not in grouped],
            years=[(categories.financial_year_label(y), n) for y, n in sorted(years.items())],
        )
        return render(self.request, self.template_name, context, status=status)


referral_views = ModelViews(
    model=Referral, table=tables.referral_table, importer=importers.ReferralImporter(),
    summary=(("Reference", "reference"), ("Referral date", "referral_date"),
             ("Financial year", lambda r: categories.financial_year_label(r.financial_year)),
             ("Sector", lambda r: categories.dimension("sector").category_label(r.sector, r.financial_year)),
             ("Age", lambda r: r.age if r.age is not None else ""),
             ("Age band", lambda r: categories.dimension("age").category_label(r.age_band, r.financial_year)),
             ("Gender", lambda r: categories.dimension("gender").category_label(r.gender, r.financial_year)),
             ("Type of concern", lambda r: categories.dimension("concern").category_label(r.concern, r.financial_year)),
             ("District", "district"),
             ("Stage reached", lambda r: categories.dimension("stage").category_label(r.stage, r.financial_year)),
             ("Imported from", "batch")),
    only=("list", "detail", "delete", "history", "export"), extra_routes=("import",),
)
ReferralImportView.routes = referral_views.routes


class NationalUploadView(ModelViewMixin, View):
    """Upload the Home Office's data tables (.ods or .xlsx) for a financial year: the England and Wales figures
    by sector, age, gender and type of concern are read, mapped to the year's categories and kept, replacing
    any kept for that year. A file of another shape is refused, with what it lacks, and nothing is kept."""

    model = NationalRelease
    permission_action = "import"
    template_name = "insights/national_upload.html"

    def get(self, request, *args, **kwargs):
        self.check_permission()
        return self.render_page()

    def post(self, request, *args, **kwargs):
        self.check_permission()
        errors, year = {}, None
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            pass
        if year not in selectors.years_offered(timezone.localdate()):
            errors["year"] = ["Choose the financial year the figures are for"]
            year = None
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = ["Select the Home Office’s data tables file (.ods or .xlsx)"]
        elif upload.size > national.MAX_BYTES:
            errors["file"] = [f"The file must be smaller than {tabular.human_size(national.MAX_BYTES)}"]
        if not errors:
            try:
                figures = national.read(upload.read(), upload.name, year)
            except tabular.TableError as error:
                errors["file"] = [error.message]
            except national.NationalTablesError as error:
                errors["file"] = error.problems
        if errors:
            return self.render_page(errors=errors, year=year, status=400)
        with transaction.atomic():
            release = NationalRelease.objects.select_for_update().filter(
                partnership=self.partnership, financial_year=year).first()
            fields = {"title": figures.pop("title"), "filename": upload.name[:255], "figures": figures,
                      "uploaded_by": request.user}
            if release is None:
                release = object_create(actor=request.user, instance=NationalRelease(
                    partnership=self.partnership, financial_year=year, **fields))
            else:
                for name, value in fields.items():
                    setattr(release, name, value)
                release, _ = object_update(actor=request.user, instance=release, expected_version=None)
        messages.success(request, f"England and Wales figures for {categories.financial_year_label(year)} saved from "
                                  f"{upload.name}. The statistics page compares them with yours.")
        return HttpResponseRedirect(release.get_absolute_url())

    def render_page(self, errors=None, year=None, status=200):
        today = timezone.localdate()
        context = self.base_context(
            errors=errors or {}, year=year,
            year_labels=[(y, categories.financial_year_label(y)) for y in selectors.years_offered(today)],
            suggested=categories.financial_year(today) - 1)
        return render(self.request, self.template_name, context, status=status)


def national_detail_context(release):
    """The figures kept, per table, with each category's label and share of that table's total."""
    dims = categories.dimensions()
    tables = []
    for dimension in national.DIMENSIONS:
        counts = release.figures.get(dimension, {})
        dim = dims[dimension]
        total = counts.get("total") or release.figures.get("total")
        rows = []
        for category in dim.scheme_for(release.financial_year).categories:
            count = counts.get(category.code)
            rows.append((category.label, count, round(100 * count / total, 1) if count is not None and total else None))
        for code, label in dim.basis:
            count = counts.get(f"basis:{code}")
            if count is not None:
                rows.append((f"{label} (counted under an earlier year's category)", count,
                             round(100 * count / total, 1) if total else None))
        tables.append({"title": national.WHAT[dimension].capitalize(), "rows": rows, "total": total})
    return {"figure_tables": tables, "any_missing": any(count is None for t in tables for _, count, _ in t["rows"])}


national_views = ModelViews(
    model=NationalRelease, table=tables.national_release_table, list_template="insights/national_list.html",
    detail_template="insights/national_detail.html", detail_context=national_detail_context,
    summary=(("Financial year", lambda r: categories.financial_year_label(r.financial_year)), ("Release", "title"),
             ("File", "filename"), ("Uploaded by", "uploaded_by"),
             ("Referrals in England and Wales", lambda r: f"{r.figures.get('total', 0):,}")),
    only=("list", "detail", "delete", "history"), extra_routes=("import",),
)
NationalUploadView.routes = national_views.routes
monthly_views = ModelViews(
    model=MonthlyCount, form_class=forms.MonthlyCountForm, table=tables.monthly_count_table,
    summary=(("Month", lambda c: f"{c.month:%B %Y}"), ("Referrals", "referrals"),
             ("Discussed at a Channel panel", "discussed_at_panel"), ("Adopted as a Channel case", "adopted"),
             ("Source or notes", "notes")),
    only=("list", "add", "detail", "edit", "delete", "history"),
)
