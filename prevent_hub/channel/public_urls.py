"""Channel pages behind a single-use link, without signing in: a partner's answer to one request, and feedback."""
from django.urls import path

from . import views

app_name = "channel_public"

urlpatterns = [
    path("request/<str:token>/", views.PublicRequestView.as_view(), name="request"),
    path("feedback/<str:token>/", views.PublicFeedbackView.as_view(), name="feedback"),
]
