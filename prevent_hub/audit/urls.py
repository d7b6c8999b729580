from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("changes/", views.ChangeLogListView.as_view(), name="changelog_list"),
    path("access/", views.AccessLogListView.as_view(), name="accesslog_list"),
]
