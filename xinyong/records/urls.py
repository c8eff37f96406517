from django.urls import path

from xinyong.records import views

app_name = "records"
urlpatterns = [
    path("records/", views.record_list, name="list"),
    path("records/export.xlsx", views.record_export, name="export"),
    path("records/export.csv", views.record_export, {"fmt": "csv"}, name="export_csv"),
    path("records/new/", views.record_create, name="create"),
    path("records/<int:record_id>/", views.record_detail, name="detail"),
    path("records/imports/", views.import_list, name="imports"),
    path("records/imports/template.csv", views.import_template, name="import_template"),
    path("records/imports/template.xlsx", views.import_template, {"fmt": "xlsx"},
         name="import_template_xlsx"),
    path("records/imports/template-penalties.csv", views.import_template, {"fmt": "penalties"},
         name="import_template_penalties"),
    path("records/imports/template-licences.csv", views.import_template, {"fmt": "licences"},
         name="import_template_licences"),
    path("records/imports/behaviors.csv", views.import_template, {"fmt": "behaviors"},
         name="import_behaviors"),
    path("records/imports/<int:job_id>/", views.import_detail, name="import"),
    path("records/imports/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("records/imports/<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
]
