"""Objections (异议处理): a subject disputes one of its records, or a refusal to repair it.

The flow follows the objection rules of the packs in force (platform-defaults: 信用广州):
accept or refuse within N working days; once accepted, the platform checks its own
processing and the source unit (the unit that reported the record) verifies, within the
following limits; then the objection is upheld (the record is withdrawn or corrected, its
list memberships with it; a refused repair is handled again) or dismissed. While an
objection is open the record carries the objection mark (异议处理中).

谁认定、谁核实: the reporting unit handles its records' objections; office users may handle
any case, and may take one over, after which the unit no longer acts on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.lib import workdays
from xinyong.lib.casework import new_query_code, step
from xinyong.lib.pii import mask_id_numbers
from xinyong.notices.models import notify
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.policies.schema import LEVEL_RANK
from xinyong.records import determination as d
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs.models import Repair

# Facts a unit may correct when it upholds an objection instead of withdrawing the record.
CORRECTABLE = ("behavior", "occurred_on", "decided_on", "decision_no", "facts", "severity")
MAX_TEXT = 5000


class ObjectionError(ValueError):
    """A refusal naming the input field (`loc` in the API, the form field on pages)."""

    def __init__(self, field: str, msg: str, status: int = 422) -> None:
        super().__init__(f"{field}：{msg}")
        self.field, self.msg, self.status = field, msg, status


def rules_for(day: dt.date) -> tuple[Any, Any]:
    """(entry, ObjectionRules) of the highest-level pack in force on `day` that sets them."""
    found = [(e, e.pack.objection) for e in rulebook.current().in_force(day) if e.pack.objection]
    if not found:
        raise ObjectionError("record_id", f"{day.isoformat()} 没有施行中的异议处理时限规则")
    return max(found, key=lambda f: LEVEL_RANK[f[0].pack.level])


def _set_mark(record_id: int, open_: bool) -> None:
    Record.objects.filter(pk=record_id).update(objection_open=open_)


def _link(objection: Objection) -> str:
    return f"/objections/track/{objection.query_code}/"


# --- who sees and who acts ---------------------------------------------------------------

def may_view(user: Any, objection: Objection) -> bool:
    """The applicant's subject, the unit that handles it, and the office."""
    role = getattr(user, "role", None)
    return role == Role.OFFICE or (
        role == Role.DEPARTMENT and user.unit_id == objection.unit_id) or (
        role == Role.SUBJECT and user.subject_id == objection.subject_id)


def may_handle(user: Any, objection: Objection) -> bool:
    """The office always; the source unit unless the office has taken the case over."""
    role = getattr(user, "role", None)
    return role == Role.OFFICE or (
        role == Role.DEPARTMENT and user.unit_id == objection.unit_id
        and objection.taken_over_by_id is None)


def cases_for(user: Any) -> QuerySet[Objection]:
    """The cases a user may see: the office all, a unit its own, a subject its own."""
    queryset = Objection.objects.select_related("record", "unit", "subject", "repair")
    role = getattr(user, "role", None)
    if role == Role.OFFICE:
        return queryset
    if role == Role.DEPARTMENT:
        return queryset.filter(unit_id=user.unit_id)
    if role == Role.SUBJECT:
        return queryset.filter(subject_id=user.subject_id)
    return queryset.none()


def overdue_q(today: dt.date) -> Q:
    """Open cases past the deadline of the step now due (the model's `is_overdue`, in SQL)."""
    return Q(status="submitted", accept_by__lt=today) | Q(status="accepted", due_by__lt=today)


def working_days_left(objection: Objection, today: dt.date) -> int | None:
    """Working days until the current deadline (negative: that many overdue); None once closed."""
    limit = objection.current_limit
    if limit is None:
        return None
    if today > limit:
        return -workdays.workdays_between(limit, today)
    return workdays.workdays_between(today, limit)


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
    return (Repair.objects.filter(subject_id=user.subject_id, status="rejected")
            .select_related("record").order_by("-decided_on", "-id"))


