from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("plans/import/", views.PlanImportView.as_view(), name="plan_import"),
    *views.plan_views.urls("plans"),
    *views.version_views.urls("plan-versions"),
    path("plan-versions/<int:pk>/export/", views.VersionExportView.as_view(), name="planversion_export"),
    *views.action_views.urls("actions"),
]
