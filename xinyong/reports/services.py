"""Issuing, verifying and revoking credit reports: the one place for each of these rules.

Who may get a report (`check_requester`): the subject's own users, either version; the
office, for any subject, with a stated purpose; a self-service terminal, the report its
pickup code was asked for (kiosk app); an institution, either version, under a live grant
of the subject whose scope has `report` (信易贷: the issue is one of the grant's reads).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.reports import choices as c
from xinyong.reports import content as report_content
from xinyong.reports import pdf, signing
from xinyong.reports.models import NUMBER_RE, Report, new_number, normalize_number
from xinyong.subjects.models import Subject

PURPOSE_MAX = 200


@dataclass(frozen=True)
class Issued:
    report: Report
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"信用报告-{self.report.number}.pdf"


def pdf_response(issued: Issued, *, inline: bool = False) -> HttpResponse:
    """The issued report as the download (pages, the API, kiosks): not cached, with its
    number in `X-Report-Number`."""
    from urllib.parse import quote

    response = HttpResponse(issued.pdf, content_type="application/pdf")
    response["X-Report-Number"] = issued.report.number
    response["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename=\"report-{issued.report.number}.pdf\"; "
        f"filename*=UTF-8''{quote(issued.filename)}")
    response["Cache-Control"] = "no-store"
    return response


def check_requester(user: Any, subject: Subject, version: str, channel: str, purpose: str) -> Any:
    """Refuse (DomainError) a request the rules do not allow; nothing else decides this.
    An institution's request returns the grant it is made under (信易贷), else None."""
    if version not in c.VERSION:
        raise DomainError("version", f"报告版本只能是 {'、'.join(v.value for v in c.VERSION)}")
    if channel == c.KIOSK:
        return None  # the pickup code was asked for by the subject's own user (kiosk.services)
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    if role == Role.SUBJECT and user.subject_id == subject.pk:
        return None
    if role == Role.OFFICE:
        if not purpose.strip():
            raise DomainError("purpose", "信用办出具报告须说明用途（如：评优评先审核）")
        if len(purpose) > PURPOSE_MAX:
            raise DomainError("purpose", f"用途不超过 {PURPOSE_MAX} 个字")
        return None
    if role == Role.INSTITUTION:
        from xinyong.grants import services as grants

        grant = grants.live_grant(user, subject)
        if "report" not in grants.scope_of(grant):
            raise DomainError("", "没有该主体授权本机构获取信用报告的有效授权（信易贷授权查询）",
                              status=403)
        return grant
    if role is None:
        raise DomainError("", "请先登录：信用报告由主体本人下载或由信用办出具", status=401)
    raise DomainError("", "只有主体本人和信用办可以获取该主体的信用报告", status=403)


def verification_url(number: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + reverse("reports:check", args=[number])


def issue(subject: Subject, *, requester: Any, version: str = c.PUBLIC, channel: str = c.WEB,
          purpose: str = "", place: str = "", request: HttpRequest | None = None,
          actor: Any = None) -> Issued:
    """Build, sign and log one report; the PDF's bytes go to the caller and are not kept.

    `requester` is whose request it is (for a kiosk, the subject's user who asked for the
    pickup code); `actor` who is acting, when another (audit). Nothing is written unless
    the whole report was made."""
    grant = check_requester(requester, subject, version, channel, purpose)
    if grant is not None:
        purpose = purpose.strip() or f"依授权 #{grant.pk}：{grant.purpose}"[:PURPOSE_MAX]
    issued_at = timezone.localtime().replace(microsecond=0)
    as_of = issued_at.date()
    valid_until = as_of + dt.timedelta(days=settings.REPORT_VALID_DAYS)
    body = report_content.build(subject, version=version, as_of=as_of)
    for _attempt in range(3):
        number = new_number(as_of)
        try:
            document = pdf.render(body, number=number, issued_at=issued_at,
                                  valid_until=valid_until, verify_url=verification_url(number))
        except pdf.FontMissing as exc:
            raise DomainError("", f"暂时无法出具报告：{exc}", status=503) from None
        report = Report(
            number=number, subject=subject, subject_name=subject.name,
            code_masked=subject.code_masked, version=version, channel=channel,
            purpose=purpose.strip(), place=place, issued_at=issued_at, valid_until=valid_until,
            requested_by=requester if getattr(requester, "is_authenticated", False) else None,
            pages=document.pages, size=len(document.data),
            sha256=hashlib.sha256(document.data).hexdigest())
        report.signature = signing.sign(report.signed_message())
        try:
            with transaction.atomic():
                report.save()
                audit("report.issue", request=request, actor=actor or requester, obj=report,
                      summary=f"出具信用报告 {number}（{c.VERSION.label(version)}，"
                              f"{subject.name if not subject.is_person else subject.code_masked}）",
                      detail={"channel": channel, "version": version, "purpose": report.purpose,
                              "place": place, "subject_id": subject.pk})
                if grant is not None:  # shown to the subject among the reads of the grant
                    from xinyong.grants import services as grants

                    grants.log_read(grant, requester, ["report"], "web" if channel == c.WEB else "api",
                                    detail=f"信用报告 {number}（{c.VERSION.label(version)}）",
                                    request=request)
        except IntegrityError:  # the same 70-bit number twice: draw another
            continue
        return Issued(report, document.data)
    raise RuntimeError("could not draw an unused report number")


def revoke(report: Report, reason: str, *, actor: Any, request: HttpRequest | None = None) -> Report:
    """撤销: the office withdraws a report (issued by mistake, data since corrected …)."""
    if getattr(actor, "role", None) != Role.OFFICE:
        raise DomainError("", "只有信用办可以撤销报告", status=403)
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "请填写撤销原因")
    if len(reason) > 500:
        raise DomainError("reason", "撤销原因不超过 500 个字")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.revoked:
            when = timezone.localtime(locked.revoked_at)
            raise DomainError("", f"报告 {locked.number} 已于 {when:%Y-%m-%d %H:%M} 撤销", status=409)
        locked.revoked_at, locked.revoked_by, locked.revoke_reason = timezone.now(), actor, reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit("report.revoke", request=request, actor=actor, obj=locked,
              summary=f"撤销信用报告 {locked.number}：{reason}")
    return locked


