from django.urls import path

from xinyong.objections import views

app_name = "objections"
urlpatterns = [
    path("objections/", views.queue, name="queue"),
    path("objections/mine/", views.mine, name="mine"),
    path("objections/new/", views.create, name="create"),
    path("objections/<int:objection_id>/", views.detail, name="detail"),
    path("objections/track/", views.track, name="track"),
    path("objections/track/<str:code>/", views.track_detail, name="track_detail"),
]
