"""Web pages of objections (异议处理): a subject's objections and the form to make one, the
units' and the office's queue with deadlines in working days, the case page with its
timeline and decision forms, and the public progress query by 查询码. The rules are in
services; these views only call them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.lib.casework import normalize_code
from xinyong.objections import services
from xinyong.objections.forms import (
    AcceptForm,
    DecideForm,
    ObjectionForm,
    QueueFilterForm,
    TakeOverForm,
    TrackForm,
)
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.policies.schema import SEVERITY_LABELS
from xinyong.records import determination as d
from xinyong.records.models import effective_status
from xinyong.records.views import behavior_texts

QUEUE_PAGE = 50
STATUS_BADGES = {"submitted": "text-bg-primary", "accepted": "text-bg-info", "upheld": "text-bg-success",
                 "dismissed": "text-bg-secondary", "refused": "text-bg-dark"}


@dataclass
class Case:
    """An objection as the pages show it on a given day."""

    objection: Objection
    today: dt.date

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.objection.status, "text-bg-secondary")

    @property
    def limit_label(self) -> str:
        return "受理期限" if self.objection.status == "submitted" else "办结期限"

    @property
    def overdue(self) -> bool:
        return self.objection.is_overdue(self.today)

    @property
    def due_text(self) -> str:
        """Working days left to the deadline now due, or how far past it."""
        left = services.working_days_left(self.objection, self.today)
        if left is None:
            return ""
        if left < 0:
            return f"超期 {-left} 个工作日"
        return "今日到期" if left == 0 else f"剩 {left} 个工作日"


def steps(timeline: list[dict[str, Any]], *, public: bool = False) -> list[dict[str, Any]]:
    """A timeline for a page: times as datetimes; for the public, no notes (free text may
    name persons)."""
    rows = []
    for s in timeline:
        try:
            at: Any = dt.datetime.fromisoformat(s.get("at", ""))
        except ValueError:
            at = None
        rows.append({**s, "at": at, "note": "" if public else s.get("note", "")})
    return rows


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the subject's pages --------------------------------------------------------------------

@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的异议: the subject's objections, newest first."""
    user = _user(request)
    today = timezone.localdate()
    cases = services.cases_for(user).order_by("-submitted_on", "-id")
    return render(request, "objections/mine.html", {
        "cases": [Case(o, today) for o in cases],
        "can_object": services.objectable_records(user).exists()
        or services.objectable_repairs(user).exists(),
    })


@role_required(Role.SUBJECT)
def create(request: HttpRequest) -> HttpResponse:
    """提出异议: to one of the subject's records, or to a refusal to repair one."""
    user = _user(request)
    initial = {}
    if request.GET.get("repair", "").isdigit():
        initial["target"] = f"repair:{request.GET['repair']}"
    elif request.GET.get("record", "").isdigit():
        initial["target"] = f"record:{request.GET['record']}"
    form = ObjectionForm(request.POST if request.method == "POST" else None, user=user,
                         initial=initial)
    if request.method == "POST" and form.is_valid():
        record_id, repair_id = form.target_ids()
        try:
            objection = services.submit(user, record_id, form.cleaned_data["reason"],
                                        evidence=form.cleaned_data["evidence"], repair_id=repair_id,
                                        request=request)
        except services.ObjectionError as exc:
            form.service_error(exc)
        else:
            messages.success(request, f"异议申请已提交，查询码 {objection.query_code}。"
                                      f"将于 {objection.accept_by:%Y-%m-%d} 前决定是否受理。")
            return redirect("objections:detail", objection_id=objection.pk)
    rules = None
    try:
        entry, rules = services.rules_for(timezone.localdate())
        basis = entry.pack.doc_number or entry.pack.title
    except services.ObjectionError:
        basis = ""
    return render(request, "objections/form.html", {"form": form, "rules": rules, "basis": basis},
                  status=422 if form.errors else 200)


# --- the units' and the office's pages ------------------------------------------------------

@role_required(Role.DEPARTMENT, Role.OFFICE)
def queue(request: HttpRequest) -> HttpResponse:
    """异议办理: open cases by deadline, overdue ones flagged; filters by status and unit."""
    user = _user(request)
    today = timezone.localdate()
    office = user.role == Role.OFFICE
    form = QueueFilterForm(request.GET, office=office)
    data = form.cleaned_data if form.is_valid() else {}
    base = services.cases_for(user).select_related("taken_over_by")
    queryset = base
    status = data.get("status") or "open"
    if status == "open":
        queryset = queryset.filter(status__in=Objection.OPEN)
    elif status != "all":
        queryset = queryset.filter(status=status)
    if data.get("overdue"):
        queryset = queryset.filter(services.overdue_q(today))
    if data.get("unit"):
        queryset = queryset.filter(unit=data["unit"])
    if query := (data.get("q") or "").strip():
        queryset = queryset.filter(Q(query_code=normalize_code(query)) | Q(subject__name__icontains=query))
    page = Paginator(queryset.order_by("due_by", "accept_by", "id"), QUEUE_PAGE).get_page(
        request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "objections/queue.html", {
        "form": form, "page": page, "cases": [Case(o, today) for o in page], "office": office,
        "query": params.urlencode(), "today": today,
        "open_count": base.filter(status__in=Objection.OPEN).count(),
        "overdue_count": base.filter(services.overdue_q(today)).count(),
    })


