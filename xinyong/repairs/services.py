"""Applying for and deciding credit repair: rules from the packs, limits in working days.

谁认定、谁修复: the unit that made the finding decides; office users can take over.
Approval ends publicity, list memberships and measures at once; the record is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.lib import workdays
from xinyong.lib.casework import new_query_code, step
from xinyong.lib.pii import mask_id_numbers
from xinyong.lists.services import sync_record
from xinyong.notices.models import notify
from xinyong.policies import rulebook
from xinyong.policies.schema import LEVEL_RANK, SUBJECT_FLAGS, RepairChannel
from xinyong.records import determination as d
from xinyong.records.models import Record, effective_status
from xinyong.records.services import lock_record, save_version
from xinyong.repairs.models import Evidence, Repair
from xinyong.subjects.models import Subject

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
# Evidence types (履行义务的证明, 信用承诺书 ...) by extension, with the leading bytes each must
# have: a file whose content is not what its name says is refused.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("PDF", (b"%PDF-",)),
    ".jpg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    ".jpeg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    ".png": ("PNG 图片", (b"\x89PNG\r\n\x1a\n",)),
    ".ofd": ("OFD 版式文件", (b"PK\x03\x04",)),
    ".docx": ("Word 文档", (b"PK\x03\x04",)),
}


class RepairError(ValueError):
    def __init__(self, field: str, msg: str, status: int = 422) -> None:
        super().__init__(f"{field}：{msg}")
        self.field, self.msg, self.status = field, msg, status


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
        raise RepairError("record_id", f"{day.isoformat()} 没有施行中的信用修复办理时限规则")
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
            return ChannelChoice(entry, channel, "record", why)
    for entry, channel in greens:
        claimed = [f for f in flags if f in channel.eligible_flags]
        if claimed:
            labels = "、".join(SUBJECT_FLAGS.get(f, f) for f in claimed)
            return ChannelChoice(entry, channel, "claim", f"申请人自报：{labels}（待核实）")
    entry, channel = standard_channel(day)
    return ChannelChoice(entry, channel, "", "")


def evidence_types_label() -> str:
    return "、".join(dict.fromkeys(label for label, _ in EVIDENCE_TYPES.values()))


def check_evidence(uploads: list[Any]) -> None:
    """Refuse evidence files by number, size and type, before anything is stored."""
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise RepairError("files", f"最多上传 {MAX_EVIDENCE_FILES} 个文件，本次选择了 {len(uploads)} 个")
    limit = MAX_EVIDENCE_BYTES // (1024 * 1024)
    for upload in uploads:
        name = mask_id_numbers(str(upload.name or ""))
        if not upload.size:
            raise RepairError("files", f"文件“{name}”是空文件")
        if upload.size > MAX_EVIDENCE_BYTES:
            raise RepairError("files", f"文件“{name}”过大（上限 {limit} MB）")
        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        kind = EVIDENCE_TYPES.get(suffix)
        if kind is None:
            raise RepairError("files", f"文件“{name}”的类型不支持；可上传：{evidence_types_label()}")
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in kind[1]):
            raise RepairError("files", f"文件“{name}”的内容不是{kind[0]}，请检查文件是否损坏或扩展名有误")


def check_repairable(record: Record, today: dt.date) -> None:
    """Why this record cannot be repaired now, as a RepairError (or nothing)."""
    status = effective_status(record, today)
    if record.polarity != "dishonest":
        raise RepairError("record_id", "良好信息不需要修复")
    if status == d.EXPIRED:
        raise RepairError("record_id", f"最长公示期已于 {record.ends_on} 届满，已自动停止公示，无需申请修复")
    if status != d.PUBLISHED:
        raise RepairError("record_id", f"记录当前为“{d.STATUSES[status]}”，不在公示中，无需修复")
    if record.objection_open:
        raise RepairError("record_id", "该记录有正在处理的异议，请待异议处理结束后再申请修复")
    if record.repairable_from and today < record.repairable_from:
        raise RepairError(
            "record_id", f"最短公示期未满：最早可于 {record.repairable_from.isoformat()} 申请信用修复")


@transaction.atomic
def apply(user: Any, record_id: int, statement: str, commitment: bool, *,
          green_flags: list[str] | None = None, files: list[Any] | None = None,
          request: Any = None, today: dt.date | None = None) -> Repair:
    today = today or timezone.localdate()
    record = (Record.objects.select_for_update().select_related("unit", "policy_version__pack")
              .filter(pk=record_id).first())
    if record is None or user.role != Role.SUBJECT or record.subject_id != user.subject_id:
        raise RepairError("record_id", "没有这条记录，或不是本主体的记录", status=404)
    if not commitment:
        raise RepairError("commitment", "须签署信用承诺（commitment 为 true）")
    if not statement.strip():
        raise RepairError("statement", "请说明整改和履行义务的情况")
    flags = green_flags or []
    unknown = [f for f in flags if f not in SUBJECT_FLAGS]
    if unknown:
        raise RepairError("green_flags", f"未知情形“{unknown[0]}”；可选：{'、'.join(SUBJECT_FLAGS)}")
    check_repairable(record, today)
    # All files are checked before any is stored: a refusal must leave nothing on disk.
    check_evidence(list(files or []))
    choice = channel_for(record, flags, today)
    entry, channel = choice.entry, choice.channel
    repair = Repair(
        record=record, subject_id=record.subject_id, unit=record.unit, applicant=user,
        query_code=new_query_code("XF"), statement=mask_id_numbers(statement.strip()), commitment=True,
        green_flags=flags, channel="green" if channel.code == "green" else "standard",
        channel_basis=choice.basis, channel_note=choice.note[:300],
        claim_status="pending" if choice.basis == "claim" else "",
        policy=entry.pack.id, clause=channel.clause, submitted_on=today,
        accept_by=workdays.add_workdays(today, channel.accept_working_days),
        due_by=workdays.add_workdays(today, channel.decide_working_days),
    )
    step(repair.timeline, "提交申请", user,
         f"{channel.name}：{channel.accept_working_days} 个工作日内受理，"
         f"{channel.decide_working_days} 个工作日内办结（{entry.pack.doc_number}）"
         + (f"；{choice.note}" if choice.note else ""))
    try:
        with transaction.atomic():
            repair.save()
    except IntegrityError:
        raise RepairError("record_id", "该记录已有正在办理的修复申请") from None
    for upload in files or []:
        Evidence.objects.create(repair=repair, file=upload, name=mask_id_numbers(upload.name)[:255],
                                size=upload.size)
    audit("repair.apply", actor=user, request=request, obj=repair,
          summary=f"申请信用修复 {record.decision_no}（{repair.get_channel_display()}）")
    notify(user, "信用修复申请已提交",
           f"查询码 {repair.query_code}。{repair.unit.name} 将于 {repair.accept_by} 前受理，"
           f"{repair.due_by} 前办结。", f"/repairs/track/{repair.query_code}/")
    return repair


def may_decide(user: Any, repair: Repair) -> bool:
    return user.role == Role.OFFICE or (user.role == Role.DEPARTMENT and user.unit_id == repair.unit_id)


def may_act(user: Any, repair: Repair) -> bool:
    """May `user` accept, decide or take over this case now? Once the office has taken a
    case over, the finding unit no longer handles it."""
    if repair.status not in Repair.OPEN or not may_decide(user, repair):
        return False
    return user.role == Role.OFFICE or repair.taken_over_by_id is None


def _locked(repair_id: int, user: Any) -> Repair:
    repair = Repair.objects.select_for_update().select_related("record", "unit", "applicant").filter(
        pk=repair_id).first()
    if repair is None or not may_decide(user, repair):
        raise RepairError("id", "没有这个修复申请，或无权办理", status=404)
    if user.role != Role.OFFICE and repair.taken_over_by_id is not None:
        raise RepairError("status", "该申请已由信用办接办，本单位不再办理", status=409)
    return repair


@transaction.atomic
def take_over(repair_id: int, user: Any, reason: str, *, request: Any = None) -> Repair:
    """The office takes a case over from the finding unit (e.g. when it is overdue)."""
    if user.role != Role.OFFICE:
        raise RepairError("id", "只有信用办可以接办修复申请", status=403)
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise RepairError("reason", "请写明接办原因")
    repair = _locked(repair_id, user)
    if repair.status not in Repair.OPEN:
        raise RepairError("status", f"申请已办结（{repair.get_status_display()}），不能接办", status=409)
    if repair.taken_over_by_id is not None:
        raise RepairError("status", "该申请已由信用办接办", status=409)
    repair.taken_over_by = user
    step(repair.timeline, "信用办接办", user, reason.strip())
    repair.save(update_fields=["taken_over_by", "timeline"])
    audit("repair.take_over", actor=user, request=request, obj=repair, summary=(
          f"信用办接办修复申请 {repair.query_code}（原办理单位 {repair.unit.name}）：{reason.strip()}"))
    notify(repair.applicant, "信用修复申请由信用办接办",
           f"查询码 {repair.query_code}，办结期限仍为 {repair.due_by}。",
           f"/repairs/track/{repair.query_code}/")
    return repair


@transaction.atomic
def review_claim(repair_id: int, user: Any, decision: str, reason: str = "", *,
                 request: Any = None) -> Repair:
    """The officer checks an applicant's claimed situation (green channel by claim):
    `confirm` keeps the green channel; `standard` moves the case to the standard channel,
    with a reason, its time limits counted again from the submission date."""
    if decision not in ("confirm", "standard"):
        raise RepairError("decision", "应为 confirm（核实属实）或 standard（转标准渠道）")
    reason = mask_id_numbers(reason).strip()
    if decision == "standard" and not reason:
        raise RepairError("reason", "转入标准渠道须说明理由")
    repair = _locked(repair_id, user)
    if repair.status not in Repair.OPEN:
        raise RepairError("status", f"申请已办结（{repair.get_status_display()}）", status=409)
    if repair.channel_basis != "claim" or repair.claim_status != "pending":
        raise RepairError("status", "本申请没有待核实的自报情形"
                          + ("（依记录适用绿色通道，无需核实）" if repair.channel_basis == "record" else ""),
                          status=409)
    if decision == "confirm":
        repair.claim_status = "confirmed"
        note = "情形属实，按绿色通道办理" + (f"：{reason}" if reason else "")
        step(repair.timeline, "核实自报情形", user, note)
        repair.save(update_fields=["claim_status", "timeline"])
    else:
        entry, channel = standard_channel(repair.submitted_on)
        repair.claim_status, repair.channel = "moved", "standard"
        repair.policy, repair.clause = entry.pack.id, channel.clause
        repair.accept_by = workdays.add_workdays(repair.submitted_on, channel.accept_working_days)
        repair.due_by = workdays.add_workdays(repair.submitted_on, channel.decide_working_days)
        step(repair.timeline, "转入标准渠道", user,
             f"{reason}；{channel.name}：{repair.accept_by} 前受理，{repair.due_by} 前办结"
             f"（{entry.pack.doc_number}）")
        repair.save(update_fields=["claim_status", "channel", "policy", "clause", "accept_by",
                                   "due_by", "timeline"])
    audit("repair.channel", actor=user, request=request, obj=repair,
          summary=f"修复申请 {repair.query_code} 自报情形核实：{repair.get_claim_status_display()}"
                  + (f"：{reason}" if reason else ""))
    if decision == "standard":
        notify(repair.applicant, "信用修复申请转入标准渠道",
               f"查询码 {repair.query_code}。理由：{reason}。办结期限为 {repair.due_by}。",
               f"/repairs/track/{repair.query_code}/")
    return repair


@transaction.atomic
def accept(repair_id: int, user: Any, *, request: Any = None) -> Repair:
    repair = _locked(repair_id, user)
    if repair.status != "submitted":
        raise RepairError("status", f"申请已是“{repair.get_status_display()}”，不能再受理", status=409)
    repair.status = "accepted"
    step(repair.timeline, "受理", user)
    repair.save(update_fields=["status", "timeline"])
    audit("repair.accept", actor=user, request=request, obj=repair,
          summary=f"受理修复申请 {repair.query_code}")
    notify(repair.applicant, "信用修复申请已受理",
           f"查询码 {repair.query_code}，将于 {repair.due_by} 前办结。",
           f"/repairs/track/{repair.query_code}/")
    return repair


@transaction.atomic
def decide(repair_id: int, user: Any, decision: str, reason: str, *, request: Any = None,
           today: dt.date | None = None) -> Repair:
    """Approve or reject; a decision already made is never applied again (409)."""
    today = today or timezone.localdate()
    if decision not in ("approve", "reject"):
        raise RepairError("decision", "应为 approve 或 reject")
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise RepairError("reason", "请写明决定理由")
    repair = _locked(repair_id, user)
    if repair.status not in Repair.OPEN:
        raise RepairError("status", f"申请已于 {repair.decided_on} 办结（{repair.get_status_display()}），"
                                    "不能重复决定", status=409)
    repair.status = "approved" if decision == "approve" else "rejected"
    repair.decided_on, repair.decided_by, repair.reason = today, user, reason.strip()
    step(repair.timeline, "修复通过" if decision == "approve" else "不予修复", user, reason.strip())
    repair.save()
    if decision == "approve":
        record = lock_record(repair.record_id)
        if record.status in (d.WITHDRAWN, d.REPAIRED):
            # Withdrawn (or upheld objection) since the application: nothing is left to repair,
            # and the record's own closing must not be overwritten.
            raise RepairError("status", f"记录{d.STATUSES[record.status]}（{record.closed_reason}），"
                                        "无需修复，请作出不予修复决定并说明", status=409)
        record.status = d.REPAIRED
        record.closed_on, record.closed_reason = today, f"信用修复（{repair.query_code}）"
        record.version += 1
        record.save()
        sync_record(record)
        save_version(record, "repaired", user, reason.strip())
    audit("repair.decide", actor=user, request=request, obj=repair,
          summary=f"修复申请 {repair.query_code}：{repair.get_status_display()}")
    notify(repair.applicant, f"信用修复申请{repair.get_status_display()}",
           f"查询码 {repair.query_code}。理由：{repair.reason}", f"/repairs/track/{repair.query_code}/")
    return repair


# --- what the public sees by query code ------------------------------------------------

def public_name(subject: Subject) -> str:
    """A subject's name for the public: a person's name masked but for the surname."""
    if not subject.is_person:
        return subject.name
    return subject.name[:1] + "*" * max(len(subject.name) - 1, 1)


def public_text(text: str, subject: Subject) -> str:
    """Free text for the public: ID numbers masked, and a person's name too."""
    text = mask_id_numbers(text)
    if subject.is_person and subject.name:
        text = text.replace(subject.name, public_name(subject))
    return text


def public_timeline(repair: Repair) -> list[dict[str, Any]]:
    """A case's steps for anyone holding its query code: notes without personal data."""
    return [{**s, "note": public_text(s.get("note", ""), repair.subject)} for s in repair.timeline]


def purge_evidence(today: dt.date | None = None) -> int:
    """Delete the files of cases decided more than EVIDENCE_RETENTION_DAYS ago (保存期限)."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    due = Evidence.objects.filter(purged_on__isnull=True, repair__decided_on__lte=cutoff)
    count = 0
    for item in due.iterator():
        item.file.delete(save=False)
        Evidence.objects.filter(pk=item.pk).update(purged_on=today)
        count += 1
    if count:
        audit("repair.evidence_purge", via="task",
              summary=f"按保存期限（{settings.EVIDENCE_RETENTION_DAYS} 天）删除修复申请材料 {count} 个")
    return count
