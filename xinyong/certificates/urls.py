from django.urls import path

from xinyong.certificates import views

app_name = "certificates"
urlpatterns = [
    path("force-majeure/mine/", views.mine, name="mine"),
    path("force-majeure/apply/", views.apply, name="apply"),
    path("force-majeure/stats/", views.stats, name="stats"),
    path("force-majeure/certificates/", views.verify, name="verify"),
    path("force-majeure/certificates/<str:number>/", views.check, name="check"),
    path("force-majeure/<int:case_id>/pdf/", views.certificate_pdf, name="pdf"),
    *views.case_views.urls("force-majeure"),
]
