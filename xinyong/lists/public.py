"""What the public sees of a list (名单公示): one page of its members in force, the same
for the pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp
from xinyong.lists.models import Membership
from xinyong.policies import rulebook


def public_page(code: str, page: int, page_size: int, q: str | None,
                day: dt.date | None = None) -> dict[str, Any]:
    """One page of a public list: only published, active memberships; persons masked."""
    book = rulebook.current()
    rules = book.lists().get(code)
    if not rules or not any(rule.public for _, rule in rules):
        raise DomainError("code", f"没有公开的名单“{code}”", status=404)
    day = day or timezone.localdate()
    page_size = min(max(page_size, 1), 200)
    rows = (Membership.objects.active_on(day).filter(list_code=code, public=True)
            .select_related("subject", "record").order_by("-since", "id"))
    q = (q or "").strip()
    if q:
        # Persons have no plain code (only a digest), so an exact code match can only hit
        # organisations; an empty code must never match them all.
        rows = rows.filter(Q(subject__name__icontains=q) | Q(subject__code=q.upper()))
    total = rows.count()
    page = clamp(page, total, page_size)
    items = []
    for m in rows[(page - 1) * page_size: page * page_size]:
        enterprise = not m.subject.is_person
        items.append({
            "subject_id": m.subject_id, "subject_name": m.subject.name,
            "subject_url": reverse("subjects:detail", args=[m.subject_id]) if enterprise else None,
            "record_id": m.record_id,
            "record_url": reverse("records:detail", args=[m.record_id]) if enterprise else None,
            "code_masked": m.subject.code_masked, "since": m.since, "until": m.until,
            "basis": f"{m.doc_number or m.policy} 第{m.clause}条；{m.record.decision_no}",
            "policy": m.policy, "clause": m.clause,
            "objection": "open" if m.record.objection_open else None,
        })
    return {"code": code, "name": book.list_name(code), "items": items, "total": total,
            "page": page, "page_size": page_size}
