"""Web pages of force-majeure certificates (不可抗力事实性证明): the exporter's applications
and the form to apply, the certificate's PDF, the public verification by number (where the
QR code leads), the office's statistics, and (from casework) the queue, the case page and
the progress query by 查询码. The rules are in services; these views only call them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.audit.models import record as audit
from xinyong.casework.models import Case
from xinyong.casework.pending import PendingFiles
from xinyong.casework.views import CaseViews, mark
from xinyong.certificates import choices, services
from xinyong.certificates.forms import ApplyForm, DecisionForm, NumberForm
from xinyong.certificates.models import Certificate
from xinyong.lib.errors import DomainError
from xinyong.policies.rulebook import Rulebook
from xinyong.reports import documents


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CertificateViews(CaseViews):
    workflow = services.workflow
    templates = "certificates"
    title = "不可抗力事实性证明办理"
    decide_form = DecisionForm
    track_example = "BK7K2M9QH3PW4T"
    mine_title = "我的不可抗力证明"

    def receipt_rows(self, case: Case) -> list[tuple[str, str]]:
        cert: Any = case
        region = f"（{cert.counterparty_region}）" if cert.counterparty_region else ""
        # A foreign buyer's name and a contract number are data, not words to translate.
        return [("合同编号", format_html('<span translate="no">{}</span>', cert.contract_no)),
                ("合同相对方", format_html('<span translate="no">{}</span>{}', cert.counterparty, region)),
                ("不可抗力事件", cert.event)]

    def detail_context(self, case: Case, user: User, today: dt.date, book: Rulebook) -> dict[str, Any]:
        cert: Any = case
        return {"basis": services.basis_text(cert.service_policy, cert.service_clause),
                "issued": cert.status == choices.ISSUED and cert.is_issued,
                "evidence_kinds": choices.EVIDENCE_KINDS}


case_views = CertificateViews()


# --- the applicant's pages -------------------------------------------------------------------

@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的不可抗力证明: the subject's applications and certificates, newest first."""
    user = _user(request)
    today = timezone.localdate()
    cases = (Certificate.objects.visible_to(user).select_related("unit")
             .order_by("-submitted_on", "-id"))
    return render(request, "certificates/mine.html", {
        "cases": [mark(x, today) for x in cases], "offered": services.offered(today),
        "not_offered": services.not_offered_message(today),
    })


@role_required(Role.SUBJECT)
def apply(request: HttpRequest) -> HttpResponse:
    """申请不可抗力事实性证明 (exporters), while a pack in force offers the service."""
    user = _user(request)
    today = timezone.localdate()
    posted = request.method == "POST"
    pending = PendingFiles(request)
    form = ApplyForm(request.POST if posted else None, request.FILES if posted else None,
                     pending=pending)
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                cert = services.submit(
                    user, data["contract_no"], data["counterparty"], data["event"], data["facts"],
                    counterparty_region=data["counterparty_region"],
                    contract_date=data["contract_date"], goods=data["goods"],
                    files=data["evidence"], request=request)
            except DomainError as exc:
                form.service_error(exc)
                if exc.field in ("service", "subject"):
                    # No change to this form helps: no file is kept for it.
                    pending.done()
                    form.accepted_uploads = []
            else:
                pending.done()
                messages.success(request, (
                    f"申请已提交，查询码 {cert.query_code}（请记下，可凭此查询进度）。"
                    f"{cert.unit_name}将于 {cert.accept_by:%Y-%m-%d} 前决定是否受理。"))
                return redirect("certificates:receipt", case_id=cert.pk)
        pending.keep(form.accepted_uploads)  # sent back: the files need not be chosen again
    offer = services.offered(today)
    rules = basis = None
    if offer is not None:
        try:
            entry, rules = services.rules_for(today)
            basis = services.basis_text(entry.pack.id, rules.clause)
        except DomainError:
            rules = None
    subject = getattr(user, "subject", None)
    return render(request, "certificates/apply.html", {
        "form": form, "pending": pending, "offer": offer, "rules": rules, "basis": basis,
        "service_basis": services.basis_text(offer[0].pack.id, offer[1].clause) if offer else "",
        "not_offered": services.not_offered_message(today),
        "eligible": subject is not None and subject.kind in services.APPLICANT_KINDS,
        "evidence_kinds": choices.EVIDENCE_KINDS,
    }, status=422 if form.errors else 200)


@role_required(Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
def certificate_pdf(request: HttpRequest, case_id: int) -> FileResponse:
    """The issued certificate (PDF) as signed: for the applicant, the issuing unit and the
    office; every download audited."""
    cert = (Certificate.objects.visible_to(_user(request)).filter(pk=case_id).first())
    if cert is None:
        raise Http404("没有这个不可抗力事实性证明申请，或无权查看")
    if cert.status != choices.ISSUED or not cert.is_issued or not cert.pdf:
        raise Http404("该申请尚未出具证明")
    response = documents.pdf_response(cert, f"不可抗力事实性证明-{cert.number}.pdf")
    audit("certificate.pdf_download", request=request, obj=cert,
          summary=f"下载不可抗力事实性证明 {cert.number}（{cert.query_code}）")
    return response


# --- public verification ---------------------------------------------------------------------

def verify(request: HttpRequest) -> HttpResponse:
    """证明核验 (public): enter a certificate's number."""
    form = NumberForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("certificates:check", number=form.cleaned_data["number"])
    return render(request, "certificates/verify.html", {"form": form},
                  status=422 if form.errors else 200)


def check(request: HttpRequest, number: str) -> HttpResponse:
    """Where a certificate's QR code leads: whether it is genuine, whose, about what."""
    cert = services.find(number)
    response = render(request, "certificates/check.html", {
        "number": number, "cert": cert, "valid": cert is not None and services.is_valid(cert),
    }, status=200 if cert else 404)
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the office's statistics -----------------------------------------------------------------

@role_required(Role.DEPARTMENT, Role.OFFICE)
def stats(request: HttpRequest) -> HttpResponse:
    """办理统计: applied, issued, refused, open; working days from submission to issue."""
    cases = Certificate.objects.visible_to(_user(request))
    return render(request, "certificates/stats.html", {"stats": services.stats(cases)})
