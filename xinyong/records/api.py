"""API: credit records (/api/v1/records)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from xinyong.accounts.auth import caller, optional_auth, require_role, token_auth
from xinyong.accounts.models import Role, User
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import download
from xinyong.lists.api import MembershipOut
from xinyong.lists.models import Membership, describe
from xinyong.policies import rulebook
from xinyong.policies.schema import PENALTY_CATEGORIES, PenaltyCategory
from xinyong.records import imports, penalties, services, templates
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import ImportJob, Record, effective_status, publicity_end

router = Router(tags=["records"])


class SubjectIn(Schema):
    kind: Literal["organization", "individual_business", "person"]
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=40)


class Circumstances(Schema):
    force_majeure: bool = False
    epidemic_duty: bool = False


class AuthorityIn(Schema):
    name: str = Field(default="", max_length=200)
    code: str = Field(default="", max_length=40)


class LegalRepresentativeIn(Schema):
    """法定代表人: the name is published, the ID number only kept sealed and masked."""

    name: str = Field(default="", max_length=100)
    id_number: str = Field(default="", max_length=40)


class PenaltyIn(Schema):
    """行政处罚信息 as the national data standard (2021 版) names it; amounts in 万元."""

    category: list[PenaltyCategory] | PenaltyCategory
    content: str = Field(default="", max_length=2000)
    fine_wan: Decimal | None = Field(default=None, ge=0, le=penalties.MAX_AMOUNT_WAN)
    confiscated_wan: Decimal | None = Field(default=None, ge=0, le=penalties.MAX_AMOUNT_WAN)
    licence_affected: str = Field(default="", max_length=500)
    basis: str = Field(default="", max_length=2000)
    valid_until: dt.date | None = None
    authority: AuthorityIn = AuthorityIn()
    source_unit: AuthorityIn | None = None
    legal_representative: LegalRepresentativeIn | None = None
    remarks: str = Field(default="", max_length=2000)


class RecordIn(Schema):
    subject: SubjectIn
    behavior: str = Field(min_length=1, max_length=64)
    occurred_on: dt.date
    decided_on: dt.date
    decision_no: str = Field(min_length=1, max_length=200)
    facts: str = Field(default="", max_length=20000)
    # May be left out for a penalty: the packs derive it from `penalty`.
    severity: Literal["minor", "general", "serious"] | None = None
    circumstances: Circumstances = Circumstances()
    rectify_by: dt.date | None = None
    external_id: str | None = Field(default=None, max_length=100)
    # 违法行为类型 as in 双公示 files; packs map it to the kinds their exemptions name.
    violation_type: str = Field(default="", max_length=200)
    penalty: PenaltyIn | None = None
    # 不可抗力事实性证明编号 (with circumstances.force_majeure): an issued certificate of the subject.
    force_majeure_certificate: str = Field(default="", max_length=40)


class Publicity(Schema):
    starts_on: dt.date
    repairable_from: dt.date | None
    ends_on: dt.date | None


class TraceStep(Schema):
    policy: str
    doc_number: str = ""
    clause: str
    rule: str
    effect: str


class AuthorityOut(Schema):
    name: str
    code: str


class PenaltyOut(Schema):
    category: list[str]
    content: str
    fine_wan: float | None
    confiscated_wan: float | None
    licence_affected: str
    basis: str
    valid_until: dt.date | None
    authority: AuthorityOut
    source_unit: AuthorityOut
    legal_representative: str  # the name only: the ID number is never shown
    remarks: str


class RecordOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    code_masked: str
    unit: str
    behavior: str
    polarity: str
    severity: str
    # The packs derived the severity from the penalty (the trace names the rule).
    severity_derived: bool
    penalty: PenaltyOut | None
    occurred_on: dt.date
    decided_on: dt.date
    decision_no: str
    status: str
    status_label: str
    publicity: Publicity | None
    lists: list[str]
    trace: list[TraceStep]
    objection: str | None
    name_mismatch: bool
    version: int
    external_id: str | None
    rectify_by: dt.date | None
    violation_type: str
    rectified_on: dt.date | None
    rectification_note: str
    force_majeure_certificate: str
    # The first day it was no longer published, and why; memberships as they stand.
    publicity_ended_on: dt.date | None
    publicity_ended_why: str
    memberships: list[MembershipOut]


class CorrectIn(Schema):
    reason: str = Field(min_length=1, max_length=500)
    behavior: str | None = None
    occurred_on: dt.date | None = None
    decided_on: dt.date | None = None
    decision_no: str | None = Field(default=None, min_length=1, max_length=200)
    facts: str | None = None
    severity: Literal["minor", "general", "serious"] | None = None
    circumstances: Circumstances | None = None
    rectify_by: dt.date | None = None
    violation_type: str | None = Field(default=None, max_length=200)
    penalty: PenaltyIn | None = None


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class RectifiedIn(Schema):
    rectified_on: dt.date | None = None
    # 整改情况与证明材料: required when rectification takes the subject off a list.
    note: str = Field(default="", max_length=500)


def to_out(record: Record, today: dt.date | None = None, viewer: User | None = None
           ) -> dict[str, Any]:
    """A record for the API; `viewer` decides whether non-public list memberships show
    (the reporting unit, the office and the subject itself see them)."""
    today = today or timezone.localdate()
    status = effective_status(record, today)
    ended_on, ended_why = publicity_end(record, today)
    rows = Membership.objects.visible_to(viewer).filter(record=record)
    publicity = None
    if record.starts_on:
        publicity = {"starts_on": record.starts_on, "repairable_from": record.repairable_from,
                     "ends_on": record.ends_on}
    return {
        "id": record.pk, "subject_id": record.subject_id, "subject_name": record.subject.name,
        "code_masked": record.subject.code_masked, "unit": record.unit.name,
        "behavior": record.behavior, "polarity": record.polarity, "severity": record.severity,
        "severity_derived": record.severity_derived, "penalty": penalty_out(record.penalty),
        "occurred_on": record.occurred_on, "decided_on": record.decided_on,
        "decision_no": record.decision_no, "status": status, "status_label": RECORD_STATUS.label(status),
        "publicity": publicity, "lists": [e["code"] for e in record.lists],
        "trace": record.trace, "objection": "open" if record.objection_open else None,
        "name_mismatch": record.name_mismatch, "version": record.version,
        "external_id": record.external_id or None, "rectify_by": record.rectify_by,
        "violation_type": record.violation_type, "rectified_on": record.rectified_on,
        "rectification_note": record.rectification_note,
        "force_majeure_certificate": record.force_majeure_certificate,
        "publicity_ended_on": ended_on, "publicity_ended_why": ended_why,
        "memberships": describe(rows, today),
    }


def penalty_out(data: dict[str, Any] | None) -> dict[str, Any] | None:
    shown = penalties.public_view(data)
    if shown is None:
        return None
    for key in ("fine_wan", "confiscated_wan"):
        shown[key] = float(shown[key]) if shown.get(key) not in (None, "") else None
    shown.setdefault("source_unit", {"name": "", "code": ""})
    return shown


def penalty_in(payload: PenaltyIn | None) -> penalties.Penalty | None:
    """The API's penalty as a Penalty; codes checked, each problem named by its field."""
    if payload is None:
        return None
    category = payload.category if isinstance(payload.category, list) else [payload.category]
    if not category:
        raise DomainError("penalty.category", "至少填写一个处罚类别")
    source = payload.source_unit or AuthorityIn()
    rep = payload.legal_representative or LegalRepresentativeIn()
    return penalties.Penalty(
        category=tuple(c for c in PENALTY_CATEGORIES if c in category),
        content=payload.content.strip(), fine_wan=payload.fine_wan,
        confiscated_wan=payload.confiscated_wan, licence_affected=payload.licence_affected.strip(),
        basis=payload.basis.strip(), valid_until=payload.valid_until,
        authority_name=payload.authority.name.strip(),
        authority_code=penalties.check_authority_code(payload.authority.code,
                                                      "penalty.authority.code"),
        source_unit_name=source.name.strip(),
        source_unit_code=penalties.check_authority_code(source.code, "penalty.source_unit.code"),
        remarks=payload.remarks.strip(),
        legal_representative=penalties.legal_representative(
            rep.name, rep.id_number, "penalty.legal_representative.id_number"),
    )


