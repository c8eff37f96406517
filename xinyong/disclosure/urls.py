from django.urls import path

from xinyong.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("publicity/penalties/", views.entry_list, {"kind": "penalties"}, name="penalties"),
    path("publicity/penalties/<int:entry_id>/", views.entry_detail, {"kind": "penalties"},
         name="penalty"),
    path("publicity/timeliness/", views.timeliness_page, name="timeliness"),
    path("publicity/licences/", views.entry_list, {"kind": "licences"}, name="licences"),
    path("publicity/licences/<int:entry_id>/", views.entry_detail, {"kind": "licences"},
         name="licence"),
]
