from django.urls import path

from xinyong.inspections import views

app_name = "inspections"
urlpatterns = [
    path("inspections/", views.index, name="index"),
    path("inspections/new/", views.new, name="new"),
    path("inspections/<int:draw_id>/", views.detail, name="detail"),
]
