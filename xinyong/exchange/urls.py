from django.urls import path

from xinyong.exchange import views

app_name = "exchange"
urlpatterns = [
    path("exchange/", views.batch_list, name="list"),
    path("exchange/returned/", views.returned, name="returned"),
    path("exchange/<int:batch_id>/", views.batch_detail, name="batch"),
    path("exchange/<int:batch_id>/file.xlsx", views.batch_file, {"fmt": "xlsx"}, name="xlsx"),
    path("exchange/<int:batch_id>/penalties.csv", views.batch_file, {"fmt": "csv", "sheet": "penalty"},
         name="penalties_csv"),
    path("exchange/<int:batch_id>/licences.csv", views.batch_file, {"fmt": "csv", "sheet": "licence"},
         name="licences_csv"),
]
