"""Objections (异议处理): a subject disputes one of its records, or a refusal to repair it.

The time limits follow the objection rules of the packs in force (platform-defaults:
信用广州): accept or refuse within N working days; once accepted, the platform checks its
own processing and the source unit verifies, within the following limits, counted from
the day of acceptance. Upheld: the record is withdrawn or corrected (its list memberships
with it), or a refused repair is handled again; dismissed: the record stands. While an
objection is open the record carries the objection mark (异议处理中). The steps of the
case are the shared workflow's (`xinyong.casework.services`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow, clean_text, leaving_lists
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.objections import choices
from xinyong.objections.models import Evidence, Objection
from xinyong.policies import rulebook
from xinyong.records import determination as d
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import choices as repair_choices
from xinyong.repairs import services as repairs
from xinyong.repairs.models import Repair

# Facts a unit may correct when it upholds an objection instead of withdrawing the record.
CORRECTABLE = ("behavior", "occurred_on", "decided_on", "decision_no", "facts", "severity")
MAX_TEXT = 5000


def rules_for(day: dt.date) -> tuple[Any, Any]:
    """(entry, ObjectionRules) of the highest-level pack in force on `day` that sets them."""
    found = rulebook.current().highest("objection", day)
    if found is None:
        raise DomainError("record_id", f"{day.isoformat()} 没有施行中的异议处理时限规则")
    return found


def objectable_records(user: Any) -> QuerySet[Record]:
    """A subject's records it may dispute: all its own except those already withdrawn."""
    if getattr(user, "role", None) != Role.SUBJECT:
        return Record.objects.none()
    return (Record.objects.filter(subject_id=user.subject_id).exclude(status=d.WITHDRAWN)
            .select_related("unit"))


def objectable_repairs(user: Any) -> QuerySet[Repair]:
    """A subject's refused repair applications (不予修复), which it may dispute."""
    if getattr(user, "role", None) != Role.SUBJECT:
        return Repair.objects.none()
    return (Repair.objects.filter(subject_id=user.subject_id, status=repair_choices.REJECTED)
            .select_related("record").order_by("-decided_on", "-id"))


def clean_corrections(corrections: dict[str, Any] | None) -> dict[str, Any]:
    changes = {k: v for k, v in (corrections or {}).items() if v not in (None, "")}
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise DomainError(f"corrections.{unknown[0]}", "此字段不能通过异议更正")
    return changes


class ObjectionWorkflow(Workflow):
    model = Objection
    evidence_model = Evidence
    audit_prefix = "objection"
    url_namespace = "objections"
    outcomes = {"upheld": choices.UPHELD, "dismissed": choices.DISMISSED}
    recount_on_accept = True
    accept_step = "受理，核查并转认定单位核实"

    def outcome_label(self, case: Case) -> str:
        remedy = getattr(case, "remedy", "")
        label = case.status_label
        return f"{label}，{choices.REMEDY.label(remedy)}" if remedy else label

    def decision_title(self, case: Case) -> str:
        return self.outcome_label(case)  # 异议成立，撤销记录

    def on_closed(self, case: Case, today: dt.date) -> None:
        Record.objects.filter(pk=case.record_id or 0).update(objection_open=False)
        _note(case.record_id, "objection_closed")

    def decision_effects(self, case: Case, today: dt.date) -> dict[str, str]:
        objection: Any = case
        record = objection.record
        if objection.repair_id:
            upheld = (f"异议成立的，原信用修复申请（{objection.repair.query_code}）重新办理，"
                      "由认定单位重新作出决定。")
        else:
            upheld = (f"异议成立的，记录“{record.decision_no}”将被撤销（选择更正的，按更正后的事实重新认定）"
                      f"，当日起停止公示{leaving_lists(record.pk, today)}。")
        return {"upheld": upheld,
                "dismissed": f"异议不成立的，维持原信息，记录“{record.decision_no}”的异议标记撤除。"}

    def check_decision(self, case: Case, user: Any, decision: str, extra: dict[str, Any]) -> None:
        changes = extra["corrections"] = clean_corrections(extra.get("corrections"))
        if changes and decision != "upheld":
            raise DomainError("corrections", "只有异议成立时才更正记录")
        if changes and case.repair_id:  # type: ignore[attr-defined]
            raise DomainError("corrections", "对修复决定的异议成立时，修复申请重新办理，不更正记录")

    def remedy(self, case: Case, user: Any, decision: str, reason: str, *, request: Any,
               today: dt.date, extra: dict[str, Any]) -> None:
        """Upheld: a refused repair is handled again; otherwise the record is corrected
        (when corrections are given) or withdrawn."""
        objection: Any = case
        if decision != "upheld":
            return
        if objection.repair_id:
            repairs.reopen(objection.repair_id, user, f"异议 {objection.query_code} 成立", today)
            objection.remedy = choices.REPAIR_REOPENED
            return
        changes = extra.get("corrections") or {}
        record = Record.objects.get(pk=objection.record_id)
        why = f"异议成立：{reason}"
        try:
            if changes:
                records.correct(record, changes, why, actor=user, request=request, today=today)
                objection.remedy = choices.CORRECTED
            else:
                if record.status != d.WITHDRAWN:  # the unit may have withdrawn it meanwhile
                    records.withdraw(record, why, actor=user, request=request,
                                     change="objection_upheld", today=today)
                objection.remedy = choices.WITHDRAWN
        except DomainError as exc:
            field = f"corrections.{exc.field}" if exc.field in CORRECTABLE else "corrections"
            raise DomainError(field, exc.msg) from None


