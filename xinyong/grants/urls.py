from django.urls import path

from xinyong.grants import views

app_name = "grants"
urlpatterns = [
    path("grants/", views.mine, name="mine"),
    path("grants/new/", views.new, name="new"),
    path("grants/received/", views.received, name="received"),
    path("grants/<int:grant_id>/", views.detail, name="detail"),
    path("grants/<int:grant_id>/revoke/", views.revoke, name="revoke"),
    path("grants/<int:grant_id>/report/", views.report, name="report"),
]
