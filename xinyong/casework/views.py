"""The pages every kind of case shares: the handlers' queue, the case page with the steps
each party may take, evidence downloads, and the public progress page by 查询码.

A kind makes one `CaseViews` (naming its workflow, templates and decision form) and adds
its own submission pages; its templates extend `casework/*.html` and fill the blocks.
The rules are in the workflow; these views only call it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.audit.models import record as audit
from xinyong.casework import choices as c
from xinyong.casework import timeline
from xinyong.casework.forms import (
    AcceptForm,
    DecideForm,
    MaterialRequestForm,
    QueueFilterForm,
    SupplyForm,
    TakeOverForm,
    TrackForm,
    WithdrawForm,
)
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow, find_by_code, workflows
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies import rulebook
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Rulebook
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import effective_status

HANDLER_ACTIONS = ("accept", "material", "decide", "take_over")
APPLICANT_ACTIONS = ("supply", "withdraw")




def mark(case: Case, today: dt.date) -> Case:
    """The case as a page shows it today: `overdue_now`, `due_now` (working days left)."""
    case.overdue_now = case.is_overdue(today)  # type: ignore[attr-defined]
    case.due_now = case.due_text(today)  # type: ignore[attr-defined]
    return case


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CaseViews:
    """The shared pages of one kind of case."""

    workflow: ClassVar[Workflow]
    templates: ClassVar[str]  # "repairs": its templates/repairs/{queue,detail,...}.html
    title: ClassVar[str]  # the queue's heading, 信用修复办理
    decide_form: ClassVar[type[DecideForm]]
    accept_label: ClassVar[str] = "受理"
    extra_actions: ClassVar[tuple[str, ...]] = ()  # the kind's own steps (extra_forms' keys)
    track_example: ClassVar[str] = "XF7K2M9QH3PW4T"
    mine_title: ClassVar[str] = "我的申请"  # the applicant's list, as its menu names it
    queue_page: ClassVar[int] = 50
    # What the kind's queue columns read besides the record, subject and unit.
    queue_related: ClassVar[tuple[str, ...]] = ()
    # The example in the 补正 box: what a handler of this kind typically asks for.
    material_example: ClassVar[str] = "如：请补充缴清罚款的银行回单"

    @property
    def model(self) -> type[Case]:
        return self.workflow.model

    def names(self) -> dict[str, str]:
        ns = self.workflow.url_namespace
        return {n: f"{ns}:{n}" for n in ("queue", "detail", "evidence", "track", "track_detail",
                                         "mine", "receipt")}

    def urls(self, prefix: str) -> list[URLPattern]:
        # The office sees every kind's cases, also those others handle (financing needs).
        staff = tuple(dict.fromkeys((*(Role(r) for r in self.workflow.handler_roles), Role.OFFICE)))
        parties = (Role.SUBJECT, *staff)
        return [
            path(f"{prefix}/", role_required(*staff)(self.queue), name="queue"),
            path(f"{prefix}/<int:case_id>/", role_required(*parties)(self.detail), name="detail"),
            path(f"{prefix}/<int:case_id>/evidence/<int:evidence_id>/",
                 role_required(*parties)(self.evidence), name="evidence"),
            path(f"{prefix}/<int:case_id>/receipt/", role_required(*parties)(self.receipt),
                 name="receipt"),
            path(f"{prefix}/track/", self.track, name="track"),
            path(f"{prefix}/track/<str:code>/", self.track_detail, name="track_detail"),
        ]

    # --- hooks of the kind -------------------------------------------------------------------

    def queue_columns(self) -> str:
        return f"{self.templates}/_queue_columns.html"

    def extra_forms(self, case: Case, user: User) -> dict[str, Any]:
        """Forms of the kind's own steps (the repairs' claim check ...), unbound."""
        return {}

    def extra_action(self, request: HttpRequest, case: Case, action: str,
                     forms: dict[str, Any]) -> bool | None:
        """Run a kind's own step: True done, False refused, None not this kind's action."""
        return None

    def make_decide_form(self, case: Case, user: User, data: Any = None) -> DecideForm:
        """The decision form for `user` on `case` (bound to `data` when posted)."""
        return self.decide_form(data)

    def decide(self, request: HttpRequest, case: Case, form: DecideForm) -> Case:
        data = form.cleaned_data
        return self.workflow.decide(case.pk, _user(request), data["decision"], data["reason"],
                                    request=request)

    def detail_context(self, case: Case, user: User, today: dt.date, book: Rulebook) -> dict[str, Any]:
        return {}

    def receipt_rows(self, case: Case) -> list[tuple[str, str]]:
        """The kind's own lines on the receipt (label, text), after the subject."""
        return []

    # --- the queue -----------------------------------------------------------------------------

    def queue(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        today = timezone.localdate()
        office = user.role == Role.OFFICE
        # The unit filter, for the office, of kinds that member units handle.
        by_unit = office and Role.DEPARTMENT in self.workflow.handler_roles
        form = QueueFilterForm(request.GET, office=by_unit, statuses=self.model.STATUS.choices,
                               unit_label=self.model.UNIT_ROLE)
        data = form.cleaned_data if form.is_valid() else {}
        base = self.model.objects.visible_to(user)
        cases: QuerySet[Any] = base.select_related("record", "subject", "unit", "taken_over_by",
                                                   *self.queue_related)
        status = data.get("status") or "open"
        if status == "open":
            cases = cases.open()  # type: ignore[attr-defined]
        elif status != "all":
            cases = cases.filter(status=status)
        if data.get("overdue"):
            cases = cases.overdue(today)  # type: ignore[attr-defined]
        if data.get("unit"):
            cases = cases.filter(unit=data["unit"])
        if query := (data.get("q") or "").strip():
            cases = cases.filter(Q(query_code=timeline.normalize_code(query))
                                 | Q(subject__name__icontains=query))
        page, query = paginate(request, cases.order_by("due_by", "accept_by", "id"), self.queue_page)
        return render(request, f"{self.templates}/queue.html", {
            "form": form, "page": page, "cases": [mark(x, today) for x in page], "office": office,
            "today": today,
            "query": query, "urls": self.names(), "title": self.title,
            "kind": self.model, "columns": self.queue_columns(),
            "open_count": base.open().count(),  # type: ignore[attr-defined]
            "overdue_count": base.overdue(today).count(),  # type: ignore[attr-defined]
        })

    # --- the case page -------------------------------------------------------------------------

    def _case(self, request: HttpRequest, case_id: int) -> Case:
        case = (self.model.objects.visible_to(_user(request))
                .select_related("record__unit", "subject", "unit", "applicant", "decided_by",
                                "taken_over_by")
                .filter(pk=case_id).first())
        if case is None:
            raise Http404(f"没有这个{self.model.NOUN}，或无权查看")
        return case

    def _forms(self, case: Case, user: User) -> dict[str, Any]:
        forms: dict[str, Any] = {}
        if self.workflow.is_applicant(user, case):
            forms.update(supply=SupplyForm(), withdraw=WithdrawForm())
        else:
            forms.update(accept=AcceptForm(accept_label=self.accept_label),
                         material=MaterialRequestForm(example=self.material_example),
                         decide=self.make_decide_form(case, user),
                         take_over=TakeOverForm(), **self.extra_forms(case, user))
        return forms

    def detail(self, request: HttpRequest, case_id: int) -> HttpResponse:
        user = _user(request)
        case = self._case(request, case_id)
        forms = self._forms(case, user)
        opened = ""
        if request.method == "POST":
            opened = request.POST.get("action", "")
            if opened not in (*HANDLER_ACTIONS, *APPLICANT_ACTIONS, *self.extra_actions):
                raise Http404("未知的操作")
            if opened not in forms:
                raise PermissionDenied("申请人可以补正或撤回；办理单位和信用办受理、决定或接办")
            if self._act(request, case, opened, forms):
                return redirect(self.names()["detail"], case_id=case.pk)
            if opened not in forms:  # refused for a reason no form shows: the message says why
                return redirect(self.names()["detail"], case_id=case.pk)
            case = self._case(request, case_id)
        today = timezone.localdate()
        book = rulebook.current()
        record = case.record
        workflow = self.workflow
        applicant = workflow.is_applicant(user, case)
        may_act = not applicant and workflow.may_act(user, case)
        context = {
            "case": mark(case, today), "record": record, "today": today, "urls": self.names(),
            "evidence": list(case.files.all()),  # type: ignore[attr-defined]
            "timeline": timeline.as_rows(case.timeline, public=False),
            "staff": user.role != Role.SUBJECT, "applicant": applicant,
            "may_act": may_act,
            "may_accept": may_act and case.status == c.SUBMITTED,
            "may_request_material": may_act and case.status in c.RUNNING,
            "may_take_over": workflow.may_take_over(user, case),
            "may_supply": applicant and case.status == c.AWAITING_MATERIAL,
            "may_withdraw": applicant and case.is_open,
            "taken_over_elsewhere": user.role == Role.DEPARTMENT and case.is_open
            and case.taken_over_by_id is not None,
            "forms": forms, "opened": opened, "policy_entry": book.entry(case.policy),
        }
        if may_act and forms.get("decide") is not None:
            context["confirms"] = self.confirms(case, forms["decide"], today)
        if record is not None:
            context.update(record_status=RECORD_STATUS.label(effective_status(record, today)),
                           behavior_text=book.behavior_text(record.behavior),
                           severity_label=SEVERITY.label(record.severity))
        context.update(self.detail_context(case, user, today, book))
        return render(request, f"{self.templates}/detail.html", context,
                      status=422 if opened else 200)

    def confirms(self, case: Case, form: DecideForm, today: dt.date) -> list[dict[str, str]]:
        """Per decision: its label, what it will do, and the question the page asks before
        it is sent (a decision is never undone)."""
        effects = self.workflow.decision_effects(case, today)
        rows = []
        for value, label in form.fields["decision"].choices:  # type: ignore[attr-defined]
            effect = effects.get(str(value), "")
            rows.append({"value": str(value), "label": str(label), "effect": effect,
                         "text": f"确定作出决定“{label}”？{effect}决定提交后不能更改。"})
        return rows

    def _act(self, request: HttpRequest, case: Case, action: str, forms: dict[str, Any]) -> bool:
        """Take one step; False when refused (the form or a message says why). Two officers
        at once: the workflow locks the case and the second gets a 409, shown as a message
        over the case as it now stands."""
        user, workflow = _user(request), self.workflow
        form: Any = None
        try:
            done = self.extra_action(request, case, action, forms)
            if done is not None:
                return done
            if action in ("accept", "material", "take_over", "supply", "withdraw"):
                form_class = {"accept": AcceptForm, "material": MaterialRequestForm,
                              "take_over": TakeOverForm, "supply": SupplyForm,
                              "withdraw": WithdrawForm}[action]
                kwargs: dict[str, Any] = ({"accept_label": self.accept_label} if action == "accept"
                                          else {"example": self.material_example}
                                          if action == "material" else {})
                form = forms[action] = form_class(request.POST, request.FILES, **kwargs)
            elif action == "decide":
                form = forms[action] = self.make_decide_form(case, user, request.POST)
            if form is None or not form.is_valid():
                return False
            data = form.cleaned_data
            if action == "accept":
                accept_it = data["decision"] == "accept"
                result = workflow.accept(case.pk, user, accept_it, data["reason"], request=request)
                messages.success(request, f"已受理，请于 {result.due_by:%Y-%m-%d} 前办结" if accept_it
                                 else "已决定不予受理，并告知申请人")
            elif action == "material":
                workflow.request_material(case.pk, user, data["reason"], request=request)
                messages.success(request, "已要求申请人补正材料；补正前办理期限暂停计算")
            elif action == "take_over":
                workflow.take_over(case.pk, user, data["reason"], request=request)
                messages.success(request, f"信用办已接办本{self.model.NOUN}，{case.UNIT_ROLE}不再办理")
            elif action == "supply":
                result = workflow.supply_material(case.pk, user, data["note"], data["evidence"],
                                                  request=request)
                messages.success(request, f"已补正，{result.limit_label}为 {result.current_limit}")
            elif action == "withdraw":
                workflow.withdraw(case.pk, user, data["reason"], request=request)
                messages.success(request, f"{self.model.NOUN}已撤回")
            else:
                result = self.decide(request, case, form)
                messages.success(request, f"已办结：{workflow.outcome_label(result)}")
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.msg) from None
            if exc.status == 422 and form is not None:
                form.service_error(exc)
                return False
            # 409 and 403: the case changed under this page (another officer was faster, or
            # the office took it over); say why, over the case as it now stands.
            messages.error(request, f"未能办理：{exc.msg}。页面已更新为最新状态。")
            forms.pop(action, None)
            return False
        return True

    def evidence(self, request: HttpRequest, case_id: int, evidence_id: int) -> FileResponse:
        """A file the applicant attached: for the applicant, the handling unit and the office."""
        case = self._case(request, case_id)
        item = case.files.filter(pk=evidence_id).first()  # type: ignore[attr-defined]
        if item is None:
            raise Http404("没有这个文件")
        if item.purged_on:
            raise Http404(f"该文件已于 {item.purged_on} 按保存期限删除")
        try:
            handle = item.file.open("rb")
        except FileNotFoundError:
            raise Http404("文件已不存在，请联系信用办") from None
        audit(f"{self.workflow.audit_prefix}.evidence_download", request=request, obj=case,
              summary=f"下载{self.model.NOUN} {case.query_code} 的材料“{item.name}”")
        response = FileResponse(handle, as_attachment=True, filename=item.name)
        response["Cache-Control"] = "private, no-store"
        return response

    def receipt(self, request: HttpRequest, case_id: int) -> HttpResponse:
        """回执: what was submitted, when, the deadlines, and how to follow the case; a page
        to print or keep, for the parties (it names the subject)."""
        case = self._case(request, case_id)
        book = rulebook.current()
        entry = book.entry(case.policy)
        basis = f"{entry.pack.doc_number or entry.pack.title} {case.clause}" if entry else \
            f"{case.policy} {case.clause}"
        # Objections count the decision limit from the day of acceptance: until then, the
        # latest date is the one if accepted on the last day.
        recount = self.workflow.recount_on_accept
        start = (case.accepted_on or case.accept_by) if recount else case.submitted_on
        deadlines = {"accept_days": workdays.workdays_between(case.submitted_on, case.accept_by),
                     "decide_days": workdays.workdays_between(start, case.due_by),
                     "from_acceptance": recount, "estimated": recount and case.accepted_on is None}
        track = self.workflow.track_url(case)
        return render(request, "casework/receipt.html", {
            "case": case, "urls": self.names(), "rows": self.receipt_rows(case), "basis": basis,
            **deadlines, "track_url": request.build_absolute_uri(track),
            "track_any_url": request.build_absolute_uri(reverse("casework:track")),
            "printed_at": timezone.localtime(), "mine_title": self.mine_title,
        })

    # --- public pages --------------------------------------------------------------------------

    def track(self, request: HttpRequest) -> HttpResponse:
        """进度查询: a form for the 查询码; no login."""
        form = TrackForm(request.GET or None, example=self.track_example)
        if form.is_bound and form.is_valid():
            return redirect(self.names()["track_detail"], code=form.cleaned_data["code"])
        return render(request, f"{self.templates}/track.html", {"form": form, "urls": self.names()},
                      status=422 if form.errors else 200)

    def track_detail(self, request: HttpRequest, code: str) -> HttpResponse:
        """Status, deadlines and steps by 查询码, for anyone holding the code: the public
        timeline (no free text), no name of the applicant, nothing of the record."""
        normalized = timeline.normalize_code(code)
        if normalized and normalized != code:
            return redirect(self.names()["track_detail"], code=normalized)
        case = self.model.objects.select_related("unit").filter(
            query_code=normalized).first()
        if case is None:
            found = find_by_code(normalized)
            if found is not None:  # a code of another kind: said so, and shown there
                other, case = found
                messages.info(request, f"查询码 {case.query_code} 是{other.noun}的查询码，"
                                       f"以下为该{other.noun}的办理进度。")
                return redirect(other.track_url(case))
            form = TrackForm(initial={"code": code}, example=self.track_example)
            return render(request, f"{self.templates}/track.html",
                          {"form": form, "not_found": code, "urls": self.names()}, status=404)
        today = timezone.localdate()
        # A party (the applicant, the unit, the office) may open the receipt from here.
        party = self.model.objects.visible_to(request.user).filter(pk=case.pk).exists()
        response = render(request, f"{self.templates}/track_detail.html", {
            "case": mark(case, today), "urls": self.names(), "party": party,
            "timeline": timeline.as_rows(case.timeline, public=True),
        })
        response["X-Robots-Tag"] = "noindex"
        return response


def track(request: HttpRequest) -> HttpResponse:
    """进度查询 for every kind of case: a query code of any kind leads to its progress page."""
    form = TrackForm(request.GET or None, example="XF7K2M9QH3PW4T")
    not_found = ""
    if form.is_bound and form.is_valid():
        found = find_by_code(form.cleaned_data["code"])
        if found is not None:
            return redirect(found[0].track_url(found[1]))
        not_found = request.GET.get("code", "")
    kinds = [(w.noun, w.model.QUERY_PREFIX) for w in workflows()]
    return render(request, "casework/track_any.html",
                  {"form": form, "not_found": not_found, "kinds": kinds,
                   "urls": {"track": "casework:track"}},
                  status=404 if not_found else 422 if form.errors else 200)
