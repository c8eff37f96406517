"""Credit repair (信用修复): which records may be repaired, through which channel, and what
approval does. The steps of the case (accept, 补正, take over, decide, withdraw) are the
shared workflow's (`xinyong.casework.services`).

谁认定、谁修复: the unit that made the finding decides; office users can take over.
Approval ends publicity, list memberships and measures at once; the record is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow, clean_text, leaving_lists
from xinyong.casework.timeline import step
from xinyong.commitments import services as commitments
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.lists.services import sync_record
from xinyong.policies import rulebook
from xinyong.policies.schema import LEVEL_RANK, SUBJECT_FLAGS, RepairChannel
from xinyong.records import determination as d
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import Record, effective_status
from xinyong.records.services import lock_record, save_version
from xinyong.repairs import choices
from xinyong.repairs.models import Evidence, Repair

MAX_STATEMENT = 5000


@dataclass(frozen=True)
class ChannelChoice:
    """The channel a case goes through, and why (record, claim, or neither)."""

    entry: Any
    channel: RepairChannel
    basis: str  # "record", "claim" or "" (standard)
    note: str


def _channels(day: dt.date) -> dict[str, list[tuple[Any, RepairChannel]]]:
    found: dict[str, list[tuple[Any, RepairChannel]]] = {}
    for entry in rulebook.current().in_force(day):
        for channel in entry.pack.repair_channels:
            found.setdefault(channel.code, []).append((entry, channel))
    return found


def standard_channel(day: dt.date) -> tuple[Any, RepairChannel]:
    """The standard channel in force on `day`; the highest level wins."""
    standard = _channels(day).get("standard")
    if not standard:
        raise DomainError("record_id", f"{day.isoformat()} 没有施行中的信用修复办理时限规则")
    return max(standard, key=lambda c: LEVEL_RANK[c[0].pack.level])


def record_qualifies(record: Record, channel: RepairChannel) -> str:
    """Why the record itself opens this (green) channel, or ''."""
    reported = {"force_majeure": record.force_majeure, "epidemic_duty": record.epidemic_duty}
    for circumstance in channel.eligible_circumstances:
        if reported.get(circumstance):
            label = "疫情不可抗力" if circumstance == "force_majeure" else "因参与疫情防控"
            return f"认定时报明{label}"
    pack = record.policy_version.pack.pack_id
    if pack in channel.eligible_packs:
        return f"依疫情防控文件（{record.policy_version.doc_number}）认定的记录"
    return ""


def green_channels(day: dt.date) -> list[tuple[Any, RepairChannel]]:
    """Green channels in force on `day`, highest level first."""
    return sorted(_channels(day).get("green", []), key=lambda c: -LEVEL_RANK[c[0].pack.level])


def channel_for(record: Record, flags: list[str], day: dt.date) -> ChannelChoice:
    """The green channel if the record qualifies (no check needed) or a claimed situation
    does (to be checked by the officer), else the standard one. Among packs in force that
    define the channel, the highest level wins."""
    greens = green_channels(day)
    for entry, channel in greens:
        why = record_qualifies(record, channel)
        if why:
            return ChannelChoice(entry, channel, choices.BY_RECORD, why)
    for entry, channel in greens:
        claimed = [f for f in flags if f in channel.eligible_flags]
        if claimed:
            labels = "、".join(SUBJECT_FLAGS.get(f, f) for f in claimed)
            return ChannelChoice(entry, channel, choices.BY_CLAIM, f"申请人自报：{labels}（待核实）")
    entry, channel = standard_channel(day)
    return ChannelChoice(entry, channel, "", "")


def check_repairable(record: Record, today: dt.date) -> None:
    """Why this record cannot be repaired now, as a DomainError (or nothing)."""
    status = effective_status(record, today)
    if record.polarity != "dishonest":
        raise DomainError("record_id", "良好信息不需要修复")
    if status == d.EXPIRED:
        raise DomainError("record_id", f"最长公示期已于 {record.ends_on} 届满，已自动停止公示，无需申请修复")
    if status != d.PUBLISHED:
        raise DomainError("record_id", f"记录当前为“{RECORD_STATUS.label(status)}”，不在公示中，无需修复")
    if record.objection_open:
        raise DomainError("record_id", "该记录有正在处理的异议，请待异议处理结束后再申请修复")
    if record.repairable_from and today < record.repairable_from:
        raise DomainError(
            "record_id", f"最短公示期未满：最早可于 {record.repairable_from.isoformat()} 申请信用修复")


def repair_offer(user: Any, record: Record, today: dt.date) -> dict[str, Any] | None:
    """For the subject itself, on its record: its open case, the link to apply, or why not."""
    if getattr(user, "role", None) != Role.SUBJECT or user.subject_id != record.subject_id \
            or record.polarity != "dishonest":
        return None
    case = Repair.objects.filter(record=record).open().first()  # type: ignore[attr-defined]
    if case is not None:
        return {"case": case}
    try:
        check_repairable(record, today)
    except DomainError as exc:
        return {"why_not": exc.msg}
    return {"may_apply": True}


def repair_options(user: Any, today: dt.date) -> list[dict[str, Any]]:
    """The subject's own published dishonest records, each with whether it may be repaired
    now, from when, or why not (我的信用修复 and the subject's home page)."""
    from xinyong.policies.choices import SEVERITY

    book = rulebook.current()
    open_cases = {r.record_id: r for r in Repair.objects.visible_to(user).open()}  # type: ignore[attr-defined]
    rows = []
    records = (Record.objects.filter(subject_id=user.subject_id, polarity="dishonest")
               .select_related("unit").order_by("repairable_from", "-decided_on", "id"))
    for record in records:
        if effective_status(record, today) != d.PUBLISHED:
            continue
        refusal = ""
        if record.pk in open_cases:
            refusal = "已有正在办理的修复申请"
        else:
            try:
                check_repairable(record, today)
            except DomainError as exc:
                refusal = exc.msg
        rows.append({"record": record, "behavior_text": book.behavior_text(record.behavior),
                     "severity_label": SEVERITY.label(record.severity),
                     "refusal": refusal, "open_repair": open_cases.get(record.pk),
                     "too_early": bool(record.repairable_from and today < record.repairable_from)})
    return rows


class RepairWorkflow(Workflow):
    model = Repair
    evidence_model = Evidence
    audit_prefix = "repair"
    url_namespace = "repairs"
    submit_action = "apply"
    outcomes = {"approve": choices.APPROVED, "reject": choices.REJECTED}

    def decision_effects(self, case: Case, today: dt.date) -> dict[str, str]:
        record = case.record
        assert record is not None  # a repair is always about a record
        return {
            "approve": f"修复通过后，记录“{record.decision_no}”当即停止公示{leaving_lists(record.pk, today)}"
                       "，相关惩戒措施同步解除；记录本身保留并标记为已修复。",
            "reject": f"不予修复的，记录“{record.decision_no}”继续公示；申请人可以对该决定提出异议。",
        }

    def remedy(self, case: Case, user: Any, decision: str, reason: str, *, request: Any,
               today: dt.date, extra: dict[str, Any]) -> None:
        """Approval: the record stops being published (修复), its lists and measures with it."""
        if decision != "approve":
            return
        assert case.record_id is not None  # a repair is always about a record
        record = lock_record(case.record_id)
        if record.status in (d.WITHDRAWN, d.REPAIRED):
            # Withdrawn (or upheld objection) since the application: nothing is left to
            # repair, and the record's own closing must not be overwritten.
            closed = f"记录{RECORD_STATUS.label(record.status)}（{record.closed_reason}）"
            raise DomainError("status", f"{closed}，无需修复，请作出不予修复决定并说明", status=409)
        record.status = d.REPAIRED
        record.closed_on, record.closed_reason = today, f"信用修复（{case.query_code}）"
        record.closed_cause = "repaired"
        record.version += 1
        record.save()
        sync_record(record)
        save_version(record, "repaired", user, reason)

    @transaction.atomic
    def review_claim(self, repair_id: int, user: Any, decision: str, reason: str = "", *,
                     request: Any = None) -> Repair:
        """The officer checks an applicant's claimed situation (green channel by claim):
        `confirm` keeps the green channel; `standard` moves the case to the standard channel,
        with a reason, its time limits counted again from the submission date."""
        if decision not in ("confirm", "standard"):
            raise DomainError("decision", "应为核实属实（confirm）或转标准渠道（standard）")
        needed = "转入标准渠道须说明理由" if decision == "standard" else ""
        reason = clean_text(reason, "reason", required=needed)
        repair: Any = self._lock(repair_id, user)  # a Repair
        self._must_be_open(repair, "核实")
        if repair.channel_basis != choices.BY_CLAIM or repair.claim_status != choices.PENDING:
            by_record = repair.channel_basis == choices.BY_RECORD
            raise DomainError("status", "本申请没有待核实的自报情形"
                              + ("（依记录适用绿色通道，无需核实）" if by_record else ""), status=409)
        if decision == "confirm":
            repair.claim_status = choices.CONFIRMED
            step(repair.timeline, "核实自报情形", user, reason, public="情形属实，按绿色通道办理")
        else:
            entry, channel = standard_channel(repair.submitted_on)
            repair.claim_status, repair.channel = choices.MOVED, choices.STANDARD
            repair.policy, repair.clause = entry.pack.id, channel.clause
            repair.accept_by = workdays.add_workdays(repair.submitted_on, channel.accept_working_days)
            repair.due_by = workdays.add_workdays(repair.submitted_on, channel.decide_working_days)
            step(repair.timeline, "转入标准渠道", user, reason,
                 public=f"{channel.name}：{repair.accept_by} 前受理，{repair.due_by} 前办结"
                        f"（{entry.pack.doc_number}）")
        repair.save()
        found = choices.CLAIM_STATUS.label(repair.claim_status) + (f"：{reason}" if reason else "")
        self._record("channel", repair, user, request,
                     f"修复申请 {repair.query_code} 自报情形核实：{found}")
        if decision == "standard":
            self._tell(repair, "信用修复申请转入标准渠道", f"理由：{reason}。办结期限为 {repair.due_by}。")
        return repair  # type: ignore[no-any-return]


workflow = RepairWorkflow()
review_claim = workflow.review_claim


@transaction.atomic
def apply(user: Any, record_id: int, statement: str, commitment: bool, *,
          green_flags: list[str] | None = None, files: list[Any] | None = None,
          force_majeure_certificate: str = "", request: Any = None,
          today: dt.date | None = None) -> Repair:
    """A subject applies to repair its published dishonest record."""
    today = today or timezone.localdate()
    record = (Record.objects.select_for_update(of=("self",))
              .select_related("unit", "policy_version__pack").filter(pk=record_id).first())
    if record is None or getattr(user, "role", None) != Role.SUBJECT \
            or record.subject_id != user.subject_id:
        raise DomainError("record_id", "没有这条记录，或不是本主体的记录", status=404)
    if not commitment:
        raise DomainError("commitment", "须签署信用承诺")
    statement = clean_text(statement, "statement", required="请说明整改和履行义务的情况",
                           limit=MAX_STATEMENT)
    flags = green_flags or []
    unknown = [f for f in flags if f not in SUBJECT_FLAGS]
    if unknown:
        raise DomainError("green_flags", f"未知情形“{unknown[0]}”；可选：{'、'.join(SUBJECT_FLAGS)}")
    check_repairable(record, today)
    letter = commitments.repair_letter(today)
    if letter is None:
        raise DomainError("commitment", f"{today.isoformat()} 没有施行中的信用修复承诺书，请联系信用办")
    cited = ""
    if force_majeure_certificate.strip():
        from xinyong.certificates.services import check_certificate

        cited = check_certificate(force_majeure_certificate, record.subject_id)
    choice = channel_for(record, flags, today)
    entry, channel = choice.entry, choice.channel
    repair: Any = workflow.new(
        record=record, subject_id=record.subject_id, unit=record.unit, applicant=user,
        statement=statement, commitment=True, green_flags=flags, force_majeure_certificate=cited,
        channel=choices.GREEN if channel.code == "green" else choices.STANDARD,
        channel_basis=choice.basis, channel_note=choice.note[:300],
        claim_status=choices.PENDING if choice.basis == choices.BY_CLAIM else "",
        policy=entry.pack.id, clause=channel.clause, submitted_on=today,
        accept_by=workdays.add_workdays(today, channel.accept_working_days),
        due_by=workdays.add_workdays(today, channel.decide_working_days),
    )
    workflow.open_case(
        repair, user, name="提交申请", files=files, request=request,
        public=f"{channel.name}：{channel.accept_working_days} 个工作日内受理，"
               f"{channel.decide_working_days} 个工作日内办结（{entry.pack.doc_number}）"
               + (f"；{choice.note}" if choice.note else ""),
        summary=f"申请信用修复 {record.decision_no}（{choices.CHANNEL.label(repair.channel)}）",
        busy="该记录已有正在办理的修复申请")
    # The letter is signed last, in the application's transaction: a refused application
    # leaves no signed letter behind.
    repair.signed_commitment = commitments.sign(
        user, letter.code, matter=repair_matter(record), request=request, today=today, tell=False)
    repair.save(update_fields=["signed_commitment"])
    return repair  # type: ignore[no-any-return]


def repair_matter(record: Record) -> str:
    """What the repair letter's {承诺事项} says: the record, by its decision number and
    behaviour."""
    behavior = rulebook.current().behavior_text(record.behavior)
    return f"{record.decision_no}（{behavior}）"[:500]


def reopen(repair_id: int, user: Any, why: str, today: dt.date) -> Repair:
    """A refusal found wrong (an upheld objection to it): the case is handled again, with
    the same number of working days from today. Runs in the caller's transaction."""
    repair = Repair.objects.select_for_update(of=("self",)).get(pk=repair_id)
    other = Repair.objects.filter(record_id=repair.record_id, status__in=c.OPEN).exclude(
        pk=repair.pk).first()
    if other is not None:
        raise DomainError("status", f"该记录已有正在办理的修复申请（查询码 {other.query_code}），"
                                    "不能重新办理原申请", status=409)
    decide_days = workdays.workdays_between(repair.submitted_on, repair.due_by)
    repair.status = c.ACCEPTED
    repair.decided_on, repair.decided_by = None, None
    repair.due_by = workdays.add_workdays(today, max(decide_days, 1))
    step(repair.timeline, "异议成立，重新办理", user,
         f"原决定（不予修复：{repair.decision_reason}）经核实不当",
         public=f"{why}；{repair.due_by.isoformat()} 前重新决定")
    repair.decision_reason = ""
    repair.save()
    return repair


def purge_evidence(today: dt.date | None = None) -> int:
    return workflow.purge_evidence(today)
