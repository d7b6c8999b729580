from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("session/extend/", views.SessionExtendView.as_view(), name="session_extend"),
    path("accessibility/", views.AccessibilityStatementView.as_view(), name="accessibility"),
]