# -- verification (报告核验): public ------------------------------------------------------

def public_name(report: Report) -> str:
    """Whose report it is, as verification shows it: a person's name masked (张*、欧阳**),
    as every public page masks it."""
    from xinyong.disclosure.queries import public_name as masked

    return masked(report.subject_name, report.subject.kind)


def find(number: str) -> Report | None:
    number = normalize_number(number)
    if not NUMBER_RE.fullmatch(number):
        return None
    return Report.objects.select_related("subject").filter(number=number).first()


def verdict(report: Report | None, today: dt.date | None = None) -> str:
    """What a number stands for today: unknown, altered (its stored proof does not check
    out), revoked, expired or genuine."""
    if report is None:
        return c.UNKNOWN
    if not signing.verify(report.signed_message(), report.signature):
        return c.ALTERED
    if report.revoked:
        return c.REVOKED
    if report.expired_on(today or timezone.localdate()):
        return c.EXPIRED
    return c.GENUINE


def status_of(report: Report, *, unaltered: bool | None = None) -> dict[str, Any]:
    """What anyone may learn from a report's number: valid or not, whose, when; with
    `unaltered`, also whether an uploaded file is exactly that report."""
    of_number = verdict(report)
    found = c.ALTERED if unaltered is False else of_number
    data = {
        "number": report.number, "valid": of_number == c.GENUINE,
        "verdict": found, "detail": c.VERDICT.label(found),
        "subject_name": public_name(report), "code_masked": report.code_masked,
        "version": report.version, "issued_at": report.issued_at,
        "valid_until": report.valid_until, "sha256": report.sha256,
        "revoked": report.revoked, "revoked_at": report.revoked_at,
        "revoke_reason": report.revoke_reason,
    }
    if unaltered is not None:
        data["unaltered"] = unaltered and of_number != c.ALTERED
    return data


# The number as the PDF's metadata carries it (pdf.render), and as printed on its pages.
KEYWORD_RE = re.compile(rb"xinyong-report:(\d{8}[0-9A-HJKMNP-TV-Z]{14})")


def number_in(data: bytes) -> str | None:
    """The report number a PDF claims to be: from its metadata, else from its text."""
    found = KEYWORD_RE.search(data)
    if found:
        return found.group(1).decode()
    try:
        import io

        from pypdf import PdfReader

        text = PdfReader(io.BytesIO(data)).pages[0].extract_text() or ""
    except Exception:
        return None
    match = NUMBER_RE.search(text.replace(" ", ""))
    return match.group(0) if match else None


def verify_file(data: bytes) -> dict[str, Any]:
    """Is this file exactly a report the platform issued? The sha256 of its bytes finds it;
    a file whose hash is unknown but which names a number is an altered copy of that one."""
    digest = hashlib.sha256(data).hexdigest()
    report = Report.objects.select_related("subject").filter(sha256=digest).first()
    if report is not None:
        return status_of(report, unaltered=True)
    number = number_in(data)
    claimed = find(number) if number else None
    if claimed is None:
        return {"number": number, "valid": False, "unaltered": False, "verdict": c.UNKNOWN,
                "detail": c.VERDICT.label(c.UNKNOWN) if number else
                "无法从文件中读出报告编号：不是本平台出具的信用报告"}
    return status_of(claimed, unaltered=False)
