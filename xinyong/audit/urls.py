from django.urls import path

from xinyong.audit import views

app_name = "audit"
urlpatterns = [
    path("office/audit/", views.events, name="events"),
    path("office/audit/export.xlsx", views.export, name="export"),
]
