"""API: credit repair (/api/v1/repairs)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from xinyong.accounts.auth import optional_auth, require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.lib.apierrors import Error, FieldError
from xinyong.lib.casework import normalize_code
from xinyong.repairs import services
from xinyong.repairs.models import Repair

router = Router(tags=["repairs"])


class RepairIn(Schema):
    record_id: int
    statement: str = Field(min_length=1, max_length=5000)
    commitment: bool
    green_flags: list[str] = []


class Step(Schema):
    at: str
    step: str
    by: str
    note: str


class RepairOut(Schema):
    id: int
    query_code: str
    record_id: int
    status: str
    status_label: str
    channel: Literal["green", "standard"]
    # Why: "record" (the record qualifies), "claim" (the applicant's claim, checked by the
    # officer: claim_status pending, confirmed or moved) or "" (standard).
    channel_basis: str
    channel_note: str
    claim_status: str
    submitted_on: dt.date
    accept_by: dt.date
    due_by: dt.date
    overdue: bool
    decided_on: dt.date | None
    reason: str
    policy: str
    clause: str
    taken_over: bool
    timeline: list[Step]


class PublicRepairOut(Schema):
    query_code: str
    status: str
    status_label: str
    channel: str
    claim_status: str
    submitted_on: dt.date
    due_by: dt.date
    decided_on: dt.date | None
    timeline: list[Step]


class RepairTakeOverIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class RepairChannelIn(Schema):
    decision: Literal["confirm", "standard"]
    reason: str = Field(default="", max_length=2000)


class RepairDecisionIn(Schema):
    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=2000)


def out(repair: Repair) -> dict[str, Any]:
    return {
        "id": repair.pk, "query_code": repair.query_code, "record_id": repair.record_id,
        "status": repair.status, "status_label": repair.get_status_display(),
        "channel": repair.channel, "channel_basis": repair.channel_basis,
        "channel_note": repair.channel_note, "claim_status": repair.claim_status,
        "submitted_on": repair.submitted_on,
        "accept_by": repair.accept_by, "due_by": repair.due_by,
        "overdue": repair.is_overdue(timezone.localdate()), "decided_on": repair.decided_on,
        "reason": repair.reason, "policy": repair.policy, "clause": repair.clause,
        "taken_over": repair.taken_over_by_id is not None, "timeline": repair.timeline,
    }


def error(exc: services.RepairError) -> HttpError:
    if exc.status == 422:
        return FieldError([exc.field], exc.msg)
    return HttpError(exc.status, exc.msg)


@router.post("", auth=token_auth, response={201: RepairOut, 403: Error, 404: Error, 422: Error},
             summary="申请信用修复（主体本人）")
def create_repair(request: HttpRequest, payload: RepairIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.SUBJECT)
    try:
        repair = services.apply(user, payload.record_id, payload.statement, payload.commitment,
                                green_flags=payload.green_flags, request=request)
    except services.RepairError as exc:
        raise error(exc) from None
    return Status(201, out(repair))


@router.get("/by-code/{query_code}", auth=optional_auth, response={200: PublicRepairOut, 404: Error},
            summary="凭查询码查询修复进度（无需登录）")
def by_code(request: HttpRequest, query_code: str) -> dict[str, Any]:
    repair = (Repair.objects.select_related("subject")
              .filter(query_code=normalize_code(query_code)).first())
    if repair is None:
        raise HttpError(404, "查询码不存在")
    data = out(repair)
    return {k: data[k] for k in PublicRepairOut.model_fields} | {
        "timeline": services.public_timeline(repair)}


@router.get("/{int:repair_id}", auth=token_auth, response={200: RepairOut, 403: Error, 404: Error},
            summary="修复申请详情")
def get_repair(request: HttpRequest, repair_id: int) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
    repair = Repair.objects.filter(pk=repair_id).first()
    if repair is None or not (services.may_decide(user, repair)
                              or (user.role == Role.SUBJECT and repair.subject_id == user.subject_id)):
        raise HttpError(404, "没有这个修复申请，或无权查看")
    return out(repair)


@router.post("/{int:repair_id}/accept", auth=token_auth,
             response={200: RepairOut, 403: Error, 404: Error, 409: Error},
             summary="受理修复申请（认定单位或信用办）")
def accept_repair(request: HttpRequest, repair_id: int) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    try:
        return out(services.accept(repair_id, user, request=request))
    except services.RepairError as exc:
        raise error(exc) from None


@router.post("/{int:repair_id}/decision", auth=token_auth,
             response={200: RepairOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="作出修复决定（认定单位或信用办）")
def decide_repair(request: HttpRequest, repair_id: int, payload: RepairDecisionIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    try:
        return out(services.decide(repair_id, user, payload.decision, payload.reason,
                                   request=request))
    except services.RepairError as exc:
        raise error(exc) from None


@router.post("/{int:repair_id}/take-over", auth=token_auth,
             response={200: RepairOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="信用办接办修复申请（认定单位此后不再办理）")
def take_over_repair(request: HttpRequest, repair_id: int, payload: RepairTakeOverIn) -> dict[str, Any]:
    user = require_role(request, Role.OFFICE)
    try:
        return out(services.take_over(repair_id, user, payload.reason, request=request))
    except services.RepairError as exc:
        raise error(exc) from None


@router.post("/{int:repair_id}/channel", auth=token_auth,
             response={200: RepairOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="核实申请人自报的绿色通道情形：属实，或转入标准渠道（须说明理由）")
def review_channel(request: HttpRequest, repair_id: int, payload: RepairChannelIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    try:
        return out(services.review_claim(repair_id, user, payload.decision, payload.reason,
                                         request=request))
    except services.RepairError as exc:
        raise error(exc) from None
