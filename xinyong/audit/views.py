from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.audit.filtersets import filter_events
from xinyong.audit.models import AuditEvent
from xinyong.lib.paging import paginate


@role_required(Role.OFFICE)
def events(request: HttpRequest) -> HttpResponse:
    queryset, form = filter_events(AuditEvent.objects.visible_to(request.user), request.GET)
    page, query = paginate(request, queryset, 50)
    return render(request, "audit/events.html", {"page": page, "form": form, "query": query})
