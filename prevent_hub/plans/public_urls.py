"""The one page an owner without an account can open: the update form behind an emailed link."""
from django.urls import path

from . import views

app_name = "owner_links"

urlpatterns = [
    path("<str:token>/", views.OwnerUpdateView.as_view(), name="owner_update"),
]
