"""The pages of cases that belong to no one kind: the one 进度查询 for every query code."""

from django.urls import path

from xinyong.casework import views

app_name = "casework"
urlpatterns = [
    path("track/", views.track, name="track"),
]
