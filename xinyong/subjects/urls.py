from django.urls import path

from xinyong.subjects import views

app_name = "subjects"
urlpatterns = [
    path("subjects/search/", views.search, name="search"),
    path("subjects/<int:subject_id>/", views.detail, name="detail"),
]
