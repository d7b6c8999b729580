from django.urls import path

from . import views

app_name = "scale"

urlpatterns = [
    path("baseline/", views.BaselineView.as_view(), name="baseline"),
]
