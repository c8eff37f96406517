"""Page numbers as people and programs send them: a page past the end (or a number too
large for the database) shows the last page instead of failing; and the one helper the
paged pages use with the one partial, `templates/_pagination.html`."""

from __future__ import annotations

import math
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def clamp(page: int, total: int, page_size: int) -> int:
    """`page` within 1 … the last page of `total` items (1 when there are none)."""
    last = max(math.ceil(total / page_size), 1) if page_size > 0 else 1
    return min(max(page, 1), last)


def paginate(request: HttpRequest, items: Any, per_page: int) -> tuple[Page, str]:
    """The requested page of `items` (past the end: the last page) and the request's query
    string without `page`, for the links of `_pagination.html`."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
