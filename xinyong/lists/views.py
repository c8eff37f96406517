"""Public list pages (名单公示): the lists of the loaded packs, and each public list, paged."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.lists.choices import POLARITY as LIST_POLARITY
from xinyong.lists.forms import ListSearchForm, page_number
from xinyong.lists.models import Membership
from xinyong.lists.public import public_page
from xinyong.policies import rulebook

PAGE_SIZE = 30


def index(request: HttpRequest) -> HttpResponse:
    book = rulebook.current()
    today = timezone.localdate()
    public = {code: rules for code, rules in book.lists().items()
              if any(rule.public for _, rule in rules)}
    counts = dict(
        Membership.objects.active_on(today).filter(public=True, list_code__in=list(public))
        .order_by().values("list_code").annotate(n=Count("subject", distinct=True))
        .values_list("list_code", "n")
    )
    rows = []
    for code, rules in public.items():
        polarity = rules[0][1].polarity
        rows.append({
            "code": code, "name": book.list_name(code), "polarity": polarity,
            "polarity_label": LIST_POLARITY.label(polarity),
            "count": counts.get(code, 0),
            "sources": [{"policy": entry.pack.id, "doc_number": entry.pack.doc_number,
                         "clause": rule.clause} for entry, rule in rules if rule.public],
        })
    rows.sort(key=lambda r: (r["polarity"] != "dishonest", r["code"]))
    return render(request, "lists/index.html", {"rows": rows, "today": today})


def _split_basis(item: dict[str, Any]) -> dict[str, Any]:
    """`basis` reads “文号 第N条；决定文书号”: the page shows the two parts apart."""
    document, _, decision = item["basis"].partition("；")
    return {**item, "document": document, "decision_no": decision}


def detail(request: HttpRequest, code: str) -> HttpResponse:
    form = ListSearchForm(request.GET)
    query = form.query
    page = page_number(request.GET.get("page"))
    try:
        data = public_page(code, page, PAGE_SIZE, query or None)
    except DomainError:
        return render(request, "lists/not_found.html", {"code": code}, status=404)
    # public_page clamped the page; the bar needs a Page of the same numbers.
    bar = Paginator(range(data["total"]), PAGE_SIZE).page(data["page"])
    return render(request, "lists/detail.html", {
        "list": data, "form": form, "query": query,
        "items": [_split_basis(item) for item in data["items"]], "page": bar,
        "querystring": urlencode({"q": query}) if query else "",
        "today": timezone.localdate(),
    })
