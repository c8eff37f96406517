"""API: credit repair (/api/v1/repairs): the application and the claim check; the steps
every case shares come from casework's router factory."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.casework.api import Step, case_router, common_out, public_out
from xinyong.casework.services import MAX_NOTE
from xinyong.lib.apierrors import Error
from xinyong.repairs import services


class RepairIn(Schema):
    record_id: int
    statement: str = Field(min_length=1, max_length=services.MAX_STATEMENT)
    commitment: bool
    green_flags: list[str] = []
    # 不可抗力事实性证明编号 (optional): an issued certificate of the same subject.
    force_majeure_certificate: str = Field(default="", max_length=40)


class RepairOut(Schema):
    id: int
    query_code: str
    record_id: int
    unit: str
    status: str
    status_label: str
    channel: Literal["green", "standard"]
    # Why: "record" (the record qualifies), "claim" (the applicant's claim, checked by the
    # officer: claim_status pending, confirmed or moved) or "" (standard).
    channel_basis: str
    channel_note: str
    claim_status: str
    force_majeure_certificate: str
    submitted_on: dt.date
    accept_by: dt.date
    accepted_on: dt.date | None
    due_by: dt.date
    overdue: bool
    material_request: str
    decided_on: dt.date | None
    # The reason of the decision (or of the refusal to accept).
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


class RepairChannelIn(Schema):
    decision: Literal["confirm", "standard"]
    reason: str = Field(default="", max_length=MAX_NOTE)


class RepairDecisionIn(Schema):
    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=MAX_NOTE)


def out(case: Any) -> dict[str, Any]:
    return common_out(case) | {
        "channel": case.channel, "channel_basis": case.channel_basis,
        "channel_note": case.channel_note, "claim_status": case.claim_status,
        "force_majeure_certificate": case.force_majeure_certificate,
        "reason": case.decision_reason,
    }


def public(case: Any) -> dict[str, Any]:
    return public_out(case) | {"channel": case.channel, "claim_status": case.claim_status}


def decide(request: HttpRequest, user: Any, case_id: int, payload: RepairDecisionIn) -> Any:
    return services.workflow.decide(case_id, user, payload.decision, payload.reason, request=request)


def create(request: HttpRequest, user: Any, payload: RepairIn) -> Any:
    return services.apply(user, payload.record_id, payload.statement, payload.commitment,
                          green_flags=payload.green_flags,
                          force_majeure_certificate=payload.force_majeure_certificate,
                          request=request)


router = case_router(services.workflow, tags=["repairs"], out_schema=RepairOut, out=out,
                     public_schema=PublicRepairOut, public=public,
                     create_schema=RepairIn, create=create,
                     decision_schema=RepairDecisionIn, decide=decide)


@router.post("/{int:case_id}/channel", auth=token_auth,
             response={200: RepairOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="核实申请人自报的绿色通道情形：属实，或转入标准渠道（须说明理由）")
def review_channel(request: HttpRequest, case_id: int, payload: RepairChannelIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    return out(services.review_claim(case_id, user, payload.decision, payload.reason,
                                     request=request))


