"""API: the upward exchange (/api/v1/exchange), for the credit office."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.exchange import batches
from xinyong.exchange.models import Batch
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import download

router = Router(tags=["exchange"])


class BatchCut(Schema):
    id: int
    since: dt.datetime | None
    count: int


class RejectedOut(Schema):
    row: int
    msg: str
    resolved: bool


class BatchOut(Schema):
    id: int
    created_at: dt.datetime
    since: dt.datetime | None
    count: int
    penalties: int
    licences: int
    push_status: str
    push_attempts: int
    pushed_at: dt.datetime | None
    push_error: str
    acked_at: dt.datetime | None
    accepted: int | None
    rejected: list[RejectedOut]


class RejectedIn(Schema):
    row: int = Field(ge=1)
    msg: str = Field(default="", max_length=500)


class AckIn(Schema):
    accepted: int = Field(ge=0)
    rejected: list[RejectedIn] = []


class FileQuery(Schema):
    format: Literal["csv", "xlsx"] = "xlsx"
    # A CSV file holds one table: penalties (default) or licences; the XLSX holds both.
    sheet: Literal["penalties", "licences"] = "penalties"


def out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk, "created_at": batch.created_at, "since": batch.since, "count": batch.count,
        "penalties": batch.penalties, "licences": batch.licences,
        "push_status": batch.push_status, "push_attempts": batch.push_attempts,
        "pushed_at": batch.pushed_at, "push_error": batch.push_error, "acked_at": batch.acked_at,
        "accepted": batch.accepted,
        "rejected": [{"row": r.row, "msg": r.message, "resolved": r.resolved_at is not None}
                     for r in batch.rejections.order_by("row")],
    }


def _batch(batch_id: int) -> Batch:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise DomainError("id", "没有这个上报批次", status=404)
    return batch


@router.post("/batches", auth=token_auth, response={201: BatchCut, 403: Error},
             summary="生成上报批次（自上一批次以来的全部变更）")
def cut_batch(request: HttpRequest) -> Status[dict[str, Any]]:
    user = require_role(request, Role.OFFICE)
    batch = batches.cut(user, request=request)
    return Status(201, {"id": batch.pk, "since": batch.since, "count": batch.count})


@router.get("/batches", auth=token_auth, response={200: list[BatchOut], 403: Error},
            summary="上报批次列表（最近 100 批）")
def list_batches(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request, Role.OFFICE)
    return [out(b) for b in Batch.objects.prefetch_related("rejections")[:100]]


@router.get("/batches/{int:batch_id}", auth=token_auth, response={200: BatchOut, 403: Error, 404: Error},
            summary="上报批次")
def get_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    require_role(request, Role.OFFICE)
    return out(_batch(batch_id))


@router.get("/batches/{int:batch_id}/file", auth=token_auth,
            response={200: None, 403: Error, 404: Error, 422: Error},
            summary="下载上报文件（国家数据标准列；xlsx 含行政处罚和行政许可两个工作表）")
def batch_file(request: HttpRequest, batch_id: int, query: Query[FileQuery]) -> HttpResponse:
    user = require_role(request, Role.OFFICE)
    batch = _batch(batch_id)
    kind = "licence" if query.sheet == "licences" else "penalty"
    content, name, content_type = batches.download(batch, query.format, kind, actor=user,
                                                   request=request)
    return download(content, name, content_type)


@router.post("/batches/{int:batch_id}/ack", auth=token_auth,
             response={200: BatchOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="登记上级平台回执（接收条数和退回的行）")
def ack_batch(request: HttpRequest, batch_id: int, payload: AckIn) -> dict[str, Any]:
    user = require_role(request, Role.OFFICE)
    _batch(batch_id)
    batch = batches.acknowledge(batch_id, payload.accepted,
                                [r.dict() for r in payload.rejected], actor=user, request=request)
    return out(batch)
