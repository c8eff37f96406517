"""The outbox (通知): the office sees every notice sent; others see the notices addressed to
them (a subject user: those to any user of its subject)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.lib.paging import paginate
from xinyong.notices.models import Notice

PAGE_SIZE = 50


@role_required(*Role.values)
def outbox(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    office = user.role == Role.OFFICE
    queryset = Notice.objects.visible_to(user)
    queryset = queryset.select_related("user", "user__unit", "user__subject")
    page, query = paginate(request, queryset, PAGE_SIZE)
    return render(request, "notices/outbox.html", {
        "page": page, "query": query, "office": office,
        "unread": Notice.objects.addressed_to(user).filter(read_at__isnull=True).count(),
    })


@require_POST
@role_required(*Role.values)
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one's own notices read; the office reading the outbox marks nobody else's."""
    user: User = request.user  # type: ignore[assignment]
    count = Notice.objects.addressed_to(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("notices:outbox")
