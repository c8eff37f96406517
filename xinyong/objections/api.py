"""API: objections (/api/v1/objections): the objection and the decision with corrections;
the steps every case shares come from casework's router factory."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from xinyong.casework.api import Step, case_router, common_out, public_out
from xinyong.casework.services import MAX_NOTE
from xinyong.objections import services


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
    material_request: str
    taken_over: bool
    decided_on: dt.date | None
    decision_reason: str
    remedy: str | None
    policy: str
    clause: str
    timeline: list[Step]


class PublicObjectionOut(Schema):
    query_code: str
    status: str
    status_label: str
    submitted_on: dt.date
    due_by: dt.date
    decided_on: dt.date | None
    timeline: list[Step]


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
    reason: str = Field(min_length=1, max_length=MAX_NOTE)
    corrections: CorrectionsIn | None = None


def out(case: Any) -> dict[str, Any]:
    return common_out(case) | {
        "decision_no": case.record.decision_no, "repair_id": case.repair_id,
        "reason": case.reason, "evidence": case.evidence_text,
        "decision_reason": case.decision_reason, "remedy": case.remedy or None,
    }


def decide(request: HttpRequest, user: Any, case_id: int, payload: ObjectionDecisionIn) -> Any:
    corrections = payload.corrections.model_dump(exclude_none=True) if payload.corrections else None
    return services.workflow.decide(case_id, user, payload.decision, payload.reason,
                                    corrections=corrections, request=request)


def create(request: HttpRequest, user: Any, payload: ObjectionIn) -> Any:
    return services.submit(user, payload.record_id, payload.reason, evidence=payload.evidence,
                           repair_id=payload.repair_id, request=request)


router = case_router(services.workflow, tags=["objections"], out_schema=ObjectionOut, out=out,
                     public_schema=PublicObjectionOut, public=public_out,
                     create_schema=ObjectionIn, create=create,
                     decision_schema=ObjectionDecisionIn, decide=decide)
