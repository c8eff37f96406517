from django.urls import path

from xinyong.objections import views

app_name = "objections"
urlpatterns = [
    path("objections/mine/", views.mine, name="mine"),
    path("objections/new/", views.create, name="create"),
    *views.case_views.urls("objections"),
]
