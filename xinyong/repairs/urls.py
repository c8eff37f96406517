from django.urls import path

from xinyong.repairs import views

app_name = "repairs"
urlpatterns = [
    path("repairs/mine/", views.mine, name="mine"),
    path("repairs/apply/<int:record_id>/", views.apply, name="apply"),
    path("repairs/guide/", views.guide, name="guide"),
    *views.case_views.urls("repairs"),
]
