from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.models import Role, Unit
from xinyong.demo.data import accounts_with_demo_password
from xinyong.policies.events import awaiting_events
from xinyong.subjects.models import Subject


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"unit_count": Unit.objects.filter(is_active=True).count(),
                               "subject_count": Subject.objects.count()}
    if getattr(request.user, "role", None) == Role.OFFICE:
        # The office runs the platform: it is told while demo logins with the published
        # password would let anyone in.
        context["demo_accounts"] = accounts_with_demo_password()
        # Emergency packs end by an event only the office can record: a forgotten one
        # keeps lists and measures running without a legal basis.
        context["awaiting_events"] = awaiting_events(timezone.localdate())
        # A unit without a region may report under national rules only.
        context["units_without_region"] = list(
            Unit.objects.filter(is_active=True, region="").values_list("name", flat=True)[:20])
    return render(request, "front/home.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
