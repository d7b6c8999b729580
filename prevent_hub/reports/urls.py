from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/new/", views.ReportRequestView.as_view(), name="reportrun_add"),
    path("reports/<id:pk>/status/", views.ReportStatusView.as_view(), name="reportrun_status"),
    path("reports/<id:pk>/draft/", views.ReportDraftView.as_view(), name="reportrun_draft"),
    path("reports/<id:pk>/download/<str:fmt>/", views.ReportDownloadView.as_view(), name="reportrun_download"),
    *views.run_views.urls("reports"),
    path("report-templates/add/", views.TemplateUploadView.as_view(), name="reporttemplate_add"),
    *views.template_views.urls("report-templates"),
]
