from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.PartnershipDetailView.as_view(), name="partnership_detail"),
    path("settings/", views.PartnershipSettingsView.as_view(), name="partnership_settings"),
    *views.organisation_views.urls("organisations"),
    *views.person_views.urls("people"),
    path("people/<id:pk>/invite/", views.PersonInviteView.as_view(), name="person_invite"),
    *views.prevent_lead_views.urls("prevent-leads"),
    *views.glossary_views.urls("glossary"),
]
