from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.models import Role, Unit
from xinyong.demo.data import accounts_with_demo_password
from xinyong.front import home as todo
from xinyong.policies.events import awaiting_events
from xinyong.portal.home import public_home
from xinyong.subjects.views import SearchForm


def home(request: HttpRequest) -> HttpResponse:
    """The home page of each role: search and services for everyone; the clerk's work due;
    the office's warnings; the subject's own credit at a glance."""
    user = request.user
    role = getattr(user, "role", None)
    today = timezone.localdate()
    staff = role in (Role.OFFICE, Role.DEPARTMENT)
    context: dict[str, Any] = {
        "role": role, "today": today, "search_form": SearchForm(staff=staff),
        "unit_count": Unit.objects.filter(is_active=True).count(),
    }
    if role is None:
        # The public portal: services, lists and 双公示, cases and news, policies in force.
        context.update(public_home(today))
    if staff:
        context["cases"] = todo.case_work(user, today)
        context["imports"] = todo.imports_running(user)
        context["commitment_checks"] = todo.commitment_checks(user, today)
        context["unchecked"] = todo.checks_without_feedback(user)
        context["returned"] = todo.returned_rows(user)
    if role == Role.OFFICE:
        # The office runs the platform: it is told while demo logins with the published
        # password would let anyone in.
        context["demo_accounts"] = accounts_with_demo_password()
        # Emergency packs end by an event only the office can record: a forgotten one
        # keeps lists and measures running without a legal basis.
        context["awaiting_events"] = awaiting_events(today)
        # A unit without a region may report under national rules only.
        context["units_without_region"] = list(
            Unit.objects.filter(is_active=True, region="").values_list("name", flat=True)[:20])
        context["overdue_by_unit"] = todo.overdue_by_unit(today)
    if role == Role.SUBJECT and getattr(user, "subject_id", None):
        context["mine"] = todo.subject_overview(user, today)
        context["financing"] = todo.subject_financing(user, today)
    if role == Role.INSTITUTION and getattr(user, "institution_id", None):
        context["bank"] = todo.institution_overview(user, today)
    return render(request, "front/home.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
