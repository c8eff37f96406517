"""API: objections (/api/v1/objections)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from xinyong.accounts.auth import optional_auth, require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.lib.apierrors import Error, FieldError
from xinyong.lib.casework import normalize_code
from xinyong.lib.paging import clamp
from xinyong.objections import services
from xinyong.objections.models import Objection
from xinyong.repairs.api import Step

router = Router(tags=["objections"])


class ObjectionIn(Schema):
    record_id: int
    reason: str = Field(min_length=1, max_length=services.MAX_TEXT)
    evidence: str = Field(default="", max_length=services.MAX_TEXT)
    repair_id: int | None = None


class ObjectionOut(Schema):
    id: int
    query_code: str
    record_id: int
    decision_no: str
    repair_id: int | None
    unit: str
    reason: str
    evidence: str
    status: str
    status_label: str
    submitted_on: dt.date
    accept_by: dt.date
    accepted_on: dt.date | None
    due_by: dt.date
    overdue: bool
    taken_over: bool
    decided_on: dt.date | None
    decision_reason: str
    remedy: str | None
    policy: str
    clause: str
    timeline: list[Step]


class ObjectionPage(Schema):
    items: list[ObjectionOut]
    total: int
    page: int
    page_size: int


class ListFilters(Schema):
    status: Literal["open", "closed", "submitted", "accepted", "upheld", "dismissed",
                    "refused"] | None = None
    overdue: bool | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


class PublicObjectionOut(Schema):
    query_code: str
    status: str
    status_label: str
    submitted_on: dt.date
    due_by: dt.date
    decided_on: dt.date | None
    timeline: list[Step]


class AcceptIn(Schema):
    accept: bool = True
    reason: str = Field(default="", max_length=2000)


class CorrectionsIn(Schema):
    """Facts to correct instead of withdrawing the record when the objection is upheld."""

    behavior: str | None = Field(default=None, min_length=1, max_length=64)
    occurred_on: dt.date | None = None
    decided_on: dt.date | None = None
    decision_no: str | None = Field(default=None, min_length=1, max_length=200)
    facts: str | None = Field(default=None, max_length=20000)
    severity: Literal["minor", "general", "serious"] | None = None


class ObjectionDecisionIn(Schema):
    decision: Literal["upheld", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000)
    corrections: CorrectionsIn | None = None


class ObjectionTakeOverIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


def out(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk, "query_code": o.query_code, "record_id": o.record_id,
        "decision_no": o.record.decision_no, "repair_id": o.repair_id, "unit": o.unit.name,
        "reason": o.reason, "evidence": o.evidence, "status": o.status,
        "status_label": o.get_status_display(), "submitted_on": o.submitted_on,
        "accept_by": o.accept_by, "accepted_on": o.accepted_on, "due_by": o.due_by,
        "overdue": o.is_overdue(timezone.localdate()), "taken_over": o.taken_over_by_id is not None,
        "decided_on": o.decided_on, "decision_reason": o.decision_reason,
        "remedy": o.remedy or None, "policy": o.policy, "clause": o.clause, "timeline": o.timeline,
    }


def public_out(o: Objection) -> dict[str, Any]:
    """Progress by query code, for anyone holding the code: no names, reasons or notes."""
    return {
        "query_code": o.query_code, "status": o.status, "status_label": o.get_status_display(),
        "submitted_on": o.submitted_on, "due_by": o.due_by, "decided_on": o.decided_on,
        "timeline": [{**s, "note": ""} for s in o.timeline],
    }


def error(exc: services.ObjectionError) -> HttpError:
    if exc.status == 422:
        return FieldError(list(exc.field.split(".")), exc.msg)
    return HttpError(exc.status, exc.msg)


@router.get("", auth=token_auth, response={200: ObjectionPage, 403: Error},
            summary="异议列表：主体本人的异议；成员单位、信用办的待办")
def list_objections(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
    cases = services.cases_for(user)
    today = timezone.localdate()
    if filters.status == "open":
        cases = cases.filter(status__in=Objection.OPEN)
    elif filters.status == "closed":
        cases = cases.exclude(status__in=Objection.OPEN)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.overdue is not None:
        late = services.overdue_q(today)
        cases = cases.filter(late) if filters.overdue else cases.exclude(late)
    total = cases.count()
    page = clamp(filters.page, total, filters.page_size)
    start = (page - 1) * filters.page_size
    return {"items": [out(o) for o in cases[start:start + filters.page_size]], "total": total,
            "page": page, "page_size": filters.page_size}


@router.post("", auth=token_auth, response={201: ObjectionOut, 403: Error, 404: Error, 422: Error},
             summary="提出异议（主体本人）")
def create_objection(request: HttpRequest, payload: ObjectionIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.SUBJECT)
    try:
        objection = services.submit(user, payload.record_id, payload.reason,
                                    evidence=payload.evidence, repair_id=payload.repair_id,
                                    request=request)
    except services.ObjectionError as exc:
        raise error(exc) from None
    return Status(201, out(objection))


@router.get("/by-code/{query_code}", auth=optional_auth,
            response={200: PublicObjectionOut, 404: Error}, summary="凭查询码查询异议进度（无需登录）")
def by_code(request: HttpRequest, query_code: str) -> dict[str, Any]:
    objection = Objection.objects.filter(query_code=normalize_code(query_code)).first()
    if objection is None:
        raise HttpError(404, "查询码不存在")
    return public_out(objection)


@router.get("/{int:objection_id}", auth=token_auth,
            response={200: ObjectionOut, 403: Error, 404: Error}, summary="异议详情")
def get_objection(request: HttpRequest, objection_id: int) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
    objection = services.cases_for(user).filter(pk=objection_id).first()
    if objection is None:
        raise HttpError(404, "没有这个异议，或无权查看")
    return out(objection)


@router.post("/{int:objection_id}/accept", auth=token_auth,
             response={200: ObjectionOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="受理或不予受理异议")
def accept_objection(request: HttpRequest, objection_id: int, payload: AcceptIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    try:
        return out(services.accept(objection_id, user, payload.accept, payload.reason,
                                   request=request))
    except services.ObjectionError as exc:
        raise error(exc) from None


@router.post("/{int:objection_id}/decision", auth=token_auth,
             response={200: ObjectionOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="异议处理决定：upheld 撤销记录（或按 corrections 更正），dismissed 维持")
def decide_objection(request: HttpRequest, objection_id: int, payload: ObjectionDecisionIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    corrections = payload.corrections.model_dump(exclude_none=True) if payload.corrections else None
    try:
        return out(services.decide(objection_id, user, payload.decision, payload.reason,
                                   corrections=corrections, request=request))
    except services.ObjectionError as exc:
        raise error(exc) from None


@router.post("/{int:objection_id}/take-over", auth=token_auth,
             response={200: ObjectionOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="信用办接办异议（此后成员单位不再办理）")
def take_over_objection(request: HttpRequest, objection_id: int, payload: ObjectionTakeOverIn
                        ) -> dict[str, Any]:
    user = require_role(request, Role.OFFICE)
    try:
        return out(services.take_over(objection_id, user, payload.reason, request=request))
    except services.ObjectionError as exc:
        raise error(exc) from None