def submission(payload: RecordIn) -> services.Submission:
    return services.Submission(
        subject_kind=payload.subject.kind, subject_name=payload.subject.name,
        subject_code=payload.subject.code, behavior=payload.behavior,
        occurred_on=payload.occurred_on, decided_on=payload.decided_on,
        decision_no=payload.decision_no.strip(), facts=payload.facts,
        severity=payload.severity or "", force_majeure=payload.circumstances.force_majeure,
        epidemic_duty=payload.circumstances.epidemic_duty, rectify_by=payload.rectify_by,
        external_id=(payload.external_id or "").strip(),
        violation_type=payload.violation_type.strip(), penalty=penalty_in(payload.penalty),
        force_majeure_certificate=payload.force_majeure_certificate.strip(),
    )


@router.post("", auth=token_auth, response={200: RecordOut, 201: RecordOut, 403: Error,
                                            422: Error}, summary="报送信用记录")
def create_record(request: HttpRequest, payload: RecordIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.DEPARTMENT)
    assert user.unit is not None
    record, created = services.submit(user.unit, submission(payload), actor=user,
                                      source="api", request=request)
    return Status(201 if created else 200, to_out(record, viewer=user))


def _get(request: HttpRequest, record_id: int) -> Record:
    record = (Record.objects.visible_to(caller(request)).select_related("subject", "unit", "ruling")
              .filter(pk=record_id).first())
    if record is None:
        raise HttpError(404, "没有这条信用记录，或无权查看")
    return record


