from django.urls import path

from xinyong.commitments import views

app_name = "commitments"
urlpatterns = [
    path("commitments/", views.index, name="index"),
    path("commitments/mine/", views.mine, name="mine"),
    path("commitments/sign/", views.sign, name="sign"),
    path("commitments/queue/", views.queue, name="queue"),
    path("commitments/stats/", views.stats, name="stats"),
    path("commitments/check/", views.check, name="check"),
    path("commitments/check/<str:number>/", views.check_number, name="check_number"),
    path("commitments/campaigns/", views.campaigns, name="campaigns"),
    path("commitments/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("commitments/campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("commitments/campaigns/<int:campaign_id>/remind/", views.campaign_remind,
         name="campaign_remind"),
    path("commitments/<int:commitment_id>/", views.detail, name="detail"),
    path("commitments/<int:commitment_id>/pdf/", views.pdf, name="pdf"),
]
