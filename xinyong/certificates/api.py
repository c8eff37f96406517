"""API: force-majeure certificates (/api/v1/force-majeure): the application, the decision
(issue or refuse) and the public verification by number; the steps every case shares come
from casework's router factory."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from xinyong.accounts.auth import optional_auth
from xinyong.casework.api import Step, case_router, common_out, public_out
from xinyong.casework.services import MAX_NOTE
from xinyong.certificates import services
from xinyong.certificates.models import Certificate
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError


class CertificateIn(Schema):
    contract_no: str = Field(min_length=1, max_length=100)
    counterparty: str = Field(min_length=1, max_length=200)
    event: str = Field(min_length=1, max_length=300)
    facts: str = Field(min_length=1, max_length=services.MAX_FACTS)
    counterparty_region: str = Field(default="", max_length=100)
    contract_date: dt.date | None = None
    goods: str = Field(default="", max_length=300)


class CertificateOut(Schema):
    id: int
    query_code: str
    # submitted, accepted, awaiting_material, issued, not_issued (不予出具), refused (不予受理),
    # withdrawn
    status: str
    status_label: str
    unit: str
    contract_no: str
    contract_date: dt.date | None
    goods: str
    counterparty: str
    counterparty_region: str
    event: str
    facts: str
    submitted_on: dt.date
    accept_by: dt.date
    accepted_on: dt.date | None
    due_by: dt.date
    overdue: bool
    material_request: str
    taken_over: bool
    decided_on: dt.date | None
    reason: str
    certificate_number: str | None
    issued_at: dt.datetime | None
    policy: str
    clause: str
    timeline: list[Step]


class PublicCertificateOut(Schema):
    query_code: str
    status: str
    status_label: str
    submitted_on: dt.date
    due_by: dt.date
    decided_on: dt.date | None
    timeline: list[Step]


class CertificateDecisionIn(Schema):
    decision: Literal["issue", "refuse"]
    reason: str = Field(min_length=1, max_length=MAX_NOTE)


class CertificateCheckOut(Schema):
    valid: bool
    number: str
    subject_name: str
    issued_at: dt.datetime
    contract_no: str
    counterparty: str
    counterparty_region: str
    event: str
    issued_by: str


def out(case: Any) -> dict[str, Any]:
    issued = case.is_issued
    return common_out(case) | {
        "contract_no": case.contract_no, "contract_date": case.contract_date, "goods": case.goods,
        "counterparty": case.counterparty, "counterparty_region": case.counterparty_region,
        "event": case.event, "facts": case.facts, "reason": case.decision_reason,
        "certificate_number": case.number if issued else None,
        "issued_at": case.issued_at if issued else None,
    }


def create(request: HttpRequest, user: Any, payload: CertificateIn) -> Any:
    return services.submit(user, payload.contract_no, payload.counterparty, payload.event,
                           payload.facts, counterparty_region=payload.counterparty_region,
                           contract_date=payload.contract_date, goods=payload.goods,
                           request=request)


def decide(request: HttpRequest, user: Any, case_id: int, payload: CertificateDecisionIn) -> Any:
    return services.workflow.decide(case_id, user, payload.decision, payload.reason, request=request)


router = case_router(services.workflow, tags=["force-majeure"], out_schema=CertificateOut, out=out,
                     public_schema=PublicCertificateOut, public=public_out,
                     create_schema=CertificateIn, create=create,
                     decision_schema=CertificateDecisionIn, decide=decide)


def check_out(cert: Certificate) -> dict[str, Any]:
    return {"valid": services.is_valid(cert), "number": cert.number,
            "subject_name": cert.subject_name, "issued_at": cert.issued_at,
            "contract_no": cert.contract_no, "counterparty": cert.counterparty,
            "counterparty_region": cert.counterparty_region, "event": cert.event,
            "issued_by": cert.handling_unit}


@router.get("/certificates/{number}", auth=optional_auth,
            response={200: CertificateCheckOut, 404: Error},
            summary="凭编号核验不可抗力事实性证明（无需登录）")
def check(request: HttpRequest, number: str) -> dict[str, Any]:
    cert = services.find(number)
    if cert is None:
        raise DomainError("number", "平台没有出具过这个编号的不可抗力事实性证明", status=404)
    return check_out(cert)
