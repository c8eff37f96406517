"""Pages: the subject's own reports, the office's issue desk and log, public verification."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.reports import choices as c
from xinyong.reports import services
from xinyong.reports.forms import DownloadForm, FileForm, IssueForm, NumberForm, RevokeForm
from xinyong.reports.models import Report
from xinyong.reports.services import pdf_response
from xinyong.subjects.models import Subject


@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的信用报告: download one now, or get a pickup code for a self-service terminal."""
    user: User = request.user  # type: ignore[assignment]  # role_required: a subject's user
    assert user.subject_id is not None  # a subject user is bound to a subject (a constraint)
    subject = Subject.objects.get(pk=user.subject_id)
    form = DownloadForm(request.POST) if request.method == "POST" else DownloadForm()
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.issue(subject, requester=request.user,
                                    version=form.cleaned_data["version"], channel=c.WEB,
                                    request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            return pdf_response(issued)
    reports = Report.objects.visible_to(request.user).select_related("requested_by")
    page, query = paginate(request, reports, 20)
    return render(request, "reports/mine.html", {
        "subject": subject, "form": form, "page": page, "query": query,
        "VERSION": c.VERSION, "CHANNEL": c.CHANNEL})


@role_required(Role.OFFICE)
def office(request: HttpRequest) -> HttpResponse:
    """报告出具: the office issues a report with a purpose; the log of every report issued."""
    initial = {}
    if request.GET.get("subject"):
        found = Subject.objects.filter(pk=request.GET["subject"]).first() if \
            request.GET["subject"].isdigit() else None
        if found is not None and not found.is_person:
            initial["code"] = found.full_code()
    form = IssueForm(request.POST) if request.method == "POST" else IssueForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.issue(form.cleaned_data["code"], requester=request.user,
                                    version=form.cleaned_data["version"], channel=c.OFFICE,
                                    purpose=form.cleaned_data["purpose"], request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            return pdf_response(issued)
    reports = Report.objects.visible_to(request.user).select_related("requested_by", "revoked_by")
    q = request.GET.get("q", "").strip()
    if q:
        reports = reports.filter(Q(number__icontains=q) | Q(subject_name__icontains=q)
                                 | Q(purpose__icontains=q))
    channel = request.GET.get("channel", "")
    if channel in c.CHANNEL:
        reports = reports.filter(channel=channel)
    page, query = paginate(request, reports, 30)
    return render(request, "reports/office.html", {
        "form": form, "page": page, "query": query, "q": q, "channel": channel,
        "VERSION": c.VERSION, "CHANNEL": c.CHANNEL})


@role_required(Role.OFFICE, Role.SUBJECT)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    report = Report.objects.visible_to(request.user).select_related(
        "subject", "requested_by", "revoked_by").filter(number=number).first()
    if report is None:
        raise Http404("没有这份报告，或无权查看")
    return render(request, "reports/detail.html", {
        "report": report, "status": services.status_of(report), "form": RevokeForm(),
        "VERSION": c.VERSION, "CHANNEL": c.CHANNEL})


@require_POST
@role_required(Role.OFFICE)
def revoke(request: HttpRequest, number: str) -> HttpResponse:
    report = Report.objects.visible_to(request.user).filter(number=number).first()
    if report is None:
        raise Http404("没有这份报告")
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke(report, form.cleaned_data["reason"], actor=request.user, request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            messages.success(request, f"报告 {number} 已撤销；按编号或文件核验时将显示已撤销及原因。")
            return redirect("reports:detail", number=number)
    return render(request, "reports/detail.html", {
        "report": report, "status": services.status_of(report), "form": form,
        "VERSION": c.VERSION, "CHANNEL": c.CHANNEL}, status=422)


def verify(request: HttpRequest) -> HttpResponse:
    """报告核验 (public): by number, or by uploading the PDF."""
    number_form = NumberForm(request.GET or None)
    if request.GET and number_form.is_valid():
        return redirect("reports:check", number=number_form.cleaned_data["number"])
    file_form = FileForm(request.POST, request.FILES) if request.method == "POST" else FileForm()
    result = None
    if request.method == "POST" and file_form.is_valid():
        result = services.verify_file(file_form.cleaned_data["file"].read())
    return render(request, "reports/verify.html", {
        "number_form": number_form, "file_form": file_form, "result": result},
        status=422 if request.method == "POST" and not file_form.is_valid() else 200)


def check(request: HttpRequest, number: str) -> HttpResponse:
    """Where a report's QR code leads: whether the number is valid, whose, when."""
    report = services.find(number)
    status = services.status_of(report) if report else None
    return render(request, "reports/check.html", {"number": number, "status": status},
                  status=200 if report else 404)
