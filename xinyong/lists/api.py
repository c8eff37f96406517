"""API: public lists (/api/v1/lists/{code})."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from xinyong.lib.apierrors import Error
from xinyong.lists.public import public_page

router = Router(tags=["lists"])


class Item(Schema):
    subject_id: int
    # The subject's public credit file (organisations and individual businesses; a
    # person's page is for staff and the person only) and the record's publicity page.
    subject_url: str | None
    record_id: int
    record_url: str | None
    subject_name: str
    code_masked: str
    since: dt.date
    until: dt.date | None
    basis: str
    policy: str
    clause: str
    objection: str | None


class MembershipOut(Schema):
    """One membership as it stands (`lists.models.describe`): in force, not yet, or ended
    (when and why). Used by the record API and the credit file."""

    code: str
    name: str
    since: dt.date
    until: dt.date | None
    ended_on: dt.date | None
    exit_reason: str | None
    exit_label: str
    exit_note: str
    active: bool
    public: bool
    policy: str
    doc_number: str
    clause: str
    record_id: int


class Page(Schema):
    code: str
    name: str
    items: list[Item]
    total: int
    page: int
    page_size: int


class Filters(Schema):
    page: int = 1
    page_size: int = 50
    q: str | None = None


@router.get("/{code}", response={200: Page, 404: Error}, summary="名单公示（公开，分页）")
def get_list(request: HttpRequest, code: str, filters: Query[Filters]) -> dict[str, Any]:
    return public_page(code, filters.page, filters.page_size, filters.q)
