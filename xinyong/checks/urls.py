from django.urls import path

from xinyong.checks import views

app_name = "checks"
urlpatterns = [
    path("checks/", views.check_list, name="list"),
    path("checks/new/", views.new, name="new"),
    path("checks/files/<int:job_id>/", views.file_detail, name="file"),
    path("checks/<int:check_id>/", views.detail, name="detail"),
    path("checks/<int:check_id>/export/", views.export, name="export"),
    path("checks/<int:check_id>/feedback/", views.feedback, name="feedback"),
    path("office/checks/", views.office, name="office"),
]
