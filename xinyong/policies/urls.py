from django.urls import path

from xinyong.policies import views

app_name = "policies"
urlpatterns = [
    path("policies/", views.policy_list, name="list"),
    path("policies/upload/", views.upload, name="upload"),
    path("policies/upload/whatif/<str:sha>/", views.whatif_preview, name="whatif"),
    path("policies/upload/whatif/<str:sha>/adopted/", views.whatif_adopted, name="whatif_adopted"),
    path("policies/events/", views.record_event, name="event"),
    path("policies/events/correct/", views.correct_event, name="event_correct"),
    path("policies/<slug:pack_id>/", views.policy_detail, name="detail"),
]
