"""API: credit reports (/api/v1/subjects/{id}/report, /api/v1/reports)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.reports import choices as c
from xinyong.reports import services
from xinyong.reports.models import Report
from xinyong.subjects.models import Subject

# /api/v1/subjects/{id}/report belongs here, beside the rest of the reports.
subject_router = Router(tags=["reports"])
router = Router(tags=["reports"])

# A report is a few hundred kilobytes at most; anything much larger is not one of ours.
MAX_UPLOAD = 20 * 1024 * 1024


class ReportQuery(Schema):
    version: Literal["public", "full"] = "public"
    # Required when the office issues a report (what it is for: audited, in the issue log).
    purpose: str = ""


@subject_router.get(
    "/{int:subject_id}/report", auth=token_auth,
    response={200: None, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="下载信用报告（PDF；主体本人或信用办）",
    description="出具一份新的公共信用信息报告（application/pdf），响应头 X-Report-Number 为报告编号。"
                "version=public（公开版，默认）或 full（完整版，仅本人及信用办）；信用办须填写 purpose。",
)
def subject_report(request: HttpRequest, subject_id: int, query: Query[ReportQuery]) -> HttpResponse:
    user = require_role(request, Role.SUBJECT, Role.OFFICE, Role.INSTITUTION)
    subject = Subject.objects.visible_to(user).filter(pk=subject_id).first()
    if subject is None:
        raise HttpError(404, "没有这个信用主体，或无权查看")
    issued = services.issue(subject, requester=user, version=query.version,
                            channel=c.OFFICE if user.role == Role.OFFICE else c.API,
                            purpose=query.purpose, request=request)
    return services.pdf_response(issued)


class ReportStatusOut(Schema):
    number: str
    # Issued by the platform, its proof intact, not revoked, within its validity.
    valid: bool
    verdict: Literal["genuine", "altered", "revoked", "expired", "unknown"]
    detail: str
    # A person's name is shown masked (张*).
    subject_name: str
    code_masked: str
    version: str
    issued_at: dt.datetime
    valid_until: dt.date
    sha256: str
    revoked: bool
    revoked_at: dt.datetime | None
    revoke_reason: str


class VerifyOut(Schema):
    # Whether the number the file carries is that of a report in force.
    valid: bool
    number: str | None
    # Whether the file is byte for byte the report the platform issued.
    unaltered: bool
    verdict: Literal["genuine", "altered", "revoked", "expired", "unknown"]
    detail: str
    subject_name: str | None = None
    issued_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    revoked: bool = False
    revoke_reason: str = ""


@router.post("/verify", response={200: VerifyOut, 422: Error},
             summary="核验报告文件（上传 PDF，判断是否与平台出具的完全一致）")
def verify(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    if file.size is not None and file.size > MAX_UPLOAD:
        raise DomainError("file", f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB，不是本平台出具的信用报告")
    return services.verify_file(file.read())


class LogOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    version: str
    channel: str
    purpose: str
    place: str
    requested_by: str | None
    issued_at: dt.datetime
    valid_until: dt.date
    pages: int
    sha256: str
    revoked_at: dt.datetime | None
    revoke_reason: str


def log_row(report: Report) -> dict[str, Any]:
    return {
        "number": report.number, "subject_id": report.subject_id, "subject_name": report.subject_name,
        "version": report.version, "channel": report.channel, "purpose": report.purpose,
        "place": report.place,
        "requested_by": report.requested_by.label if report.requested_by else None,
        "issued_at": report.issued_at, "valid_until": report.valid_until, "pages": report.pages,
        "sha256": report.sha256, "revoked_at": report.revoked_at,
        "revoke_reason": report.revoke_reason,
    }


class LogQuery(Schema):
    subject_id: int | None = None


@router.get("", auth=token_auth, response={200: list[LogOut], 403: Error},
            summary="报告出具记录（信用办：全部；主体：本主体的）")
def issue_log(request: HttpRequest, query: Query[LogQuery]) -> list[dict[str, Any]]:
    user = require_role(request, Role.OFFICE, Role.SUBJECT)
    rows = Report.objects.visible_to(user).select_related("requested_by")
    if query.subject_id is not None:
        rows = rows.filter(subject_id=query.subject_id)
    return [log_row(r) for r in rows[:200]]


@router.get("/{number}", response={200: ReportStatusOut, 404: Error},
            summary="按编号核验报告（公开）")
def by_number(request: HttpRequest, number: str) -> dict[str, Any]:
    report = services.find(number)
    if report is None:
        raise HttpError(404, f"平台未出具过编号为 {number[:40]} 的报告")
    return services.status_of(report)


class RevokeIn(Schema):
    reason: str


@router.post("/{number}/revoke", auth=token_auth,
             response={200: ReportStatusOut, 403: Error, 404: Error, 409: Error, 422: Error},
             summary="撤销报告（信用办，须说明原因）")
def revoke(request: HttpRequest, number: str, payload: RevokeIn) -> dict[str, Any]:
    user = require_role(request, Role.OFFICE)
    report = services.find(number)
    if report is None:
        raise HttpError(404, f"平台未出具过编号为 {number[:40]} 的报告")
    services.revoke(report, payload.reason, actor=user, request=request)
    return services.status_of(Report.objects.select_related("subject").get(pk=report.pk))

