from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/sign-out-everywhere/", views.SignOutEverywhereView.as_view(), name="sign_out_everywhere"),
    path("p/<slug:partnership>/users/", views.UserListView.as_view(), name="user_list"),
    path("p/<slug:partnership>/users/add/", views.UserEditView.as_view(), name="user_add"),
    path("p/<slug:partnership>/users/<id:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("p/<slug:partnership>/users/<id:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("p/<slug:partnership>/users/<id:pk>/<str:operation>/", views.UserOperationView.as_view(), name="user_operation"),
]
