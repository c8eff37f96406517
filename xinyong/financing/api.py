"""API: 信易贷 financing (/api/v1/financing): needs (the shared case endpoints, with the
contract's outcome), products, the honest-SME list and the office's statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from xinyong.accounts.auth import caller, optional_auth, require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.casework.api import Step, case_router, common_out, public_out
from xinyong.casework.services import MAX_NOTE
from xinyong.financing import services
from xinyong.financing.models import Product
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp

Money = Decimal  # 万元, two decimals (checked by the services, named in their errors)


class NeedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    amount_wan: Money = Field(description="需求金额（万元）")
    term_months: int = Field(description="期限（月）")
    purpose: str = Field(min_length=1, max_length=500)
    products: list[int] = Field(default=[], max_length=20, description="所选产品 id；不选则向所有机构开放")
    open_to_all: bool | None = None
    share_scope: list[str] = Field(default=[], max_length=4,
                                   description="同时授权可受理机构查询：profile、records、score、report")
    share_until: dt.date | None = None
    priority_flags: list[str] = Field(default=[], max_length=4,
                                      description="重点支持情形：epidemic_prevention、medical_supplies、"
                                                  "essential_supplies、epidemic_hit")


class NeedOut(Schema):
    id: int
    query_code: str
    # submitted (待受理), accepted (对接中), awaiting_material, lent, declined, withdrawn
    status: str
    status_label: str
    subject_id: int
    subject_name: str
    code_masked: str
    amount_wan: Money
    term_months: int
    purpose: str
    open_to_all: bool
    products: list[int]
    share_scope: list[str]
    share_until: dt.date | None
    priority_flags: list[str]
    priority: bool
    institution: str | None
    submitted_on: dt.date
    accept_by: dt.date
    accepted_on: dt.date | None
    due_by: dt.date
    overdue: bool
    material_request: str
    decided_on: dt.date | None
    reason: str
    lent_amount_wan: Money | None
    rate: Money | None
    product: int | None
    policy: str
    clause: str
    timeline: list[Step]


class PublicNeedOut(Schema):
    query_code: str
    status: str
    status_label: str
    submitted_on: dt.date
    due_by: dt.date
    decided_on: dt.date | None
    timeline: list[Step]


class OutcomeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["lent", "declined"]
    amount_wan: Money | None = Field(default=None, description="放款金额（万元；lent 必填）")
    rate: Money | None = Field(default=None, description="年利率（%）")
    product: int | None = Field(default=None, description="放款所用的本机构产品 id")
    reason: str = Field(default="", max_length=MAX_NOTE, description="declined 必填")


def out(case: Any) -> dict[str, Any]:
    common = common_out(case)
    return {k: common[k] for k in (
        "id", "query_code", "status", "status_label", "submitted_on", "accept_by", "accepted_on",
        "due_by", "overdue", "material_request", "decided_on", "policy", "clause", "timeline")} | {
        "subject_id": case.subject_id, "subject_name": case.subject.name,
        "code_masked": case.subject.code_masked, "amount_wan": case.amount_wan,
        "term_months": case.term_months, "purpose": case.purpose, "open_to_all": case.open_to_all,
        "products": sorted(p.pk for p in case.products.all()), "share_scope": case.share_scope,
        "share_until": case.share_until, "priority_flags": case.priority_flags,
        "priority": case.priority,
        "institution": case.institution.name if case.institution_id else None,
        "reason": case.decision_reason if not case.is_open else "",
        "lent_amount_wan": case.lent_amount_wan, "rate": case.rate, "product": case.product_id,
    }


def create(request: HttpRequest, user: Any, payload: NeedIn) -> Any:
    return services.submit(user, payload.amount_wan, payload.term_months, payload.purpose,
                           products=payload.products, open_to_all=payload.open_to_all,
                           share_scope=payload.share_scope, share_until=payload.share_until,
                           priority_flags=payload.priority_flags, request=request)


def decide(request: HttpRequest, user: Any, case_id: int, payload: OutcomeIn) -> Any:
    return services.outcome(user, case_id, payload.status, amount_wan=payload.amount_wan,
                            rate=payload.rate, product=payload.product, reason=payload.reason,
                            request=request)


needs_router = case_router(services.workflow, tags=["financing"], out_schema=NeedOut, out=out,
                           public_schema=PublicNeedOut, public=public_out,
                           create_schema=NeedIn, create=create,
                           decision_schema=OutcomeIn, decide=decide, decision_path="outcome",
                           related=("institution",), prefetch=("products",))

router = Router(tags=["financing"])


class ProductIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    amount_min_wan: Money
    amount_max_wan: Money
    term_min_months: int
    term_max_months: int
    rate_min: Money
    rate_max: Money
    targets: list[str] = Field(default=[], max_length=4,
                               description="honesty_incentive、grade_ab、priority、sme")


class ProductOut(Schema):
    id: int
    institution: str
    institution_code: str
    name: str
    description: str
    amount_min_wan: Money
    amount_max_wan: Money
    term_min_months: int
    term_max_months: int
    rate_min: Money
    rate_max: Money
    targets: list[str]
    status: str
    published_on: dt.date
    withdrawn_on: dt.date | None


def product_out(p: Product) -> dict[str, Any]:
    return {"id": p.pk, "institution": p.institution.name, "institution_code": p.institution.code,
            "name": p.name, "description": p.description, "amount_min_wan": p.amount_min_wan,
            "amount_max_wan": p.amount_max_wan, "term_min_months": p.term_min_months,
            "term_max_months": p.term_max_months, "rate_min": p.rate_min, "rate_max": p.rate_max,
            "targets": p.targets, "status": p.status, "published_on": p.published_on,
            "withdrawn_on": p.withdrawn_on}


@router.get("/products", auth=optional_auth, response={200: list[ProductOut]},
            summary="信易贷产品（公开：在售产品；金融机构另见本机构已下架的）")
def products(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Product.objects.visible_to(caller(request)).select_related("institution")
    return [product_out(p) for p in rows]


@router.post("/products", auth=token_auth, response={201: ProductOut, 403: Error, 422: Error},
             summary="发布信易贷产品（金融机构）")
def publish(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.INSTITUTION)
    product = services.publish_product(user, **payload.dict(), request=request)
    return Status(201, product_out(product))


@router.post("/products/{int:product_id}/withdraw", auth=token_auth,
             response={200: ProductOut, 403: Error, 404: Error, 409: Error},
             summary="下架信易贷产品（金融机构）")
def withdraw(request: HttpRequest, product_id: int) -> dict[str, Any]:
    user = require_role(request, Role.INSTITUTION)
    return product_out(services.withdraw_product(user, product_id, request=request))


class HonestOut(Schema):
    subject_id: int
    name: str
    code: str
    kind: str
    scale: str
    note: str
    grade: str | None
    honesty_incentive: bool
    open_needs: int
    since: dt.datetime


class HonestPage(Schema):
    items: list[HonestOut]
    total: int
    page: int
    page_size: int


class PageQuery(Schema):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


@router.get("/honest-smes", auth=token_auth, response={200: HonestPage, 403: Error},
            summary="诚信中小企业名单（自愿加入、当前无失信记录；金融机构、信用办）")
def honest(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    require_role(request, Role.INSTITUTION, Role.OFFICE)
    today = timezone.localdate()
    rows = services.honest_smes(today)
    total = rows.count()
    page = clamp(query.page, total, query.page_size)
    start = (page - 1) * query.page_size
    items = services.describe_listings(list(rows[start:start + query.page_size]), today)
    return {"items": items, "total": total, "page": page, "page_size": query.page_size}


class JoinIn(Schema):
    note: str = Field(default="", max_length=300)


@router.post("/honest-smes/me", auth=token_auth, response={200: HonestOut, 403: Error, 422: Error},
             summary="自愿加入诚信中小企业名单（主体本人）")
def join(request: HttpRequest, payload: JoinIn | None = None) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT)
    listing = services.opt_in(user, payload.note if payload else "", request=request)
    return services.describe_listings([listing], timezone.localdate())[0]


@router.delete("/honest-smes/me", auth=token_auth, response={204: None, 403: Error, 409: Error},
               summary="退出诚信中小企业名单（主体本人）")
def leave(request: HttpRequest) -> Status[None]:
    user = require_role(request, Role.SUBJECT)
    services.opt_out(user, request=request)
    return Status(204, None)


class TotalsOut(Schema):
    posted: int
    waiting: int
    taken: int
    lent: int
    declined: int
    withdrawn: int
    overdue: int
    amount_asked_wan: Money
    amount_lent_wan: Money
    median_days_to_lend: float | None
    max_days_to_lend: int | None


class InstitutionTotalsOut(TotalsOut):
    institution: str
    institution_id: int


class ProductTotalsOut(Schema):
    product: str
    product_id: int
    institution: str
    loans: int
    amount_lent_wan: Money


class StatsOut(Schema):
    all: TotalsOut
    # 太仓 7: 疫情防控应急物资及生活物资生产企业、受疫情影响较大的中小微企业
    priority: TotalsOut
    by_institution: list[InstitutionTotalsOut]
    by_product: list[ProductTotalsOut]


class StatsQuery(Schema):
    since: dt.date | None = None
    until: dt.date | None = None


@router.get("/stats", auth=token_auth, response={200: StatsOut, 403: Error, 422: Error},
            summary="信易贷统计（信用办）：需求、受理、放款、金额、放款用时")
def stats(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    require_role(request, Role.OFFICE)
    from xinyong.financing.models import FinancingNeed

    rows = FinancingNeed.objects.all()
    if query.since and query.until and query.since > query.until:
        raise DomainError("since", "开始日期不能晚于结束日期")
    if query.since:
        rows = rows.filter(submitted_on__gte=query.since)
    if query.until:
        rows = rows.filter(submitted_on__lte=query.until)
    return services.stats(rows)
