"""The public 双公示 pages: penalties and licences, search and filters, each entry's page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.disclosure import queries
from xinyong.disclosure.forms import SearchForm

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
    })


def entry_detail(request: HttpRequest, kind: str, entry_id: int) -> HttpResponse:
    title, rows, item = KINDS[kind]
    found: Any = rows(queries.Filters()).filter(pk=entry_id).first()
    if found is None:
        raise Http404(f"没有这条公示中的{title}信息")
    return render(request, "disclosure/detail.html", {"kind": kind, "title": title,
                                                      "e": item(found)})
