"""Web pages of objections (异议处理): a subject's objections and the form to make one, and
(from casework) the queue with deadlines in working days, the case page with its timeline
and decision forms, and the public progress query by 查询码. The rules are in services;
these views only call them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.casework.forms import DecideForm
from xinyong.casework.models import Case
from xinyong.casework.pending import PendingFiles
from xinyong.casework.views import CaseViews, mark
from xinyong.lib.errors import DomainError
from xinyong.objections import services
from xinyong.objections.forms import DecisionForm, ObjectionForm
from xinyong.objections.models import Objection
from xinyong.policies import rulebook


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ObjectionViews(CaseViews):
    workflow = services.workflow
    templates = "objections"
    title = "异议办理"
    decide_form = DecisionForm
    accept_label = "受理，核查并转认定单位核实"
    track_example = "YY7K2M9QH3PW4T"
    mine_title = "我的异议"

    def receipt_rows(self, case: Case) -> list[tuple[str, str]]:
        objection: Any = case
        record = f"{objection.record.decision_no}（{objection.record.unit.name}）"
        if objection.repair_id:
            return [("异议对象", f"信用修复申请 {objection.repair.query_code} 的“不予修复”决定"),
                    ("所涉记录", record)]
        return [("异议对象", f"信用记录 {record}")]

    def make_decide_form(self, case: Case, user: User, data: Any = None) -> DecideForm:
        assert isinstance(case, Objection)
        return DecisionForm(data, objection=case, book=rulebook.current(), today=timezone.localdate())

    def decide(self, request: HttpRequest, case: Case, form: DecideForm) -> Case:
        data = form.cleaned_data
        assert isinstance(form, DecisionForm)
        return self.workflow.decide(case.pk, _user(request), data["decision"], data["reason"],
                                    corrections=form.corrections(), request=request)


case_views = ObjectionViews()


@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的异议: the subject's objections, newest first."""
    user = _user(request)
    today = timezone.localdate()
    cases = (Objection.objects.visible_to(user).select_related("record", "unit", "repair")
             .order_by("-submitted_on", "-id"))
    return render(request, "objections/mine.html", {
        "cases": [mark(o, today) for o in cases],
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
    posted = request.method == "POST"
    pending = PendingFiles(request)
    form = ObjectionForm(request.POST if posted else None, request.FILES if posted else None,
                         user=user, initial=initial, pending=pending)
    if posted and form.is_valid():
        record_id, repair_id = form.target_ids()
        data = form.cleaned_data
        try:
            objection = services.submit(user, record_id, data["reason"], evidence=data["evidence_text"],
                                        repair_id=repair_id, files=data["evidence"], request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            pending.done()
            messages.success(request, f"异议申请已提交，查询码 {objection.query_code}。"
                                      f"将于 {objection.accept_by:%Y-%m-%d} 前决定是否受理。")
            return redirect("objections:receipt", case_id=objection.pk)
    if posted:
        pending.keep(form.accepted_uploads)  # sent back: the files need not be chosen again
    rules = None
    try:
        entry, rules = services.rules_for(timezone.localdate())
        basis = entry.pack.doc_number or entry.pack.title
    except DomainError:
        basis = ""
    return render(request, "objections/form.html", {"form": form, "rules": rules, "basis": basis,
                                                    "pending": pending},
                  status=422 if form.errors else 200)


