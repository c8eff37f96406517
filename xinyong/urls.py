from django.urls import include, path

from xinyong.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("xinyong.accounts.urls")),
    path("", include("xinyong.audit.urls")),
    path("", include("xinyong.subjects.urls")),
    path("", include("xinyong.policies.urls")),
    path("", include("xinyong.records.urls")),
    path("", include("xinyong.licences.urls")),
    path("", include("xinyong.disclosure.urls")),
    path("", include("xinyong.exchange.urls")),
    path("", include("xinyong.lists.urls")),
    path("", include("xinyong.checks.urls")),
    path("", include("xinyong.repairs.urls")),
    path("", include("xinyong.notices.urls")),
    path("", include("xinyong.objections.urls")),
    path("", include("xinyong.commitments.urls")),
    path("", include("xinyong.certificates.urls")),
    path("", include("xinyong.financing.urls")),
    path("", include("xinyong.grants.urls")),
    path("", include("xinyong.reports.urls")),
    path("", include("xinyong.kiosk.urls")),
    path("", include("xinyong.scores.urls")),
    path("", include("xinyong.inspections.urls")),
    path("", include("xinyong.casework.urls")),
    path("", include("xinyong.articles.urls")),
    path("", include("xinyong.dashboard.urls")),
    path("", include("xinyong.portal.urls")),
    path("", include("xinyong.front.urls")),
]
