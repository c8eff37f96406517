"""API: commitments (/api/v1/commitments): the templates in force, signing, approval and
verification (告知承诺), withdrawal, the public list of a subject's commitments and the
check of a letter by its number."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from xinyong.accounts.auth import caller, optional_auth, require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.commitments import services
from xinyong.commitments.models import Commitment
from xinyong.disclosure.queries import public_name
from xinyong.lib.apierrors import Error
from xinyong.lib.paging import clamp
from xinyong.reports import documents
from xinyong.subjects.models import Subject

router = Router(tags=["commitments"])

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


class CommitmentTemplateOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    text: str
    policy: str
    doc_number: str
    clause: str
    subject_kinds: list[str]
    breach_behavior: str | None
    verification_methods: list[str]
    verify_within_months: int | None
    public: bool
    needs_matter: bool
    needs_accepting_unit: bool


class CommitmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64)
    matter: str = Field(default="", max_length=500)
    accepting_unit: str | None = Field(default=None, max_length=18,
                                       description="受理单位的统一社会信用代码（告知承诺必填）")
    campaign: int | None = Field(default=None, description="经承诺活动邀请签署时，活动编号")


class CommitmentOut(Schema):
    id: int
    number: str
    template: str
    name: str
    kind: str
    kind_label: str
    policy: str
    doc_number: str
    clause: str
    subject_id: int
    subject_name: str
    code_masked: str
    matter: str
    accepting_unit: str | None
    accepting_unit_name: str | None
    public: bool
    status: str
    status_label: str
    signed_at: dt.datetime
    text: str
    campaign_id: int | None
    approval_no: str
    approved_on: dt.date | None
    verify_by: dt.date | None
    verified_on: dt.date | None
    method: str
    record_id: int | None
    withdrawn_on: dt.date | None
    # Only for those who see the commitment in full (the subject, the office, the unit).
    signer_name: str | None
    materials_replaced: str | None
    verification_note: str | None
    withdrawn_reason: str | None


class CommitmentPage(Schema):
    items: list[CommitmentOut]
    total: int
    page: int
    page_size: int


class CommitmentListIn(Schema):
    subject_id: int | None = None
    page: int = 1
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ApprovalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    approval_no: str = Field(min_length=1, max_length=200)
    approved_on: dt.date
    materials_replaced: str = Field(min_length=1, max_length=services.MAX_TEXT)
    verify_by: dt.date | None = Field(default=None, description="不填：按承诺书模板的核查期限推算")


class VerifyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    result: Literal["fulfilled", "breached"]
    method: Literal["书面核查", "网络核验", "实地调查", "公示核查"]
    note: str = Field(min_length=1, max_length=services.MAX_TEXT)
    behavior: str | None = Field(default=None, max_length=64,
                                 description="不填：承诺书模板规定的违诺失信行为")
    severity: Literal["minor", "general", "serious"] | None = None
    occurred_on: dt.date | None = None


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=services.MAX_TEXT)


class CommitmentCheckOut(Schema):
    number: str
    # Issued by the platform and its stored proof intact.
    valid: bool
    name: str
    kind_label: str
    subject_name: str
    code_masked: str
    signed_at: dt.datetime
    status: str
    status_label: str


def template_out(t: services.TemplateInForce) -> dict[str, Any]:
    tpl = t.template
    return {"code": tpl.code, "name": tpl.name, "kind": tpl.kind, "kind_label": t.kind_label,
            "text": tpl.text, "policy": t.policy, "doc_number": t.doc_number, "clause": tpl.clause,
            "subject_kinds": list(tpl.subject_kinds), "breach_behavior": tpl.breach_behavior,
            "verification_methods": list(tpl.verification_methods),
            "verify_within_months": tpl.verify_within_months, "public": tpl.public,
            "needs_matter": t.needs_matter, "needs_accepting_unit": t.needs_unit}


def out(c: Commitment, viewer: Any, full: bool | None = None) -> dict[str, Any]:
    """`full`: whether the viewer sees it in full (asked of the database when not given;
    a list asks once for the page)."""
    if full is None:
        full = Commitment.objects.in_full_for(viewer).filter(pk=c.pk).exists()
    unit = c.accepting_unit
    return {
        "id": c.pk, "number": c.number or "", "template": c.template, "name": c.name,
        "kind": c.kind, "kind_label": c.kind_label, "policy": c.policy, "doc_number": c.doc_number,
        "clause": c.clause, "subject_id": c.subject_id, "subject_name": c.subject_name,
        "code_masked": c.subject.code_masked, "matter": c.matter,
        "accepting_unit": unit.code if unit else None, "accepting_unit_name": unit.name if unit else None,
        "public": c.public, "status": c.status, "status_label": c.status_label,
        "signed_at": c.signed_at, "text": c.text, "campaign_id": c.campaign_id,
        "approval_no": c.approval_no, "approved_on": c.approved_on, "verify_by": c.verify_by,
        "verified_on": c.verified_on, "method": c.method, "record_id": c.breach_record_id,
        "withdrawn_on": c.withdrawn_on,
        "signer_name": c.signer_name if full else None,
        "materials_replaced": c.materials_replaced if full else None,
        "verification_note": c.verification_note if full else None,
        "withdrawn_reason": c.withdrawn_reason if full else None,
    }


def _rows() -> Any:
    return Commitment.objects.filter(number__isnull=False).select_related(
        "subject", "accepting_unit")


@router.get("/templates", response={200: list[CommitmentTemplateOut]},
            summary="施行中的信用承诺书模板（公开）")
def templates(request: HttpRequest) -> list[dict[str, Any]]:
    return [template_out(t) for t in services.templates_in_force(timezone.localdate())]


@router.post("", auth=token_auth, response={201: CommitmentOut, 401: Error, 403: Error, 422: Error},
             summary="签署信用承诺（信用主体）")
def sign(request: HttpRequest, payload: CommitmentIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.SUBJECT)
    c = services.sign(user, payload.template, matter=payload.matter,
                      accepting_unit=payload.accepting_unit, campaign=payload.campaign,
                      request=request)
    return Status(201, out(c, user))


@router.get("", auth=optional_auth, response={200: CommitmentPage, 404: Error},
            summary="信用承诺列表（公开：公示的承诺；本主体、受理单位、信用办看到更多）")
def list_commitments(request: HttpRequest, query: Query[CommitmentListIn]) -> dict[str, Any]:
    viewer = caller(request)
    rows = _rows().filter(pk__in=Commitment.objects.visible_to(viewer).values("pk"))
    if query.subject_id is not None:
        if not Subject.objects.visible_to(viewer).filter(pk=query.subject_id).exists():
            # As /subjects/{id}: no enumeration of persons.
            raise HttpError(404, "没有这个信用主体，或无权查看")
        rows = rows.filter(subject_id=query.subject_id)
    total = rows.count()
    page = clamp(query.page, total, query.page_size)
    start = (page - 1) * query.page_size
    shown = list(rows[start:start + query.page_size])
    in_full = set(Commitment.objects.in_full_for(viewer).filter(pk__in=[c.pk for c in shown])
                  .values_list("pk", flat=True))
    items = [out(c, viewer, c.pk in in_full) for c in shown]
    return {"items": items, "total": total, "page": page, "page_size": query.page_size}


@router.get("/by-number/{number}", response={200: CommitmentCheckOut, 404: Error},
            summary="按编号核验信用承诺书（公开）")
def by_number(request: HttpRequest, number: str) -> dict[str, Any]:
    found = documents.find(Commitment, number)
    if found is None:
        raise HttpError(404, "没有这个编号的信用承诺书")
    c: Any = found
    return {"number": c.number, "valid": c.proof_checks_out(), "name": c.name,
            "kind_label": c.kind_label, "subject_name": public_name(c.subject_name, c.subject.kind),
            "code_masked": c.subject.code_masked, "signed_at": c.signed_at,
            "status": c.status, "status_label": c.status_label}


@router.get("/{int:commitment_id}", auth=optional_auth, response={200: CommitmentOut, 404: Error},
            summary="一份信用承诺")
def detail(request: HttpRequest, commitment_id: int) -> dict[str, Any]:
    viewer = caller(request)
    c = Commitment.objects.visible_to(viewer).filter(pk=commitment_id, number__isnull=False).first()
    if c is None:
        raise HttpError(404, "没有这份信用承诺，或无权查看")
    return out(c, viewer)


@router.get("/{int:commitment_id}/pdf", auth=token_auth,
            response={200: None, 401: Error, 403: Error, 404: Error},
            summary="下载承诺书 PDF（本主体、受理单位、信用办）")
def pdf(request: HttpRequest, commitment_id: int) -> HttpResponse:
    user = require_role(request, Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
    c = services.download(user, commitment_id, request=request)
    return pdf_response(c)


def pdf_response(c: Commitment) -> HttpResponse:
    with c.pdf.open("rb") as f:
        response = HttpResponse(f.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commitment-{c.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@router.post("/{int:commitment_id}/approval", auth=token_auth,
             response={200: CommitmentOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="登记告知承诺的审批结果（受理单位、信用办）")
def approval(request: HttpRequest, commitment_id: int, payload: ApprovalIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    c = services.record_approval(user, commitment_id, payload.approval_no, payload.approved_on,
                                 payload.materials_replaced, payload.verify_by, request=request)
    return out(c, user)


@router.post("/{int:commitment_id}/verify", auth=token_auth,
             response={200: CommitmentOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="事中事后核查：已履约或未履约（未履约记为失信行为）")
def verify(request: HttpRequest, commitment_id: int, payload: VerifyIn) -> dict[str, Any]:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    c = services.verify(user, commitment_id, payload.result, payload.method, payload.note,
                        behavior=payload.behavior, severity=payload.severity,
                        occurred_on=payload.occurred_on, request=request)
    return out(c, user)


@router.post("/{int:commitment_id}/withdraw", auth=token_auth,
             response={200: CommitmentOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="撤销信用承诺（本主体撤回未审批的承诺；受理单位、信用办说明理由撤销）")
def withdraw(request: HttpRequest, commitment_id: int, payload: WithdrawIn) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
    c = services.withdraw(user, commitment_id, payload.reason, request=request)
    return out(c, user)