def _case(request: HttpRequest, objection_id: int) -> Objection:
    """The case, if the user may see it: the applicant's subject, the unit, the office."""
    user = _user(request)
    objection = (services.cases_for(user)
                 .select_related("record__unit", "applicant", "decided_by", "taken_over_by")
                 .filter(pk=objection_id).first())
    if objection is None:
        raise Http404("没有这个异议，或无权查看")
    return objection


@role_required(Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
def detail(request: HttpRequest, objection_id: int) -> HttpResponse:
    """The case page: the disputed record, the reason and evidence, deadlines, the timeline,
    and for the unit or the office the forms to accept or refuse, then verify."""
    user = _user(request)
    objection = _case(request, objection_id)
    today = timezone.localdate()
    book = rulebook.current()
    forms: dict[str, Any] = {
        "accept": AcceptForm(), "decide": DecideForm(objection=objection, book=book, today=today),
        "take_over": TakeOverForm(),
    }
    opened = ""
    if request.method == "POST":
        if user.role == Role.SUBJECT or not services.may_view(user, objection):
            raise PermissionDenied("只有核实单位或信用办可以办理异议")
        opened = request.POST.get("action", "")
        if _act(request, objection, opened, forms, book, today):
            return redirect("objections:detail", objection_id=objection.pk)
        if opened not in forms:  # refused for a reason no form shows: the message says why
            return redirect("objections:detail", objection_id=objection.pk)
        objection = _case(request, objection_id)
    record = objection.record
    staff = user.role != Role.SUBJECT
    may_act = staff and objection.is_open and services.may_handle(user, objection)
    return render(request, "objections/detail.html", {
        "case": Case(objection, today), "objection": objection, "record": record,
        "record_status": d.STATUSES[effective_status(record, today)],
        "behavior_text": behavior_texts(book).get(record.behavior, record.behavior),
        "severity_label": SEVERITY_LABELS.get(record.severity, record.severity),
        "timeline": steps(objection.timeline), "staff": staff,
        "may_accept": may_act and objection.status == "submitted",
        "may_decide": may_act,
        "may_take_over": user.role == Role.OFFICE and objection.is_open
        and objection.taken_over_by_id is None,
        "forms": forms, "opened": opened, "policy_entry": book.entry(objection.policy),
    }, status=422 if opened else 200)


def _act(request: HttpRequest, objection: Objection, action: str, forms: dict[str, Any],
         book: Any, today: dt.date) -> bool:
    """Accept or refuse, decide, or take over; False when refused (the form or a message
    says why). Two officers at once: the services lock the case, and the second one gets a
    409, shown as a message over the case as it now stands."""
    user = _user(request)
    form: Any = None
    try:
        if action == "accept":
            form = forms["accept"] = AcceptForm(request.POST)
            if not form.is_valid():
                return False
            accept_it = form.cleaned_data["decision"] == "accept"
            done = services.accept(objection.pk, user, accept_it, form.cleaned_data["reason"],
                                   request=request)
            messages.success(request, f"已受理，请于 {done.due_by:%Y-%m-%d} 前核实办结" if accept_it
                             else "已决定不予受理，异议标记已撤除")
        elif action == "decide":
            form = forms["decide"] = DecideForm(request.POST, objection=objection, book=book,
                                                today=today)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            done = services.decide(objection.pk, user, data["decision"], data["reason"],
                                   corrections=form.corrections(), request=request)
            label = done.get_status_display()
            if done.remedy:
                label += f"，{done.get_remedy_display()}"
            messages.success(request, f"已办结：{label}")
        elif action == "take_over":
            form = forms["take_over"] = TakeOverForm(request.POST)
            if not form.is_valid():
                return False
            services.take_over(objection.pk, user, form.cleaned_data["reason"], request=request)
            messages.success(request, "信用办已接办本异议，核实单位不再办理")
        else:
            raise Http404("未知的操作")
    except services.ObjectionError as exc:
        if exc.status == 404:
            raise Http404(exc.msg) from None
        if exc.status == 422 and form is not None:
            form.service_error(exc)
            return False
        messages.error(request, f"未能办理：{exc.msg}。页面已更新为最新状态。")
        forms.pop(action, None)
        return False
    return True


# --- public pages ---------------------------------------------------------------------------

def track(request: HttpRequest) -> HttpResponse:
    """异议进度查询: a form for the 查询码; no login."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("objections:track_detail", code=form.cleaned_data["code"])
    return render(request, "objections/track.html", {"form": form},
                  status=422 if form.errors else 200)


def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Status, deadlines and steps by 查询码, with no personal data: no names, codes,
    record details, reasons or notes, for anyone holding the code may see it."""
    normalized = normalize_code(code)
    if normalized and normalized != code:
        return redirect("objections:track_detail", code=normalized)
    objection = Objection.objects.filter(query_code=normalized).first()
    if objection is None:
        form = TrackForm(initial={"code": code})
        return render(request, "objections/track.html", {"form": form, "not_found": code},
                      status=404)
    response = render(request, "objections/track_detail.html", {
        "objection": objection, "case": Case(objection, timezone.localdate()),
        "timeline": steps(objection.timeline, public=True),
    })
    response["X-Robots-Tag"] = "noindex"
    return response
