from django.urls import path

from xinyong.licences import views

app_name = "licences"
urlpatterns = [
    path("licences/", views.licence_list, name="list"),
    path("licences/new/", views.licence_create, name="create"),
    path("licences/<int:licence_id>/", views.licence_detail, name="detail"),
]
