from django.urls import path

from xinyong.front import a11y, views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
    path("display-mode/", a11y.switch_mode, name="display_mode"),
]
