"""The API every kind of case shares, made by one factory (`case_router`).

    POST /            the applicant's submission (the kind's body)
    GET  /            the caller's cases (subject: its own; unit: those it handles; office: all)
    GET  /by-code/{query_code}   public progress (the public timeline, no free text)
    GET  /{id}
    POST /{id}/accept            {accept: true|false, reason}   受理 / 不予受理
    POST /{id}/material-request  {reason}                       补正: the clock stops
    POST /{id}/material          form: note, files              the applicant supplies it
    POST /{id}/evidence          form: files                    the applicant adds files
    POST /{id}/withdraw          {reason}                       the applicant withdraws
    POST /{id}/take-over         {reason}                       the office takes the case
    POST /{id}/decision          the kind's decision body

A kind adds any step of its own (repairs: POST /{id}/channel) to the router it gets back.
Refusals are DomainErrors, turned into the contract's error body by the API's handler.
"""
# No `from __future__ import annotations` here: ninja reads the annotations of the views
# made inside case_router, and `decision_schema` must be a real class there, not a name.


import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import create_model

from xinyong.accounts.auth import optional_auth, require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.casework import choices as c
from xinyong.casework import evidence, timeline
from xinyong.casework.models import Case
from xinyong.casework.services import MAX_NOTE, Workflow, find_by_code
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp


class Step(Schema):
    at: str
    step: str
    by: str
    note: str


class CaseAcceptIn(Schema):
    accept: bool = True
    reason: str = Field(default="", max_length=MAX_NOTE)


class CaseReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=MAX_NOTE)


class CaseNoteIn(Schema):
    reason: str = Field(default="", max_length=MAX_NOTE)


class CaseListFilters(Schema):
    # open, closed, or one of the kind's statuses (checked against the kind: 422 naming it)
    status: str | None = Field(default=None, max_length=20)
    overdue: bool | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


def common_out(case: Case, today: dt.date | None = None) -> dict[str, Any]:
    """The fields every kind's answer has."""
    today = today or timezone.localdate()
    return {
        "id": case.pk, "query_code": case.query_code, "record_id": case.record_id,  # type: ignore[attr-defined]
        "unit": case.handling_unit, "status": case.status, "status_label": case.status_label,
        "submitted_on": case.submitted_on, "accept_by": case.accept_by,
        "accepted_on": case.accepted_on, "due_by": case.due_by,
        "overdue": case.is_overdue(today), "taken_over": case.taken_over_by_id is not None,
        "material_request": case.material_request if case.status == c.AWAITING_MATERIAL else "",
        "decided_on": case.decided_on, "policy": case.policy, "clause": case.clause,
        "timeline": timeline.as_data(case.timeline, public=False),
    }


def public_out(case: Case) -> dict[str, Any]:
    """Progress for anyone holding the query code: no names, reasons or free text."""
    return {
        "query_code": case.query_code, "status": case.status, "status_label": case.status_label,
        "submitted_on": case.submitted_on, "due_by": case.due_by, "decided_on": case.decided_on,
        "timeline": timeline.as_data(case.timeline, public=True),
    }


