from django.urls import path

from xinyong.notices import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.outbox, name="outbox"),
    path("notices/read/", views.mark_read, name="read"),
]
