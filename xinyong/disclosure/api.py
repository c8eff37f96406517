"""API: the public 双公示 pages' data (/api/v1/publicity/penalties and /licences)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from xinyong.disclosure import queries
from xinyong.lib.apierrors import Error

router = Router(tags=["publicity"])


class PenaltyItem(Schema):
    id: int
    name: str  # a person's masked (陈*)
    subject_kind: str
    code_masked: str
    decision_no: str
    category: list[str]
    content: str
    violation_type: str
    facts: str
    basis: str
    fine_wan: str | None
    confiscated_wan: str | None
    licence_affected: str
    authority: str
    decided_on: dt.date
    valid_until: dt.date | None
    publicity_ends_on: dt.date | None
    unit: str
    objection: str | None
    # The subject's public credit file (organisations and individual businesses only).
    subject_id: int | None


class LicenceItem(Schema):
    id: int
    name: str
    subject_kind: str
    code_masked: str
    decision_no: str
    decision_name: str
    kind: str
    licence_name: str
    licence_no: str
    content: str
    authority: str
    decided_on: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    unit: str
    subject_id: int | None


class PenaltyPage(Schema):
    items: list[PenaltyItem]
    total: int
    # True when more than `total` entries match (counting stops at 10,000).
    total_capped: bool
    page: int
    page_size: int


class LicencePage(Schema):
    items: list[LicenceItem]
    total: int
    total_capped: bool
    page: int
    page_size: int


class FiltersIn(Schema):
    q: str = Field(default="", max_length=100,
                   description="名称（法人和个体工商户）、统一社会信用代码或决定文书号")
    page: int = 1
    page_size: int = Field(default=queries.PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE)
    authority: str = Field(default="", max_length=18, description="作出决定的成员单位的统一社会信用代码")
    category: str = Field(default="", max_length=20, description="处罚类别，或许可类别")
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None

    def filters(self) -> queries.Filters:
        return queries.Filters(q=self.q, unit=self.authority.strip().upper(),
                               category=self.category.strip(), decided_from=self.decided_from,
                               decided_to=self.decided_to)


@router.get("/penalties", response={200: PenaltyPage}, summary="行政处罚信息公示（公开，分页）")
def penalty_list(request: HttpRequest, filters: Query[FiltersIn]) -> dict[str, Any]:
    return queries.page_of(queries.penalties(filters.filters()), filters.page, filters.page_size,
                           queries.penalty_item)


@router.get("/penalties/{int:record_id}", response={200: PenaltyItem, 404: Error},
            summary="一条行政处罚信息（公示中的）")
def penalty_detail(request: HttpRequest, record_id: int) -> dict[str, Any]:
    record = queries.penalties(queries.Filters()).filter(pk=record_id).first()
    if record is None:
        raise HttpError(404, "没有这条公示中的行政处罚信息")
    return queries.penalty_item(record)


@router.get("/licences", response={200: LicencePage}, summary="行政许可信息公示（公开，分页）")
def licence_list(request: HttpRequest, filters: Query[FiltersIn]) -> dict[str, Any]:
    return queries.page_of(queries.licences(filters.filters()), filters.page, filters.page_size,
                           queries.licence_item)


@router.get("/licences/{int:licence_id}", response={200: LicenceItem, 404: Error},
            summary="一条行政许可信息（公示中的）")
def licence_detail(request: HttpRequest, licence_id: int) -> dict[str, Any]:
    licence = queries.licences(queries.Filters()).filter(pk=licence_id).first()
    if licence is None:
        raise HttpError(404, "没有这条公示中的行政许可信息")
    return queries.licence_item(licence)