# --- submitting ------------------------------------------------------------------------------

@transaction.atomic
def submit(user: Any, record_id: int, reason: str, *, evidence: str = "",
           repair_id: int | None = None, request: Any = None,
           today: dt.date | None = None) -> Objection:
    """A subject disputes its own record (or the refusal of a repair on it)."""
    today = today or timezone.localdate()
    record = None
    if getattr(user, "role", None) == Role.SUBJECT:
        record = (Record.objects.select_for_update(of=("self",)).select_related("unit")
                  .filter(pk=record_id, subject_id=user.subject_id).first())
    if record is None:
        raise ObjectionError("record_id", "没有这条记录，或不是本主体的记录", status=404)
    reason, evidence = mask_id_numbers(reason.strip()), mask_id_numbers(evidence.strip())
    if not reason:
        raise ObjectionError("reason", "请写明异议理由")
    if len(reason) > MAX_TEXT:
        raise ObjectionError("reason", f"异议理由不能超过 {MAX_TEXT} 字")
    if len(evidence) > MAX_TEXT:
        raise ObjectionError("evidence", f"证据材料说明不能超过 {MAX_TEXT} 字")
    if record.status == d.WITHDRAWN:
        raise ObjectionError("record_id", "记录已撤销，不再公示和使用，无需提出异议")
    repair = None
    if repair_id is not None:
        repair = Repair.objects.filter(pk=repair_id, record=record).first()
        if repair is None or repair.status != "rejected":
            raise ObjectionError("repair_id", "只能对本记录“不予修复”的决定提出异议")
    pending = Repair.objects.filter(record=record, status__in=Repair.OPEN).first()
    if pending is not None:
        raise ObjectionError("record_id", f"该记录有正在办理的信用修复申请（查询码 {pending.query_code}），"
                                          "请待其办结后再提出异议")
    open_one = Objection.objects.filter(record=record, status__in=Objection.OPEN).first()
    if open_one is not None:
        raise ObjectionError("record_id", f"该记录已有正在处理的异议（查询码 {open_one.query_code}）")
    entry, rules = rules_for(today)
    accept_by = workdays.add_workdays(today, rules.accept_working_days)
    objection = Objection(
        record=record, repair=repair, subject_id=record.subject_id, unit=record.unit,
        applicant=user, query_code=new_query_code("YY"), reason=reason, evidence=evidence,
        policy=entry.pack.id, clause=rules.clause, submitted_on=today, accept_by=accept_by,
        # Counted again from the day it is accepted; until then, as if accepted on the last day.
        due_by=workdays.add_workdays(
            accept_by, rules.platform_check_working_days + rules.verify_working_days),
    )
    basis = entry.pack.doc_number or entry.pack.title
    step(objection.timeline, "提交异议" if repair is None else "对不予修复决定提出异议", user,
         f"{rules.accept_working_days} 个工作日内决定是否受理；受理后平台 "
         f"{rules.platform_check_working_days} 个工作日内核查自身处理环节，认定单位 "
         f"{rules.verify_working_days} 个工作日内核实（{basis} {rules.clause}）")
    try:
        with transaction.atomic():
            objection.save()
    except IntegrityError:  # a concurrent submission for the same record won
        raise ObjectionError("record_id", "该记录已有正在处理的异议") from None
    _set_mark(record.pk, True)
    audit("objection.submit", actor=user, request=request, obj=objection,
          summary=f"对 {record.decision_no} 提出异议（{objection.query_code}）")
    notify(user, "异议申请已提交",
           f"查询码 {objection.query_code}，将于 {objection.accept_by} 前决定是否受理。"
           "异议处理期间，该记录加注“异议处理中”标记。", _link(objection))
    return objection


# --- handling --------------------------------------------------------------------------------

