"""API: random inspection draws (/api/v1/inspections). The office draws; every draw is
public, with its seed, population digest and rates, so anyone can draw again and compare
(`inspections.draws` says how)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.inspections import draws, services
from xinyong.inspections.models import Draw
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp

router = Router(tags=["inspections"])

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


class DrawPopulationIn(Schema):
    """Which subjects may be drawn; every filter is optional (empty lists mean any)."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[str] | None = Field(default=None, description="organization、individual_business")
    region: str | None = Field(default=None, description="6 位行政区划代码，如 350100 含 350105")
    unit: int | None = Field(default=None, description="成员单位编号：其报送的记录和许可涉及的主体")
    grades: list[str] | None = Field(default=None, description="信用风险分类 A–D 的子集")
    scales: list[str] | None = Field(default=None, description="large、medium、small、micro 的子集")


class DrawIn(Schema):
    name: str = Field(max_length=200)
    size: int | None = Field(default=None, description="不填：每个主体按其抽查比例独立抽取")
    seed: str | None = Field(default=None, max_length=200,
                             description="1–64 个可打印字符；不填则随机生成 32 位十六进制")
    population: DrawPopulationIn | None = None


class DrawPopulationOut(Schema):
    kinds: list[str]
    region: str | None
    unit: int | None
    grades: list[str]
    scales: list[str]


class DrawGradeSchemeOut(Schema):
    policy: str
    doc_number: str
    clause: str
    rates: dict[str, float]
    provisional: bool
    note: str


class DrawAdjustmentOut(Schema):
    policy: str
    doc_number: str
    code: str
    name: str
    clause: str
    factor: float
    grades: list[str]
    scales: list[str]
    regions: list[str]
    provisional: bool
    note: str


class DrawRatesOut(Schema):
    schemes: list[DrawGradeSchemeOut]
    adjustments: list[DrawAdjustmentOut]


class DrawSelectedOut(Schema):
    rank: int
    subject_id: int
    name: str
    code_masked: str
    grade: str
    rate: float


class DrawSummaryOut(Schema):
    id: int
    name: str
    seed: str
    size: int | None
    algorithm: Literal["bernoulli", "efraimidis-spirakis"]
    as_of: dt.date
    created_at: dt.datetime
    population: DrawPopulationOut
    population_count: int
    population_digest: str
    selected_count: int


class DrawOut(DrawSummaryOut):
    rates: DrawRatesOut
    selected: list[DrawSelectedOut]


class DrawPage(Schema):
    items: list[DrawSummaryOut]
    total: int
    page: int
    page_size: int


class DrawPageIn(Schema):
    page: int = 1
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def summary(draw: Draw) -> dict[str, Any]:
    return {
        "id": draw.pk, "name": draw.name, "seed": draw.seed, "size": draw.size,
        "algorithm": draw.algorithm, "as_of": draw.as_of, "created_at": draw.created_at,
        "population": {**draws.Population().as_json(), **draw.population},
        "population_count": draw.population_count,
        "population_digest": draw.population_digest, "selected_count": draw.selected_count,
    }


def out(draw: Draw) -> dict[str, Any]:
    selected = draw.selections.values("rank", "subject_id", "name", "code_masked", "grade",
                                      "rate")
    return {**summary(draw), "rates": draw.rates, "selected": list(selected)}


@router.post("/draws", auth=token_auth, response={201: DrawOut, 403: Error, 422: Error},
             summary="双随机抽查：按信用风险分类的抽查比例抽取（仅信用办）")
def create_draw(request: HttpRequest, payload: DrawIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.OFFICE)
    population = payload.population.dict(exclude_none=True) if payload.population else None
    draw = services.run(user, payload.name, size=payload.size, seed=payload.seed,
                        population=population, request=request)
    return Status(201, out(draw))


@router.get("/draws", response={200: DrawPage}, summary="双随机抽查结果公示（公开，分页）")
def list_draws(request: HttpRequest, query: Query[DrawPageIn]) -> dict[str, Any]:
    rows = Draw.objects.visible_to(getattr(request, "auth", None))
    total = rows.count()
    page = clamp(query.page, total, query.page_size)
    start = (page - 1) * query.page_size
    return {"items": [summary(d) for d in rows[start:start + query.page_size]],
            "total": total, "page": page, "page_size": query.page_size}


@router.get("/draws/{int:draw_id}", response={200: DrawOut, 404: Error},
            summary="一次双随机抽查：随机种子、抽取范围、抽查比例和抽中主体（公开）")
def get_draw(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    draw = Draw.objects.visible_to(getattr(request, "auth", None)).filter(pk=draw_id).first()
    if draw is None:
        raise DomainError("id", "没有这次抽查", status=404)
    return out(draw)
