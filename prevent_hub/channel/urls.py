from django.urls import path

from . import views

app_name = "channel"

# URL pieces of the workflow steps; names are ``case_<step>``.
STEP_PATHS = {
    "screen": "screen",
    "request_information": "request-information",
    "list_for_panel": "list-for-panel",
    "move_listing": "move-listing",
    "decide": "decision",
    "record_consent": "consent",
    "assess": "assessment",
    "add_intervention": "support",
    "review": "review",
    "exit": "exit",
    "close": "close",
    "issue_feedback_link": "feedback-link",
}

urlpatterns = [
    path("", views.CaseListView.as_view(), name="case_list"),
    path("refer/", views.ReferralCreateView.as_view(), name="referral_create"),
    path("refer/received/", views.ReferralDoneView.as_view(), name="referral_done"),
    path("<id:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("<id:pk>/purpose/", views.CasePurposeView.as_view(), name="case_purpose"),
    path("<id:pk>/identity/", views.SubjectCorrectView.as_view(), name="case_identity"),
    *[path(f"<id:pk>/{piece}/", views.STEP_VIEWS[step].as_view(), name=f"case_{step}") for step, piece in STEP_PATHS.items()],
    path("<id:pk>/reviews/<id:review>/", views.PostExitReviewView.as_view(), name="case_post_exit_review"),
    path("<id:pk>/access/", views.AssignmentAddView.as_view(), name="case_assignment_add"),
    path("<id:pk>/access/<id:assignment>/remove/", views.AssignmentRemoveView.as_view(), name="case_assignment_remove"),
    path("<id:pk>/subject-access/", views.SubjectAccessView.as_view(), name="case_subject_access"),
    path("<id:pk>/erase/", views.EarlyErasureRequestView.as_view(), name="case_erase"),
    path("panel-meetings/", views.PanelMeetingsView.as_view(), name="panel_meetings"),
    path("approvals/", views.ApprovalListView.as_view(), name="approval_list"),
    path("approvals/<id:pk>/decide/", views.ApprovalDecideView.as_view(), name="approval_decide"),
    path("export/", views.BulkExportRequestView.as_view(), name="bulk_export_request"),
    path("export/<id:pk>/download/", views.BulkExportDownloadView.as_view(), name="bulk_export_download"),
    path("requests/", views.MyRequestsView.as_view(), name="request_list"),
    path("requests/<id:pk>/", views.RequestRespondView.as_view(), name="request_respond"),
    path("feedback/", views.FeedbackSummaryView.as_view(), name="feedback_summary"),
    path("factors/standard/", views.StandardFactorsView.as_view(), name="vaffactor_standard"),
    *views.factor_views.urls("factors"),
    *views.retention_views.urls("retention"),
]
