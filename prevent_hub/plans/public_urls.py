"""The pages an owner without an account can open: their actions behind an emailed link, and asking for a new one."""
from django.urls import path

from . import views

app_name = "owner_links"

urlpatterns = [
    path("<str:token>/", views.OwnerUpdateView.as_view(), name="owner_update"),
    path("<str:token>/new-link/", views.OwnerLinkRenewView.as_view(), name="owner_renew"),
]
