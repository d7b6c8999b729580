"""The two training pages behind a link, without signing in: a trainer's return and participants' feedback."""
from django.urls import path

from . import views

app_name = "training_public"

urlpatterns = [
    path("return/<str:token>/", views.TrainerReturnView.as_view(), name="return"),
    path("feedback/<str:token>/", views.FeedbackView.as_view(), name="feedback"),
]