def _locked(objection_id: int, user: Any) -> Objection:
    objection = (Objection.objects.select_for_update(of=("self",))
                 .select_related("record", "applicant", "unit").filter(pk=objection_id).first())
    if objection is None or getattr(user, "role", None) not in (Role.OFFICE, Role.DEPARTMENT) \
            or not may_view(user, objection):
        raise ObjectionError("id", "没有这个异议，或无权办理", status=404)
    if not may_handle(user, objection):
        raise ObjectionError("status", "该异议已由信用办接办，本单位不再办理", status=409)
    return objection


def _accept(objection: Objection, user: Any, today: dt.date, note: str = "") -> None:
    """Accepted today: the verification limit runs from today (same number of working days)."""
    remaining = workdays.workdays_between(objection.accept_by, objection.due_by)
    objection.status = "accepted"
    objection.accepted_on = today
    objection.due_by = workdays.add_workdays(today, remaining)
    step(objection.timeline, "受理，核查并转认定单位核实", user,
         f"{remaining} 个工作日内（{objection.due_by.isoformat()} 前）办结。{note}".strip())


@transaction.atomic
def accept(objection_id: int, user: Any, accept_it: bool, note: str = "", *,
           request: Any = None, today: dt.date | None = None) -> Objection:
    """Accept (受理) or refuse (不予受理, with a reason); a refusal clears the mark."""
    today = today or timezone.localdate()
    note = mask_id_numbers(note.strip())
    if not accept_it and not note:
        raise ObjectionError("reason", "不予受理须写明理由")
    objection = _locked(objection_id, user)
    if objection.status != "submitted":
        raise ObjectionError("status", f"异议已是“{objection.get_status_display()}”，不能再决定是否受理",
                             status=409)
    if accept_it:
        _accept(objection, user, today, note)
    else:
        objection.status = "refused"
        objection.decided_on, objection.decided_by = today, user
        objection.decision_reason = note
        step(objection.timeline, "不予受理", user, note)
        _set_mark(objection.record_id, False)
    objection.save()
    audit("objection.accept", actor=user, request=request, obj=objection,
          summary=f"异议 {objection.query_code}：{objection.get_status_display()}")
    if accept_it:
        body = f"查询码 {objection.query_code}，将于 {objection.due_by} 前办结。"
    else:
        body = f"查询码 {objection.query_code}。理由：{note}"
    notify(objection.applicant, f"异议申请{'已受理' if accept_it else '不予受理'}", body,
           _link(objection))
    return objection


@transaction.atomic
def take_over(objection_id: int, user: Any, reason: str, *, request: Any = None) -> Objection:
    """The office takes an open case over from the unit (接办, e.g. when it is overdue); the
    unit then no longer acts on it."""
    if getattr(user, "role", None) != Role.OFFICE:
        raise ObjectionError("id", "只有信用办可以接办异议", status=403)
    reason = mask_id_numbers(reason.strip())
    if not reason:
        raise ObjectionError("reason", "请写明接办原因")
    objection = _locked(objection_id, user)
    if not objection.is_open:
        raise ObjectionError("status", f"异议已办结（{objection.get_status_display()}），不能接办",
                             status=409)
    if objection.taken_over_by_id is not None:
        raise ObjectionError("status", "该异议已由信用办接办", status=409)
    objection.taken_over_by = user
    step(objection.timeline, "信用办接办", user, reason)
    objection.save(update_fields=["taken_over_by", "timeline"])
    audit("objection.take_over", actor=user, request=request, obj=objection,
          summary=f"信用办接办异议 {objection.query_code}（原核实单位 {objection.unit.name}）：{reason}")
    notify(objection.applicant, "异议申请由信用办接办",
           f"查询码 {objection.query_code}，办结期限仍为 {objection.due_by}。", _link(objection))
    return objection


def _clean_corrections(corrections: dict[str, Any] | None) -> dict[str, Any]:
    changes = {k: v for k, v in (corrections or {}).items() if v not in (None, "")}
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ObjectionError(f"corrections.{unknown[0]}", "此字段不能通过异议更正")
    return changes


