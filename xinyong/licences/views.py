"""Web pages of licences (行政许可): the unit's and the office's list, new, the licence page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.disclosure import timeliness
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.licences import services
from xinyong.licences.forms import CorrectForm, FilterForm, LicenceForm, WithdrawForm
from xinyong.licences.models import STATUS_LABELS, WITHDRAWN, Licence, LicenceVersion
from xinyong.records.choices import CHANGE
from xinyong.subjects.access import may_view_profile
from xinyong.subjects.codes import KIND_LABELS

PAGE_SIZE = 50


def _viewer(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


@role_required(Role.OFFICE, Role.DEPARTMENT)
def licence_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    queryset: QuerySet[Licence] = Licence.objects.select_related("subject", "unit")
    if user.role == Role.DEPARTMENT:
        queryset = queryset.filter(unit=user.unit)
    form = FilterForm(request.GET)
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            queryset = queryset.filter(Q(decision_no__icontains=q) | Q(licence_no__icontains=q)
                                       | Q(subject__name__icontains=q, subject__kind__in=[
                                           "organization", "individual_business"]))
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["job"]:
            queryset = queryset.filter(import_job_id=form.cleaned_data["job"])
    page, query = paginate(request, queryset, PAGE_SIZE)
    return render(request, "licences/list.html", {
        "form": form, "page": page, "query": query, "office": user.role == Role.OFFICE,
        "labels": STATUS_LABELS, "today": timezone.localdate()})


@role_required(Role.DEPARTMENT)
def licence_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    assert user.unit is not None
    form = LicenceForm(request.POST if request.method == "POST" else None)
    repeat = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sub = services.LicenceSubmission(
            subject_kind=data["subject_kind"], subject_name=data["subject_name"],
            subject_code=data["subject_code"], decision_no=data["decision_no"],
            decision_name=data["decision_name"], kind=data["kind"],
            licence_name=data["licence_name"], licence_no=data["licence_no"],
            content=data["content"], decided_on=data["decided_on"], valid_from=data["valid_from"],
            valid_to=data["valid_to"], authority_name=data["authority_name"],
            authority_code=data["authority_code"], remarks=data["remarks"],
            external_id=data["external_id"],
            legal_representative=form.legal_representative(),
        )
        try:
            licence, created = services.submit(user.unit, sub, actor=user, source="form",
                                               request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            if created:
                messages.success(request, f"已报送行政许可 {licence.decision_no}，已在双公示页面公示")
                return redirect("licences:detail", licence_id=licence.pk)
            repeat = licence
    response = render(request, "licences/form.html", {"form": form, "repeat": repeat},
                      status=422 if form.errors else 200)
    if request.method == "POST":
        response["Cache-Control"] = "no-store"
    return response


def _history(licence: Licence) -> list[dict[str, Any]]:
    versions = list(LicenceVersion.objects.filter(licence=licence).select_related("actor"))
    rows = [{"number": v.number, "change": CHANGE.label(v.change), "reason": v.reason,
             "actor": str(v.actor) if v.actor else "系统", "at": v.at} for v in versions]
    if licence.source == "import" and not any(v.number == 1 for v in versions):
        rows.insert(0, {"number": 1, "change": f"批量导入（任务 #{licence.import_job_id}）",
                        "reason": "", "actor": str(licence.created_by or "批量导入"),
                        "at": licence.created_at})
    return rows


def licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    viewer = _viewer(request)
    licence = (Licence.objects.visible_to(viewer).select_related("subject", "unit", "created_by")
               .filter(pk=licence_id).first())
    if licence is None:
        raise Http404("没有这条行政许可信息，或无权查看")
    own = bool(viewer and viewer.role == Role.DEPARTMENT and viewer.unit_id == licence.unit_id)
    staff = bool(viewer and (viewer.role == Role.OFFICE or own))
    forms: dict[str, Any] = {}
    if own and licence.status != WITHDRAWN:
        forms = {"correct": CorrectForm(licence=licence), "withdraw": WithdrawForm()}
    opened = ""
    if request.method == "POST":
        if not forms:
            raise PermissionDenied("只能处理本单位报送的有效许可信息")
        opened = request.POST.get("action", "")
        if _act(request, licence, opened, forms):
            return redirect("licences:detail", licence_id=licence.pk)
    rep = licence.legal_rep or {}
    return render(request, "licences/detail.html", {
        "l": licence, "staff": staff, "own": own, "forms": forms, "opened": opened,
        "status_label": STATUS_LABELS[licence.status],
        "kind_label": KIND_LABELS.get(licence.subject.kind, licence.subject.kind),
        "expired": licence.expired_on(timezone.localdate()),
        "legal_rep_name": rep.get("name", ""), "legal_rep_masked": rep.get("id_masked", ""),
        "profile_link": may_view_profile(viewer, licence.subject),
        "history": _history(licence) if staff else None,
        "delay": timeliness.delay(licence.decided_on, licence.created_at, licence.unit.region,
                                  "licences") if staff else None,
    }, status=422 if opened else 200)


def _act(request: HttpRequest, licence: Licence, action: str, forms: dict[str, Any]) -> bool:
    form: Any
    try:
        if action == "correct":
            form = forms["correct"] = CorrectForm(request.POST, licence=licence)
            if not form.is_valid():
                return False
            changes = form.changes()
            if not changes:
                form.add_error(None, "没有要更正的字段：请修改至少一项")
                return False
            services.correct(licence, changes, form.cleaned_data["reason"], actor=request.user,
                             request=request)
            messages.success(request, "已更正，原版本保留在历史中")
        elif action == "withdraw":
            form = forms["withdraw"] = WithdrawForm(request.POST)
            if not form.is_valid():
                return False
            services.withdraw(licence, form.cleaned_data["reason"], actor=request.user,
                              request=request)
            messages.success(request, "许可信息已撤销：自今日起不再公示，记录及其历史保留")
        else:
            raise Http404("未知的操作")
    except DomainError as exc:
        form.service_error(exc)
        return False
    return True
