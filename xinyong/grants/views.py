"""Pages of grants (授权查询): the subject grants an institution access to parts of its
credit file, sees every read made under each grant and revokes; the institution lists the
grants it received, opens the credit file and downloads the report a grant covers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.grants import choices, services
from xinyong.grants.forms import GrantForm, ReceivedFilterForm, RevokeForm
from xinyong.grants.models import Grant, GrantQuerySet, live_q
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.reports import choices as report_choices
from xinyong.reports import services as reports
from xinyong.reports.services import pdf_response

PAGE = 30
READS_PAGE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _counted(rows: GrantQuerySet) -> Any:
    return rows.annotate(read_count=Count("reads"), last_read=Max("reads__at"))


def _marked(grants: Any, today: Any) -> Any:
    """Each grant with its state today, label and badge, for the templates."""
    for grant in grants:
        grant.state_now = state = grant.state(today)
        grant.state_label = choices.STATES.label(state)
        grant.state_badge = choices.STATES.badge(state)
        grant.is_live = state == choices.LIVE
        grant.covers_report = choices.REPORT in grant.scope
    return grants


def _visible(user: User, grant_id: int) -> Grant:
    grant = (Grant.objects.visible_to(user).select_related("subject", "institution", "revoked_by")
             .filter(pk=grant_id).first())
    if grant is None:
        raise Http404("没有这个授权，或无权查看")
    return grant


@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """授权管理: the subject's grants, with the reads made under each; revoke a live one."""
    user = _user(request)
    today = timezone.localdate()
    rows = (_counted(Grant.objects.visible_to(user).select_related("institution"))
            .order_by("-created_at", "-id"))
    page, query = paginate(request, rows, PAGE)
    _marked(page.object_list, today)
    return render(request, "grants/mine.html", {
        "page": page, "query": query, "revoke_form": RevokeForm(),
        "live": Grant.objects.visible_to(user).live_on(today).count()})


@role_required(Role.SUBJECT)
def new(request: HttpRequest) -> HttpResponse:
    """授权金融机构查询: institution, parts, purpose, expiry (at most the 信易贷 rules' months)."""
    user = _user(request)
    today = timezone.localdate()
    try:
        latest = services.latest_expiry(today)
        months = services.rules_for(today)[1].grant_max_months
    except DomainError as exc:  # no 信易贷 rules in force: nothing may be granted today
        return render(request, "grants/new.html", {"unavailable": exc.msg})
    form = GrantForm(request.POST or None, latest=latest, months=months)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # By id: the service checks the institution is still active.
            made = services.grant(user, str(data["institution"].pk), data["scope"],
                                  data["purpose"], data["expires_on"], request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            superseded = getattr(made, "superseded", [])
            messages.success(request, f"已授权 {made.institution.name} 查询，有效期至 "
                             f"{made.expires_on:%Y-%m-%d}" + (
                                 f"；原对该机构的授权 {'、'.join(f'#{pk}' for pk in superseded)} "
                                 "已由本授权取代" if superseded else ""))
            return redirect("grants:detail", grant_id=made.pk)
    return render(request, "grants/new.html", {"form": form, "latest": latest, "months": months})


@role_required(Role.SUBJECT, Role.INSTITUTION, Role.OFFICE)
def detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    """One grant and every read made under it."""
    user = _user(request)
    today = timezone.localdate()
    grant = _visible(user, grant_id)
    _marked([grant], today)
    reads = grant.reads.select_related("user")
    page, query = paginate(request, reads, READS_PAGE)
    for read in page.object_list:
        read.channel_label = choices.CHANNELS.get(read.channel, read.channel)
    return render(request, "grants/detail.html", {
        "grant": grant, "page": page, "query": query, "revoke_form": RevokeForm(),
        "is_subject": user.role == Role.SUBJECT, "is_institution": user.role == Role.INSTITUTION})


@require_POST
@role_required(Role.SUBJECT)
def revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    """撤销授权: at once; later reads by the institution answer as without it."""
    user = _user(request)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, "撤销原因不超过 200 字")
    else:
        try:
            grant = services.revoke(user, grant_id, reason, request=request)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.msg) from None
            messages.error(request, exc.msg)
        else:
            messages.success(request, f"已撤销对 {grant.institution.name} 的授权 #{grant.pk}，"
                                      "该机构即时不能再依此授权查询")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("grants:detail", kwargs={"grant_id": grant_id})
    return redirect(target)


@role_required(Role.INSTITUTION)
def received(request: HttpRequest) -> HttpResponse:
    """授权查询 (the institution): grants made to it, live ones first."""
    user = _user(request)
    today = timezone.localdate()
    search = ReceivedFilterForm(request.GET)
    rows = Grant.objects.visible_to(user).select_related("subject")
    if search.is_valid():
        if q := search.cleaned_data["q"].strip():
            rows = rows.filter(subject__name__icontains=q)
        if search.cleaned_data["state"] == "live":
            rows = rows.live_on(today)
        elif search.cleaned_data["state"] == "ended":
            rows = rows.exclude(live_q(today))
    else:
        rows = rows.none()
    live = ExpressionWrapper(Q(live_q(today)), output_field=BooleanField())
    rows = _counted(rows).annotate(live=live).order_by("-live", "-created_at", "-id")
    page, query = paginate(request, rows, PAGE)
    _marked(page.object_list, today)
    return render(request, "grants/received.html", {
        "page": page, "query": query, "search": search,
        "live_count": Grant.objects.visible_to(user).live_on(today).count()})


@require_POST
@role_required(Role.INSTITUTION)
def report(request: HttpRequest, grant_id: int) -> HttpResponse:
    """The full credit report under a grant whose scope has `report` (reports.services
    decides, and keeps the issue among the grant's reads)."""
    user = _user(request)
    grant = _visible(user, grant_id)
    try:
        issued = reports.issue(grant.subject, requester=user, version=report_choices.FULL,
                               channel=report_choices.WEB, request=request)
    except DomainError as exc:
        if exc.status in (401, 403):
            return render(request, "_error.html", {
                "code": 403, "heading": "不能获取信用报告", "explanation": exc.msg}, status=403)
        messages.error(request, exc.msg)
        return redirect("grants:received")
    return pdf_response(issued)
