from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("plans/import/", views.PlanImportView.as_view(), name="plan_import"),
    path("my-actions/", views.MyActionsView.as_view(), name="my_actions"),
    path("quarter/", views.QuarterView.as_view(), name="quarter"),
    path("dashboard/", views.CurrentDashboardView.as_view(), name="dashboard"),
    path("quarter/ask/", views.QuarterRequestView.as_view(), name="quarter_request"),
    *views.plan_views.urls("plans"),
    *views.version_views.urls("plan-versions"),
    path("plan-versions/<id:pk>/export/", views.VersionExportView.as_view(), name="planversion_export"),
    path("plan-versions/<id:pk>/dashboard/", views.VersionDashboardView.as_view(), name="planversion_dashboard"),
    path("plan-versions/<id:pk>/refresh/", views.PlanRefreshView.as_view(), name="planversion_refresh"),
    path("plan-versions/<id:pk>/period-lock/", views.PeriodLockView.as_view(), name="planversion_period_lock"),
    *views.action_views.urls("actions"),
    path("actions/<id:pk>/report-progress/", views.ProgressUpdateCreateView.as_view(), name="progressupdate_add"),
    path("actions/<id:pk>/checkpoints/", views.CheckpointRecordView.as_view(), name="checkpointrecord_add"),
    path("actions/<id:pk>/mitigations/", views.MitigationCreateView.as_view(), name="mitigatingaction_add"),
    *views.email_log_views.urls("reminder-emails"),
    path("progress-updates/<id:pk>/evidence/", views.EvidenceDownloadView.as_view(), name="progressupdate_evidence"),
]
