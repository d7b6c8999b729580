"""Calendar feeds: the user's own page for the feed address, and the address itself (the secret is the key)."""
from django.urls import path

from . import views

app_name = "calendar"

urlpatterns = [
    path("", views.CalendarFeedView.as_view(), name="feed_manage"),
    path("<str:token>.ics", views.PublicCalendarFeedView.as_view(), name="feed"),
]