def _own(request: HttpRequest, record_id: int) -> tuple[User, Record]:
    user = require_role(request, Role.DEPARTMENT)
    record = _get(request, record_id)
    if record.unit_id != user.unit_id:
        raise HttpError(403, "只能处理本单位报送的记录")
    return user, record


@router.get("/{int:record_id}", auth=optional_auth, response={200: RecordOut, 404: Error},
            summary="信用记录及其认定依据")
def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
    return to_out(_get(request, record_id), viewer=caller(request))


@router.post("/{int:record_id}/rectified", auth=token_auth,
             response={200: RecordOut, 403: Error, 404: Error, 422: Error},
             summary="登记整改完成（暂缓记录按期整改；重点关注名单等因整改移出）")
def rectified(request: HttpRequest, record_id: int, payload: RectifiedIn | None = None
              ) -> dict[str, Any]:
    user, record = _own(request, record_id)
    on = (payload.rectified_on if payload else None) or timezone.localdate()
    record = services.mark_rectified(record, on, note=payload.note if payload else "",
                                     actor=user, request=request)
    return to_out(record, viewer=user)


@router.post("/{int:record_id}/correct", auth=token_auth,
             response={200: RecordOut, 403: Error, 404: Error, 422: Error},
             summary="更正本单位的记录（保留历史版本，重新认定）")
def correct(request: HttpRequest, record_id: int, payload: CorrectIn) -> dict[str, Any]:
    user, record = _own(request, record_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason")
    circumstances = changes.pop("circumstances", None)
    if circumstances:
        changes.update(circumstances)
    if "penalty" in changes:
        changes["penalty"] = penalty_in(payload.penalty)
    if "severity" in changes and changes["severity"] is None:
        changes["severity"] = ""  # null: derive it again from the penalty
    if not changes:
        raise DomainError("body", "没有要更正的字段")
    record = services.correct(record, changes, reason, actor=user, request=request)
    return to_out(record, viewer=user)


@router.post("/{int:record_id}/withdraw", auth=token_auth,
             response={200: RecordOut, 403: Error, 404: Error, 422: Error},
             summary="撤销本单位的记录")
def withdraw(request: HttpRequest, record_id: int, payload: ReasonIn) -> dict[str, Any]:
    user, record = _own(request, record_id)
    record = services.withdraw(record, payload.reason, actor=user, request=request)
    return to_out(record, viewer=user)


imports_router = Router(tags=["imports"])


class ImportQueued(Schema):
    id: int


class ImportError(Schema):
    row: int
    field: str
    msg: str


class ImportOut(Schema):
    id: int
    status: str
    file_name: str
    total: int
    processed: int
    accepted: int
    duplicates: int
    rejected: int
    message: str
    errors: list[ImportError]


@imports_router.post("", auth=token_auth, response={202: ImportQueued, 403: Error, 422: Error},
                     summary="上传批量文件（CSV 或 XLSX，UTF-8 或 GBK）")
def create_import(request: HttpRequest, file: UploadedFile = File(...),  # noqa: B008
                  accept_partial: bool = Form(False),
                  default_severity: str | None = Form(None)
                  ) -> Status[dict[str, int]]:
    user = require_role(request, Role.DEPARTMENT)
    assert user.unit is not None
    job = imports.create_job(user.unit, file, actor=user, accept_partial=accept_partial,
                             default_severity=default_severity or None, request=request)
    return Status(202, {"id": job.pk})


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    user = require_role(request, Role.DEPARTMENT, Role.OFFICE)
    job = ImportJob.objects.visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise DomainError("id", "没有这个导入任务，或无权查看", status=404)
    return job


@imports_router.get("/{int:job_id}", auth=token_auth,
                    response={200: ImportOut, 403: Error, 404: Error}, summary="导入进度与结果")
def get_import(request: HttpRequest, job_id: int) -> ImportJob:
    return _job(request, job_id)


@imports_router.get("/{int:job_id}/errors.csv", auth=token_auth,
                    response={200: None, 403: Error, 404: Error}, summary="下载错误行清单")
def import_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    content, name = imports.error_download(job, request=request)
    return download(content, name, "text/csv; charset=utf-8")


@imports_router.get("/template.csv", auth=optional_auth, response={200: None},
                    summary="下载批量文件模板（带成员单位令牌时按本单位辖区给出行为和示例行）")
def import_template(request: HttpRequest) -> HttpResponse:
    user = caller(request)
    today = timezone.localdate()
    unit = getattr(user, "unit", None)
    choices = templates.offers(rulebook.current(), unit.region if unit else None, today,
                               everywhere=getattr(user, "role", None) == Role.OFFICE)
    return download(templates.as_csv(choices, today), "信用记录导入模板.csv",
                    "text/csv; charset=utf-8")