def _reopen_repair(objection: Objection, user: Any, repair_id: int, today: dt.date) -> None:
    repair = Repair.objects.select_for_update(of=("self",)).get(pk=repair_id)
    other = Repair.objects.filter(record_id=repair.record_id, status__in=Repair.OPEN).exclude(
        pk=repair.pk).first()
    if other is not None:
        raise ObjectionError("status", f"该记录已有正在办理的修复申请（查询码 {other.query_code}），"
                                       "不能重新办理原申请", status=409)
    decide_days = workdays.workdays_between(repair.submitted_on, repair.due_by)
    repair.status = "accepted"
    repair.decided_on, repair.decided_by = None, None
    repair.due_by = workdays.add_workdays(today, max(decide_days, 1))
    step(repair.timeline, "异议成立，重新办理", user,
         f"原决定（不予修复：{repair.reason}）经异议 {objection.query_code} 核实不当；"
         f"{repair.due_by.isoformat()} 前重新决定")
    repair.reason = ""
    repair.save()
    objection.remedy = "repair_reopened"


def _remedy_record(objection: Objection, user: Any, reason: str, changes: dict[str, Any],
                   request: Any, today: dt.date) -> None:
    record = Record.objects.get(pk=objection.record_id)
    why = f"异议成立：{reason}"
    try:
        if changes:
            records.correct(record, changes, why, actor=user, request=request, today=today)
            objection.remedy = "corrected"
        elif record.status != d.WITHDRAWN:
            records.withdraw(record, why, actor=user, request=request, change="objection_upheld",
                             today=today)
            objection.remedy = "withdrawn"
        else:  # the unit withdrew it meanwhile: nothing left to take down
            objection.remedy = "withdrawn"
    except d.DeterminationError as exc:
        field = f"corrections.{exc.field}" if exc.field in CORRECTABLE else "corrections"
        raise ObjectionError(field, exc.msg) from None


@transaction.atomic
def decide(objection_id: int, user: Any, decision: str, reason: str, *,
           corrections: dict[str, Any] | None = None, request: Any = None,
           today: dt.date | None = None) -> Objection:
    """Upheld: the record is withdrawn, or corrected when `corrections` are given (a refused
    repair is handled again instead); dismissed: the record stands. Either way the mark is
    cleared. A decision already made is never applied again (409)."""
    today = today or timezone.localdate()
    if decision not in ("upheld", "dismissed"):
        raise ObjectionError("decision", "应为 upheld（异议成立）或 dismissed（异议不成立）")
    reason = mask_id_numbers(reason.strip())
    if not reason:
        raise ObjectionError("reason", "请写明处理意见")
    changes = _clean_corrections(corrections)
    if changes and decision != "upheld":
        raise ObjectionError("corrections", "只有异议成立时才更正记录")
    objection = _locked(objection_id, user)
    if not objection.is_open:
        raise ObjectionError(
            "status", f"异议已于 {objection.decided_on} 办结（{objection.get_status_display()}），"
            "不能重复决定", status=409)
    if changes and objection.repair_id:
        raise ObjectionError("corrections", "对修复决定的异议成立时，修复申请重新办理，不更正记录")
    if objection.status == "submitted":
        _accept(objection, user, today)
    objection.status = decision
    objection.decided_on, objection.decided_by = today, user
    objection.decision_reason = reason
    _set_mark(objection.record_id, False)
    if decision == "upheld":
        if objection.repair_id:
            _reopen_repair(objection, user, objection.repair_id, today)
        else:
            _remedy_record(objection, user, reason, changes, request, today)
    label = "异议成立" if decision == "upheld" else "异议不成立"
    if objection.remedy:
        label = f"{label}，{objection.get_remedy_display()}"
    step(objection.timeline, label, user, reason)
    objection.save()
    audit("objection.decide", actor=user, request=request, obj=objection,
          summary=f"异议 {objection.query_code}：{label}")
    notify(objection.applicant, label, f"查询码 {objection.query_code}。处理意见：{reason}",
           _link(objection))
    return objection