def case_router(workflow: Workflow, *, tags: list[str], out_schema: type[Schema],
                out: Callable[[Case], dict[str, Any]], public_schema: type[Schema],
                public: Callable[[Case], dict[str, Any]] = public_out,
                create_schema: type[Schema], create: Callable[[HttpRequest, Any, Any], Case],
                decision_schema: type[Schema],
                decide: Callable[[HttpRequest, Any, int, Any], Case],
                decision_path: str = "decision", related: tuple[str, ...] = (),
                prefetch: tuple[str, ...] = ()) -> Router:
    """The endpoints of one kind of case: the kind gives its schemas, how a case is made
    (`create(request, user, payload)`) and decided (`decide(request, user, id, payload)`);
    its handlers are `workflow.handler_roles` (units and the office, or institutions);
    `related` and `prefetch` name what the kind's `out` reads, fetched for a page at once."""
    router = Router(tags=tags)
    model, noun = workflow.model, workflow.model.NOUN

    @router.post("", auth=token_auth, response={201: out_schema, 403: Error, 404: Error, 422: Error},
                 summary=f"提出{noun}（主体本人）")
    def create_case(request: HttpRequest, payload: create_schema) -> Status[dict[str, Any]]:  # type: ignore[valid-type]
        user = require_role(request, Role.SUBJECT)
        return Status(201, out(create(request, user, payload)))
    page_schema = create_model(f"{out_schema.__name__}Page", __base__=Schema,
                               items=(list[out_schema], ...),  # type: ignore[valid-type]
                               total=(int, ...), page=(int, ...), page_size=(int, ...))
    staff = tuple(Role(r) for r in workflow.handler_roles)
    anyone = (Role.SUBJECT, *staff)

    @router.get("", auth=token_auth, response={200: page_schema, 403: Error, 422: Error},
                summary=f"{noun}列表：主体本人的申请；成员单位、信用办的待办")
    def list_cases(request: HttpRequest, filters: Query[CaseListFilters]) -> dict[str, Any]:
        user = require_role(request, *anyone)
        cases = (model.objects.visible_to(user).select_related("record", "unit", "subject", *related)
                 .prefetch_related(*prefetch))
        today = timezone.localdate()
        if filters.status == "open":
            cases = cases.open()
        elif filters.status == "closed":
            cases = cases.closed()
        elif filters.status:
            if filters.status not in model.STATUS:
                raise DomainError("status", f"应为 open、closed 或 {'、'.join(model.STATUS.values)}")
            cases = cases.filter(status=filters.status)
        if filters.overdue is not None:
            cases = cases.overdue(today) if filters.overdue else cases.not_overdue(today)
        total = cases.count()
        page = clamp(filters.page, total, filters.page_size)
        start = (page - 1) * filters.page_size
        return {"items": [out(x) for x in cases.order_by("due_by", "id")[start:start + filters.page_size]],
                "total": total, "page": page, "page_size": filters.page_size}

    @router.get("/by-code/{query_code}", auth=optional_auth, response={200: public_schema, 404: Error},
                summary=f"凭查询码查询{noun}进度（无需登录）")
    def by_code(request: HttpRequest, query_code: str) -> dict[str, Any]:
        case = model.objects.filter(query_code=timeline.normalize_code(query_code)).first()
        if case is None:
            found = find_by_code(query_code)
            if found is not None:  # a code of another kind: say which, and where to ask
                other, theirs = found
                raise DomainError("query_code", f"该查询码是{other.noun}的查询码，请通过 "
                                  f"/api/v1/{other.url_namespace}/by-code/{theirs.query_code} 查询",
                                  status=404)
            raise DomainError("query_code", "查询码不存在", status=404)
        return public(case)

    @router.get("/{int:case_id}", auth=token_auth, response={200: out_schema, 403: Error, 404: Error},
                summary=f"{noun}详情")
    def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
        user = require_role(request, *anyone)
        case = model.objects.visible_to(user).filter(pk=case_id).first()
        if case is None:
            raise DomainError("id", f"没有这个{noun}，或无权查看", status=404)
        return out(case)

    errors = {200: out_schema, 403: Error, 404: Error, 409: Error, 422: Error}

    @router.post("/{int:case_id}/accept", auth=token_auth, response=errors,
                 summary=f"受理或不予受理{noun}（不予受理须写明理由）")
    def accept(request: HttpRequest, case_id: int, payload: CaseAcceptIn | None = None) -> dict[str, Any]:
        user = require_role(request, *staff)
        payload = payload or CaseAcceptIn()
        return out(workflow.accept(case_id, user, payload.accept, payload.reason, request=request))

    @router.post("/{int:case_id}/material-request", auth=token_auth, response=errors,
                 summary="要求申请人补正材料（补正前期限暂停计算）")
    def request_material(request: HttpRequest, case_id: int, payload: CaseReasonIn) -> dict[str, Any]:
        user = require_role(request, *staff)
        return out(workflow.request_material(case_id, user, payload.reason, request=request))

    @router.post("/{int:case_id}/material", auth=token_auth, response=errors,
                 summary="申请人补正材料（说明和/或文件；期限按暂停的工作日顺延）")
    def supply_material(request: HttpRequest, case_id: int,
                        note: Form[str] = "",
                        files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
                        ) -> dict[str, Any]:
        user = require_role(request, Role.SUBJECT)
        return out(workflow.supply_material(case_id, user, note, list(files or []), request=request))

    @router.post("/{int:case_id}/evidence", auth=token_auth, response=errors,
                 summary=f"申请人上传证明材料（办理中；{evidence.types_label()}）")
    def add_evidence(request: HttpRequest, case_id: int,
                     files: File[list[UploadedFile]]) -> dict[str, Any]:
        user = require_role(request, Role.SUBJECT)
        return out(workflow.add_evidence(case_id, user, list(files), request=request))

    @router.post("/{int:case_id}/withdraw", auth=token_auth, response=errors,
                 summary=f"申请人撤回{noun}")
    def withdraw(request: HttpRequest, case_id: int, payload: CaseNoteIn | None = None
                 ) -> dict[str, Any]:
        user = require_role(request, Role.SUBJECT)
        reason = payload.reason if payload else ""
        return out(workflow.withdraw(case_id, user, reason, request=request))

    if workflow.takes_over:
        @router.post("/{int:case_id}/take-over", auth=token_auth, response=errors,
                     summary=f"信用办接办{noun}（此后成员单位不再办理）")
        def take_over(request: HttpRequest, case_id: int, payload: CaseReasonIn) -> dict[str, Any]:
            user = require_role(request, Role.OFFICE)
            return out(workflow.take_over(case_id, user, payload.reason, request=request))

    @router.post(f"/{{int:case_id}}/{decision_path}", auth=token_auth, response=errors,
                 summary=f"作出{noun}决定（{'、'.join(r.label for r in staff)}）")
    def decision(request: HttpRequest, case_id: int, payload: decision_schema) -> dict[str, Any]:  # type: ignore[valid-type]
        user = require_role(request, *staff)
        return out(decide(request, user, case_id, payload))

    return router
