from django.urls import path

from xinyong.repairs import views

app_name = "repairs"
urlpatterns = [
    path("repairs/", views.queue, name="queue"),
    path("repairs/mine/", views.mine, name="mine"),
    path("repairs/apply/<int:record_id>/", views.apply, name="apply"),
    path("repairs/<int:repair_id>/", views.detail, name="detail"),
    path("repairs/<int:repair_id>/evidence/<int:evidence_id>/", views.evidence, name="evidence"),
    path("repairs/track/", views.track, name="track"),
    path("repairs/track/<str:code>/", views.track_detail, name="track_detail"),
    path("repairs/guide/", views.guide, name="guide"),
]
