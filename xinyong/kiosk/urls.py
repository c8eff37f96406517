from django.urls import path

from xinyong.kiosk import views

app_name = "kiosk"
urlpatterns = [
    # The terminal's screens (its own cookie, not a login).
    path("kiosk/", views.start, name="start"),
    path("kiosk/enrol/", views.enrol, name="enrol"),
    path("kiosk/print/<str:ticket>/", views.print_pdf, name="print"),
    # The office's terminals, the subject's pickup code.
    path("kiosk/terminals/", views.terminals, name="terminals"),
    path("kiosk/terminals/<int:terminal_id>/revoke/", views.revoke, name="revoke"),
    path("kiosk/code/", views.code, name="code"),
]
