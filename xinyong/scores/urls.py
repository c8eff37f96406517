from django.urls import path

from xinyong.scores import views

app_name = "scores"
urlpatterns = [
    path("subjects/<int:subject_id>/score/", views.score, name="score"),
    path("subjects/<int:subject_id>/grade/", views.grade, name="grade"),
    path("subjects/<int:subject_id>/evaluation/refresh/", views.refresh, name="refresh"),
    path("subjects/<int:subject_id>/scale/", views.scale, name="scale"),
    path("my/evaluation/", views.my_score, name="mine"),
]
