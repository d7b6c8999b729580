from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("statistics/export/", views.StatisticsExportView.as_view(), name="statistics_export"),
    path("statistics/charts/<slug:chart>.<str:fmt>", views.ChartView.as_view(), name="statistics_chart"),
    path("referral-records/import/", views.ReferralImportView.as_view(), name="referral_import"),
    *views.referral_views.urls("referral-records"),
    *views.monthly_views.urls("monthly-counts"),
    path("statistics/england-and-wales/import/", views.NationalUploadView.as_view(), name="nationalrelease_import"),
    *views.national_views.urls("statistics/england-and-wales"),
]
