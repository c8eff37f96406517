from django.urls import path

from xinyong.lists import views

app_name = "lists"
urlpatterns = [
    path("lists/", views.index, name="index"),
    path("lists/<slug:code>/", views.detail, name="detail"),
]
