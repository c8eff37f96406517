from django.urls import path

from xinyong.front import views

app_name = "front"
urlpatterns = [path("", views.home, name="home")]
