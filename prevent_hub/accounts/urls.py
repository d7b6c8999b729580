from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/sign-out-everywhere/", views.SignOutEverywhereView.as_view(), name="sign_out_everywhere"),
    path("account/email/confirm/<str:token>/", views.EmailChangeConfirmView.as_view(), name="email_change_confirm"),
    path("p/<slug:partnership>/users/", views.UserListView.as_view(), name="user_list"),
    path("p/<slug:partnership>/users/add/", views.UserEditView.as_view(), name="user_add"),
    path("p/<slug:partnership>/users/<id:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("p/<slug:partnership>/users/<id:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("p/<slug:partnership>/users/<id:pk>/<str:operation>/", views.UserOperationView.as_view(), name="user_operation"),
    path("p/<slug:partnership>/case-access-requests/<id:pk>/withdraw/", views.AccessRequestWithdrawView.as_view(),
         name="caseaccessrequest_withdraw"),
    path("p/<slug:partnership>/case-access-requests/<id:pk>/decide/", views.AccessRequestDecideView.as_view(),
         name="caseaccessrequest_decide"),
]
