"""API: the public search (/api/v1/search): organisations and individual businesses by a
name fragment or a code; persons never."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xinyong.lib.apierrors import Error
from xinyong.portal import search

router = Router(tags=["门户"])


class PortalSearchIn(Schema):
    q: str = Field(default="", description="名称中连续的至少两个字（法人和非法人组织、个体工商户），"
                                          "统一社会信用代码的前几位（至少两位）或完整代码；"
                                          f"至多 {search.MAX_LENGTH} 个字符。不能查询自然人")
    page: int = Field(default=1, description="页码；超出末页时返回末页")
    page_size: int = Field(default=search.PAGE_SIZE,
                           description=f"每页条数，1–{search.MAX_PAGE_SIZE}，超出时按边界取")


class PortalSearchItem(Schema):
    id: int
    kind: str  # organization | individual_business
    name: str
    code_masked: str
    # The subject's public credit file (page).
    url: str


class PortalSearchPage(Schema):
    q: str
    # Matches, counted up to 10,000: `count_capped` then says there are more.
    count: int
    count_capped: bool
    page: int
    page_size: int
    items: list[PortalSearchItem]


@router.get("", response={200: PortalSearchPage, 422: Error},
            summary="信用查询：按名称或统一社会信用代码查找企业和个体工商户（公开，分页）")
def search_subjects(request: HttpRequest, params: Query[PortalSearchIn]) -> dict[str, Any]:
    # A refusal is a DomainError naming `q`: the one handler answers 422.
    return search.search_page(params.q, params.page, params.page_size)
