from django.urls import path

from xinyong.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.office, name="office"),
    path("reports/mine/", views.mine, name="mine"),
    path("reports/verify/", views.verify, name="verify"),
    path("reports/verify/<str:number>/", views.check, name="check"),
    path("reports/<str:number>/", views.detail, name="detail"),
    path("reports/<str:number>/revoke/", views.revoke, name="revoke"),
]
