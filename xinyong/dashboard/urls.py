from django.urls import path

from xinyong.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.index, name="index"),
]
