from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    *views.course_views.urls("courses"),
    *views.trainer_views.urls("trainers"),
    *views.session_views.urls("training-sessions"),
    path("training-sessions/<id:pk>/head-counts/", views.HeadCountAddView.as_view(), name="trainingsession_headcount"),
    path("training-sessions/<id:pk>/head-counts/remove/", views.HeadCountDeleteView.as_view(),
         name="trainingsession_headcount_remove"),
    path("training-sessions/<id:pk>/links/", views.SessionLinkView.as_view(), name="trainingsession_link"),
    *views.completion_views.urls("elearning-completions"),
    path("training/coverage/", views.CoverageView.as_view(), name="coverage"),
]
