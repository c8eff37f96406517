"""The public 双公示 pages: penalties and licences, search and filters, each entry's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, Unit, User
from xinyong.disclosure import queries, timeliness
from xinyong.disclosure.forms import PeriodForm, SearchForm

KINDS: dict[str, tuple[str, Any, Any]] = {
    "penalties": ("行政处罚", queries.penalties, queries.penalty_item),
    "licences": ("行政许可", queries.licences, queries.licence_item),
}


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def entry_list(request: HttpRequest, kind: str) -> HttpResponse:
    title, rows, item = KINDS[kind]
    form = SearchForm(request.GET or None, kind=kind)
    filters = form.filters() if form.is_bound else queries.Filters()
    data = queries.page_of(rows(filters), _page_number(request), queries.PAGE_SIZE, item)
    query = request.GET.copy()
    query.pop("page", None)
    last = max((data["total"] + data["page_size"] - 1) // data["page_size"], 1)
    return render(request, "disclosure/list.html", {
        "kind": kind, "title": title, "form": form, "data": data, "query": query.urlencode(),
        "last": last, "previous": data["page"] - 1 if data["page"] > 1 else None,
        "next": data["page"] + 1 if data["page"] < last else None,
        # The limit as the packs set it (no unit here: the national and platform ones).
        "limit": timeliness.limit_for(None, timezone.localdate(), kind),
    })


def entry_detail(request: HttpRequest, kind: str, entry_id: int) -> HttpResponse:
    title, rows, item = KINDS[kind]
    found: Any = rows(queries.Filters()).filter(pk=entry_id).first()
    if found is None:
        raise Http404(f"没有这条公示中的{title}信息")
    return render(request, "disclosure/detail.html", {"kind": kind, "title": title,
                                                      "e": item(found)})


@role_required(Role.OFFICE, Role.DEPARTMENT)
def timeliness_page(request: HttpRequest) -> HttpResponse:
    """报送及时率: per unit, the share of entries put on the platform within the limit."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = dt.date(today.year, 1, 1), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    units = Unit.objects.all() if user.role == Role.OFFICE else Unit.objects.filter(id=user.unit_id or 0)
    return render(request, "disclosure/timeliness.html", {
        "form": form, "start": start, "end": end, "office": user.role == Role.OFFICE,
        "stats": timeliness.unit_stats(start, end, units),
        "late": timeliness.late_entries(start, end, units),
        "limit": timeliness.limit_for(user.unit.region if user.unit else None, today, "penalties"),
    })
