from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    *views.group_views.urls("groups"),
    path("groups/<id:pk>/plan-meetings/", views.MeetingPlanView.as_view(), name="group_plan_meetings"),
    path("governance/diagram/", views.DiagramView.as_view(), name="diagram"),
    path("governance/attendance/", views.ComplianceView.as_view(), name="compliance"),
    *views.reporting_line_views.urls("reporting-lines"),
    *views.seat_views.urls("seats"),
    *views.terms_views.urls("terms-of-reference"),
    *views.meeting_views.urls("meetings"),
    path("meetings/<id:pk>/attendance/", views.AttendanceView.as_view(), name="meeting_attendance"),
    path("meetings/<id:pk>/items/", views.MeetingItemView.as_view(), name="meeting_items"),
    path("meetings/<id:pk>/papers/", views.MeetingPaperView.as_view(), name="meeting_papers"),
    path("papers/<id:pk>/", views.PaperDownloadView.as_view(), name="meetingpaper_download"),
    path("meetings/<id:pk>/calendar.ics", views.MeetingCalendarView.as_view(), name="meeting_ics"),
    *views.obligation_views.urls("obligations"),
]
