"""One state machine for every kind of case (案件办理).

    submitted ──accept──▶ accepted ──decide──▶ an outcome of the kind
        │  └──refuse (不予受理, with a reason)
        ├──request material (补正: the clock stops) ◀── accepted
        │      awaiting_material ──material supplied──▶ back, deadlines moved on
        └──withdraw (the applicant, from any open step)
    take over: the office takes an open case from the unit, which no longer acts on it.

谁认定、谁办理: the unit that made the finding handles the case; the office may act on any
case and take one over. Every step locks the case row, so two officers acting at once
get one result and a 409 for the second. Deadlines are in Chinese working days.

A kind of case subclasses `Workflow`, names its model, its outcomes and what its remedy
does to the record (`remedy`), and calls `open_case` from its own submission function.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.casework import choices as c
from xinyong.casework import evidence
from xinyong.casework.models import Case, CaseEvidence
from xinyong.casework.timeline import new_query_code, normalize_code, step
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.notices.models import notify

# Reasons and notes of every step, for every kind (forms and API schemas use it too).
MAX_NOTE = 2000


def clean_text(text: str | None, field: str, *, required: str = "", limit: int = MAX_NOTE) -> str:
    """Free text as stored: ID numbers masked, stripped; `required` is the message if empty."""
    text = mask_id_numbers((text or "").strip())
    if required and not text:
        raise DomainError(field, required)
    if len(text) > limit:
        raise DomainError(field, f"不能超过 {limit} 字")
    return text


def lists_in_force(record_id: int | None, today: dt.date) -> list[str]:
    """The names of the lists the record keeps its subject on today (what closing the
    record would end), each once."""
    from xinyong.lists.models import Membership

    if record_id is None:
        return []
    names = (Membership.objects.filter(record_id=record_id).active_on(today)
             .order_by("list_code").values_list("list_name", flat=True))
    return list(dict.fromkeys(names))


def leaving_lists(record_id: int | None, today: dt.date) -> str:
    """'，并移出以下名单：A、B' for the lists the record holds today ('' for none)."""
    names = lists_in_force(record_id, today)
    return f"，并移出以下名单：{'、'.join(names)}" if names else ""


class Workflow:
    """The steps of one kind of case; subclasses set the class attributes and hooks."""

    model: ClassVar[type[Case]]
    evidence_model: ClassVar[type[CaseEvidence]]
    audit_prefix: ClassVar[str]  # "repair" → audit actions repair.accept, repair.decide ...
    url_namespace: ClassVar[str]  # "repairs" → repairs:detail, repairs:track_detail ...
    # The decisions the handler may make (API and form values) and the status each gives.
    outcomes: ClassVar[dict[str, str]]
    # Objections count the decision limit again from the day the case is accepted.
    recount_on_accept: ClassVar[bool] = False
    submit_action: ClassVar[str] = "submit"
    accept_step: ClassVar[str] = "受理"  # the timeline's name for acceptance
    # Who handles the cases (pages and API): member units and the office, unless a kind
    # says otherwise (financing needs: financial institutions).
    handler_roles: ClassVar[tuple[str, ...]] = (Role.OFFICE, Role.DEPARTMENT)
    # Whether the office may take an open case over from its unit (接办).
    takes_over: ClassVar[bool] = True
    # Why a handler may not refuse (不予受理) a case of this kind; empty: it may.
    no_refusal: ClassVar[str] = ""
    # Whether material (补正) may be asked for only once the case is accepted.
    material_once_accepted: ClassVar[bool] = False
    # Every workflow made (one per kind, at import of its app: see its AppConfig.ready).
    registry: ClassVar[list[Workflow]] = []

    def __init__(self) -> None:
        Workflow.registry.append(self)

    @property
    def _files(self) -> Any:
        """The evidence rows of this kind (each has `case`, the FK to its case)."""
        return self.evidence_model.objects  # type: ignore[attr-defined]

    # --- naming ----------------------------------------------------------------------------

    @property
    def noun(self) -> str:
        return self.model.NOUN

    def track_url(self, case: Case) -> str:
        return reverse(f"{self.url_namespace}:track_detail", args=[case.query_code])

    def case_url(self, case: Case) -> str:
        return reverse(f"{self.url_namespace}:detail", args=[case.pk])

    def outcome_label(self, case: Case) -> str:
        return case.status_label

    def decision_title(self, case: Case) -> str:
        """The title of the applicant's notice of the decision."""
        return f"{self.noun}{self.outcome_label(case)}"

    # --- hooks of the kind -------------------------------------------------------------------

    def check_decision(self, case: Case, user: Any, decision: str, extra: dict[str, Any]) -> None:
        """Refuse a decision `user` cannot make on this case (DomainError), before anything
        changes."""

    def remedy(self, case: Case, user: Any, decision: str, reason: str, *, request: Any,
               today: dt.date, extra: dict[str, Any]) -> None:
        """What the decision does to the record (runs in the decision's transaction)."""

    def on_closed(self, case: Case, today: dt.date) -> None:
        """The case left the open steps (decided, refused or withdrawn)."""

    def on_start(self, case: Case, user: Any, today: dt.date) -> None:
        """The case was accepted by `user` (on its own, or with the decision)."""

    def decision_effects(self, case: Case, today: dt.date) -> dict[str, str]:
        """What each decision will do, in words (decision → sentence), asked for
        confirmation on the case page before it is made: a decision is never undone."""
        return {}

    # --- who acts ----------------------------------------------------------------------------

    def may_handle(self, user: Any, case: Case) -> bool:
        """The office always; the unit unless the office has taken the case over."""
        role = getattr(user, "role", None)
        return role == Role.OFFICE or (
            role == Role.DEPARTMENT and user.unit_id == case.unit_id and case.taken_over_by_id is None)

    def may_act(self, user: Any, case: Case) -> bool:
        return case.is_open and self.may_handle(user, case)

    def may_take_over(self, user: Any, case: Case) -> bool:
        return self.takes_over and getattr(user, "role", None) == Role.OFFICE and case.is_open \
            and case.taken_over_by_id is None and case.unit_id is not None

    def is_applicant(self, user: Any, case: Case) -> bool:
        return getattr(user, "role", None) == Role.SUBJECT and user.subject_id == case.subject_id

    def _lock(self, case_id: int, user: Any, *, applicant: bool = False) -> Case:
        """The case, locked, if `user` may take the step: the applicant's steps need the
        applicant's subject, the handler's the office or the unit (`visible_to`)."""
        role = getattr(user, "role", None)
        allowed = (role == Role.SUBJECT) if applicant else role in self.handler_roles
        case = (self.model.objects.visible_to(user).select_for_update(of=("self",))
                .select_related("record", "applicant", "unit", "subject")
                .filter(pk=case_id).first()) if allowed else None
        if case is None:
            whose = "，或不是本主体的申请" if applicant else "，或无权办理"
            raise DomainError("id", f"没有这个{self.noun}{whose}", status=404)
        if applicant:
            return case
        if not self.may_handle(user, case):
            raise DomainError("status", f"该{self.noun}已由信用办接办，本单位不再办理", status=409)
        return case

    def _must_be_open(self, case: Case, doing: str) -> None:
        if not case.is_open:
            when = f"已于 {case.decided_on} " if case.decided_on else "已"
            raise DomainError("status", f"{self.noun}{when}办结（{self.outcome_label(case)}），不能{doing}",
                              status=409)

    def _record(self, name: str, case: Case, user: Any, request: Any, summary: str) -> None:
        audit(f"{self.audit_prefix}.{name}", actor=user, request=request, obj=case, summary=summary)

    def _tell(self, case: Case, title: str, body: str) -> None:
        notify(case.applicant, title, f"查询码 {case.query_code}。{body}".strip(), self.track_url(case))

    # --- opening ---------------------------------------------------------------------------

    def new(self, **fields: Any) -> Case:
        """An unsaved case with a fresh query code."""
        return self.model(query_code=new_query_code(self.model.QUERY_PREFIX), **fields)

    def open_case(self, case: Case, user: Any, *, name: str, public: str, note: str = "",
                  files: list[Any] | None = None, request: Any = None, summary: str,
                  busy: str) -> Case:
        """Save a new case (inside the caller's transaction) with its first step, its files,
        the audit entry and the applicant's notice. `busy`: the 422 message when another
        open case of this kind holds the same record (the database's constraint decides)."""
        evidence.check(list(files or []))  # all files checked before any is stored
        step(case.timeline, name, user, note, public=public)
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            raise DomainError("record_id", busy) from None
        self._store(case, files or [])
        self._record(self.submit_action, case, user, request, summary)
        notify(user, f"{self.noun}已提交",
               f"查询码 {case.query_code}（凭此可查询进度）。{case.unit_name}将于 {case.accept_by} 前"
               f"决定是否受理。", self.track_url(case))
        return case

    def _store(self, case: Case, files: list[Any]) -> None:
        for upload in files:
            self._files.create(case=case, file=upload, size=upload.size,
                               name=mask_id_numbers(upload.name)[:255])

    # --- the handler's steps ---------------------------------------------------------------

    def _start(self, case: Case, user: Any, today: dt.date, note: str = "") -> None:
        """Accepted today; objections count the decision limit again from today."""
        public = ""
        if self.recount_on_accept:
            remaining = workdays.workdays_between(case.accept_by, case.due_by)
            case.due_by = workdays.add_workdays(today, remaining)
            public = f"{remaining} 个工作日内（{case.due_by.isoformat()} 前）办结"
        case.status, case.accepted_on = c.ACCEPTED, today
        self.on_start(case, user, today)
        step(case.timeline, self.accept_step, user, note,
             public=public or f"{case.due_by.isoformat()} 前办结")

    @transaction.atomic
    def accept(self, case_id: int, user: Any, accept_it: bool = True, note: str = "", *,
               request: Any = None, today: dt.date | None = None) -> Case:
        """Accept (受理), or refuse (不予受理) with a reason, which closes the case."""
        today = today or timezone.localdate()
        if not accept_it and self.no_refusal:
            raise DomainError("accept", self.no_refusal)
        note = clean_text(note, "reason", required="" if accept_it else "不予受理须写明理由")
        case = self._lock(case_id, user)
        if case.status != c.SUBMITTED:
            raise DomainError("status", f"{self.noun}已是“{case.status_label}”，不能再决定是否受理",
                              status=409)
        if accept_it:
            self._start(case, user, today, note)
        else:
            case.status = c.REFUSED
            case.decided_on, case.decided_by, case.decision_reason = today, user, note
            step(case.timeline, "不予受理", user, note)
            self.on_closed(case, today)
        case.save()
        self._record("accept", case, user, request, f"{self.noun} {case.query_code}：{case.status_label}")
        if accept_it:
            self._tell(case, f"{self.noun}已受理", f"将于 {case.due_by} 前办结。")
        else:
            self._tell(case, f"{self.noun}不予受理", f"理由：{note}")
        return case

    @transaction.atomic
    def request_material(self, case_id: int, user: Any, note: str, *, request: Any = None,
                         today: dt.date | None = None) -> Case:
        """补正: ask the applicant for missing material; the deadlines stop running."""
        today = today or timezone.localdate()
        note = clean_text(note, "reason", required="请写明需要补正的材料")
        case = self._lock(case_id, user)
        self._must_be_open(case, "要求补正")
        if case.status not in c.RUNNING:
            raise DomainError("status", "已在等待申请人补正材料", status=409)
        if case.status == c.SUBMITTED and self.material_once_accepted:
            raise DomainError("status", f"请先受理该{self.noun}，再要求补正材料", status=409)
        case.paused_on, case.material_request = today, note
        case.status = c.AWAITING_MATERIAL
        step(case.timeline, "要求补正材料", user, note,
             public="办理期限自即日起暂停计算，申请人补正后继续计算")
        case.save()
        self._record("material_request", case, user, request,
                     f"{self.noun} {case.query_code} 要求补正材料")
        self._tell(case, f"{self.noun}需要补正材料",
                   f"需补正：{note}。请登录后在申请页面补正；补正前办理期限暂停计算。")
        return case

    @transaction.atomic
    def supply_material(self, case_id: int, user: Any, note: str, files: list[Any] | None = None,
                        *, request: Any = None, today: dt.date | None = None) -> Case:
        """The applicant supplies the material: the case returns to its step, and every
        deadline still ahead moves on by the working days it waited."""
        today = today or timezone.localdate()
        files = list(files or [])
        note = clean_text(note, "note")
        if not note and not files:
            raise DomainError("note", "请说明补正情况或上传补正材料")
        case = self._lock(case_id, user, applicant=True)
        if case.status != c.AWAITING_MATERIAL:
            raise DomainError("status", f"{self.noun}当前为“{case.status_label}”，无需补正", status=409)
        evidence.check(files, already=self._files.filter(case=case).count())
        assert case.paused_on is not None  # set with the status
        waited = workdays.workdays_between(case.paused_on, today)
        # Back to the step it was paused from: accepted if it had been, else submitted.
        if case.accepted_on is None:
            case.accept_by = workdays.add_workdays(case.accept_by, waited)
        case.due_by = workdays.add_workdays(case.due_by, waited)
        case.status = c.ACCEPTED if case.accepted_on else c.SUBMITTED
        case.paused_on = None
        moved = f"期限顺延 {waited} 个工作日" if waited else "当日补正，期限不变"
        step(case.timeline, "补正材料", user, note,
             public=f"{moved}：{case.limit_label} {case.current_limit}"
                    + (f"；补正文件 {len(files)} 个" if files else ""))
        case.save()
        self._store(case, files)
        self._record("material", case, user, request, f"{self.noun} {case.query_code} 补正材料")
        return case

    @transaction.atomic
    def withdraw(self, case_id: int, user: Any, reason: str = "", *, request: Any = None,
                 today: dt.date | None = None) -> Case:
        """The applicant withdraws (撤回) an open case; it is closed as withdrawn."""
        today = today or timezone.localdate()
        reason = clean_text(reason, "reason")
        case = self._lock(case_id, user, applicant=True)
        self._must_be_open(case, "撤回")
        case.status, case.decided_on, case.paused_on = c.WITHDRAWN, today, None
        step(case.timeline, "申请人撤回", user, reason)
        self.on_closed(case, today)
        case.save()
        self._record("withdraw", case, user, request, f"撤回{self.noun} {case.query_code}")
        self._tell(case, f"{self.noun}已撤回", "如需办理，可重新提出申请。")
        return case

    @transaction.atomic
    def take_over(self, case_id: int, user: Any, reason: str, *, request: Any = None) -> Case:
        """The office takes an open case over from the unit (接办, e.g. when it is overdue)."""
        if getattr(user, "role", None) != Role.OFFICE:
            raise DomainError("id", f"只有信用办可以接办{self.noun}", status=403)
        if not self.takes_over:
            raise DomainError("status", f"{self.noun}不由信用办接办", status=409)
        reason = clean_text(reason, "reason", required="请写明接办原因")
        case = self._lock(case_id, user)
        self._must_be_open(case, "接办")
        if case.taken_over_by_id is not None:
            raise DomainError("status", f"该{self.noun}已由信用办接办", status=409)
        if case.unit_id is None:
            raise DomainError("status", f"该{self.noun}由信用办办理，无需接办", status=409)
        case.taken_over_by = user
        step(case.timeline, "信用办接办", user, reason,
             public=f"由信用办办理，办结期限仍为 {case.due_by}")
        case.save(update_fields=["taken_over_by", "timeline"])
        self._record("take_over", case, user, request, f"信用办接办{self.noun} {case.query_code}"
                     f"（原{case.UNIT_ROLE} {case.unit_name}）：{reason}")
        self._tell(case, f"{self.noun}由信用办接办", f"办结期限仍为 {case.due_by}。")
        return case

    @transaction.atomic
    def decide(self, case_id: int, user: Any, decision: str, reason: str, *, request: Any = None,
               today: dt.date | None = None, **extra: Any) -> Case:
        """Decide an open case (a case not yet accepted is accepted with it); a decision
        already made is never applied again (409)."""
        today = today or timezone.localdate()
        if decision not in self.outcomes:
            raise DomainError("decision", f"应为 {' 或 '.join(self.outcomes)}")
        reason = clean_text(reason, "reason", required="请写明决定理由")
        case = self._lock(case_id, user)
        if not case.is_open:
            done = f"{self.noun}已于 {case.decided_on} 办结（{self.outcome_label(case)}）"
            raise DomainError("status", f"{done}，不能重复决定", status=409)
        self.check_decision(case, user, decision, extra)
        if case.status == c.SUBMITTED:
            self._start(case, user, today)
        case.status, case.paused_on = self.outcomes[decision], None
        case.decided_on, case.decided_by, case.decision_reason = today, user, reason
        self.remedy(case, user, decision, reason, request=request, today=today, extra=extra)
        self.on_closed(case, today)
        label = self.outcome_label(case)
        step(case.timeline, label, user, reason)
        case.save()
        self._record("decide", case, user, request, f"{self.noun} {case.query_code}：{label}")
        self._tell(case, self.decision_title(case), f"理由：{reason}")
        return case

    # --- files -----------------------------------------------------------------------------

    @transaction.atomic
    def add_evidence(self, case_id: int, user: Any, files: list[Any], *,
                     request: Any = None) -> Case:
        """The applicant adds files to an open case (an API client files them after the
        application, which is JSON)."""
        if not files:
            raise DomainError("files", "请选择要上传的文件")
        case = self._lock(case_id, user, applicant=True)
        self._must_be_open(case, "上传材料")
        evidence.check(files, already=self._files.filter(case=case).count())
        self._store(case, files)
        step(case.timeline, "上传证明材料", user, public=f"文件 {len(files)} 个")
        case.save(update_fields=["timeline"])
        self._record("evidence", case, user, request,
                     f"{self.noun} {case.query_code} 上传材料 {len(files)} 个")
        return case

    def purge_evidence(self, today: dt.date | None = None) -> int:
        """Delete the files of cases closed more than EVIDENCE_RETENTION_DAYS ago (保存期限)."""
        today = today or timezone.localdate()
        cutoff = today - dt.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
        due = self._files.filter(purged_on__isnull=True, case__decided_on__lte=cutoff)
        purged = []
        for item in due.iterator():
            item.file.delete(save=False)
            purged.append(item.pk)
        count = self._files.filter(pk__in=purged).update(purged_on=today) if purged else 0
        if count:
            days = settings.EVIDENCE_RETENTION_DAYS
            audit(f"{self.audit_prefix}.evidence_purge", via="task",
                  summary=f"按保存期限（{days} 天）删除{self.noun}材料 {count} 个")
        return count


def workflows() -> list[Workflow]:
    """Every kind of case, once each (its workflow)."""
    return list({w.url_namespace: w for w in Workflow.registry}.values())


def find_by_code(code: str) -> tuple[Workflow, Case] | None:
    """The case a query code belongs to, of whatever kind (the kind whose prefix the code
    has is asked first), with its workflow; None if no case has it."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    for workflow in sorted(workflows(), key=lambda w: not normalized.startswith(w.model.QUERY_PREFIX)):
        case = workflow.model.objects.select_related("unit").filter(query_code=normalized).first()
        if case is not None:
            return workflow, case
    return None
