"""The public search page (/search/?q=): the API's search, as a page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.lib.errors import DomainError
from xinyong.portal import search as searching
from xinyong.subjects import codes


def _number(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    context: dict[str, Any] = {"q": q.strip()}
    status = 200
    if "q" in request.GET:
        try:
            data = searching.search_page(q, _number(request.GET.get("page"), 1))
        except DomainError as exc:
            context["error"], status = exc.msg, 422
            if exc.msg == searching.PERSON_REFUSED:
                context["q"] = ""  # what was typed may be an ID number: not shown back
        else:
            for item in data["items"]:
                item["kind_label"] = codes.KIND_LABELS[item["kind"]]
            last = max((data["count"] + data["page_size"] - 1) // data["page_size"], 1)
            query = request.GET.copy()
            query.pop("page", None)
            context.update(data=data, last=last, query=query.urlencode(),
                           previous=data["page"] - 1 if data["page"] > 1 else None,
                           next=data["page"] + 1 if data["page"] < last else None)
    return render(request, "portal/search.html", context, status=status)