workflow = ObjectionWorkflow()


@transaction.atomic
def submit(user: Any, record_id: int, reason: str, *, evidence: str = "",
           repair_id: int | None = None, files: list[Any] | None = None, request: Any = None,
           today: dt.date | None = None) -> Objection:
    """A subject disputes its own record (or the refusal of a repair on it)."""
    today = today or timezone.localdate()
    record = None
    if getattr(user, "role", None) == Role.SUBJECT:
        record = (Record.objects.select_for_update(of=("self",)).select_related("unit")
                  .filter(pk=record_id, subject_id=user.subject_id).first())
    if record is None:
        raise DomainError("record_id", "没有这条记录，或不是本主体的记录", status=404)
    reason = clean_text(reason, "reason", required="请写明异议理由", limit=MAX_TEXT)
    evidence = clean_text(evidence, "evidence", limit=MAX_TEXT)
    if record.status == d.WITHDRAWN:
        raise DomainError("record_id", "记录已撤销，不再公示和使用，无需提出异议")
    repair = None
    if repair_id is not None:
        repair = Repair.objects.filter(pk=repair_id, record=record).first()
        if repair is None or repair.status != repair_choices.REJECTED:
            raise DomainError("repair_id", "只能对本记录“不予修复”的决定提出异议")
    pending = Repair.objects.filter(record=record, status__in=c.OPEN).first()
    if pending is not None:
        raise DomainError("record_id", f"该记录有正在办理的信用修复申请（查询码 {pending.query_code}），"
                                       "请待其办结后再提出异议")
    open_one = Objection.objects.filter(record=record, status__in=c.OPEN).first()
    if open_one is not None:
        raise DomainError("record_id", f"该记录已有正在处理的异议（查询码 {open_one.query_code}）")
    entry, rules = rules_for(today)
    accept_by = workdays.add_workdays(today, rules.accept_working_days)
    objection: Any = workflow.new(
        record=record, repair=repair, subject_id=record.subject_id, unit=record.unit,
        applicant=user, reason=reason, evidence_text=evidence,
        policy=entry.pack.id, clause=rules.clause, submitted_on=today, accept_by=accept_by,
        # Counted again from the day it is accepted; until then, as if accepted on the last day.
        due_by=workdays.add_workdays(
            accept_by, rules.platform_check_working_days + rules.verify_working_days),
    )
    basis = entry.pack.doc_number or entry.pack.title
    workflow.open_case(
        objection, user, name="提交异议" if repair is None else "对不予修复决定提出异议",
        files=files, request=request,
        public=f"{rules.accept_working_days} 个工作日内决定是否受理；受理后平台 "
               f"{rules.platform_check_working_days} 个工作日内核查自身处理环节，认定单位 "
               f"{rules.verify_working_days} 个工作日内核实（{basis} {rules.clause}）",
        summary=f"对 {record.decision_no} 提出异议（{objection.query_code}）",
        busy="该记录已有正在处理的异议")
    Record.objects.filter(pk=record.pk).update(objection_open=True)
    _note(record.pk, "objection")
    return objection  # type: ignore[no-any-return]


def _note(record_id: int | None, change: str) -> None:
    """The objection mark (信息状态 2 异议) travels upward with the record."""
    from xinyong.exchange.outbox import note_record

    record = Record.objects.filter(pk=record_id or 0).first()
    if record is not None:
        note_record(record, change)
