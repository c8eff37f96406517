from django.contrib.auth import views as auth_views
from django.urls import path

from xinyong.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("office/units/", views.units, name="units"),
    path("office/units/<int:unit_id>/region/", views.unit_region, name="unit_region"),
    path("office/units/<int:unit_id>/deactivate/", views.unit_deactivate, name="unit_deactivate"),
    path("office/units/<int:unit_id>/reactivate/", views.unit_reactivate, name="unit_reactivate"),
    path("password/change/", views.password_change, name="password_change"),
    path("office/units/<int:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("office/institutions/", views.institutions, name="institutions"),
    path("office/institutions/<int:institution_id>/deactivate/", views.institution_deactivate,
         name="institution_deactivate"),
    path("office/institutions/<int:institution_id>/reactivate/", views.institution_reactivate,
         name="institution_reactivate"),
    path("office/users/", views.users, name="users"),
    path("office/users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("office/users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("office/users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("office/users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("office/users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("office/tokens/", views.tokens, name="tokens"),
    path("office/tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
