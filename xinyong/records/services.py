"""Submitting, correcting, withdrawing and rectifying records: each step atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import has_id_number, mask_id_numbers
from xinyong.lists.services import sync_record
from xinyong.policies import rulebook
from xinyong.records import determination as d
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import Record, RecordVersion
from xinyong.records.penalties import Penalty, from_json
from xinyong.subjects import codes
from xinyong.subjects.models import get_or_create_subject


@dataclass(frozen=True)
class Submission:
    """A record as a department reports it (form, API or one row of a bulk file)."""

    subject_kind: str
    subject_name: str
    subject_code: str
    behavior: str
    occurred_on: dt.date
    decided_on: dt.date
    decision_no: str
    facts: str
    severity: str
    force_majeure: bool = False
    epidemic_duty: bool = False
    # 不可抗力事实性证明编号: an issued certificate of the same subject (force_majeure only).
    force_majeure_certificate: str = ""
    rectify_by: dt.date | None = None
    external_id: str = ""
    violation_type: str = ""
    # 行政处罚信息 (双公示), for penalties; the packs derive the severity from it.
    penalty: Penalty | None = None

    def __post_init__(self) -> None:
        # Facts are free text and are published: an ID number typed into them is masked
        # before it is stored anywhere (a person's number is only kept hashed and encrypted).
        object.__setattr__(self, "facts", mask_id_numbers(self.facts))

    def facts_for_rules(self, region: str | None) -> d.Facts:
        """The facts the rules read; `region` is the reporting unit's 行政区划代码."""
        return d.Facts(
            behavior=self.behavior, subject_kind=self.subject_kind,
            occurred_on=self.occurred_on, decided_on=self.decided_on, severity=self.severity,
            force_majeure=self.force_majeure, epidemic_duty=self.epidemic_duty,
            rectify_by=self.rectify_by, region=region or None,
            violation_type=self.violation_type,
            penalty=self.penalty.terms() if self.penalty is not None else None,
        )


def name_problem(name: str) -> str | None:
    """A subject's name is published as written: a number typed into it is refused, not stored."""
    if has_id_number(name):
        return "名称中含有疑似身份证号码，请只填写名称（证件号码填在代码栏）"
    return None


def check_code(sub: Submission) -> str:
    problem = name_problem(sub.subject_name)
    if problem:
        raise DomainError("subject.name", problem)
    try:
        return codes.validate_code(sub.subject_kind, sub.subject_code)
    except codes.CodeError as exc:
        raise DomainError("subject.code", str(exc)) from None


def certificate(sub: Submission, subject: Any) -> str:
    """The force-majeure certificate the submission cites, checked (certificates.services):
    only with the force_majeure circumstance, and only a genuine one of the same subject."""
    if not sub.force_majeure_certificate.strip():
        return ""
    if not sub.force_majeure:
        raise DomainError("force_majeure_certificate",
                          "只有报明“因疫情不可抗力”情形的记录才能填写不可抗力事实性证明编号")
    from xinyong.certificates.services import check_certificate

    return check_certificate(sub.force_majeure_certificate, subject)


def existing(unit: Unit, sub: Submission, number: str) -> Record | None:
    """The record this submission repeats, by external_id or by decision."""
    match = Q(unit=unit, decision_no=sub.decision_no, behavior=sub.behavior,
              subject__code_digest=codes.digest(number))
    if sub.external_id:
        match |= Q(unit=unit, external_id=sub.external_id)
    return Record.objects.filter(match).select_related("subject").first()


def apply(record: Record, result: d.Determination) -> None:
    record.status = result.status
    record.polarity = result.polarity
    record.policy_version_id = result.policy_version_id
    window = result.publicity
    record.starts_on = window.starts_on if window else None
    record.repairable_from = window.repairable_from if window else None
    record.ends_on = window.ends_on if window else None
    record.lists = [e.as_json() for e in result.lists]
    record.decided_along(result.template)


def save_version(record: Record, change: str, actor: Any, reason: str = "") -> None:
    """Keep the record as it now is; a 双公示 penalty's change also goes to the outbox for
    the upward exchange (exchange/outbox.py), in the same transaction."""
    from xinyong.exchange.outbox import note_record

    RecordVersion.objects.create(
        record=record, number=record.version, data=record.snapshot(), change=change,
        reason=reason, actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    note_record(record, change)


def submit(unit: Unit, sub: Submission, *, actor: Any = None, source: str = "api",
           request: Any = None, today: dt.date | None = None) -> tuple[Record, bool]:
    """Accept one record; returns (record, created). A repeat returns the existing record."""
    today = today or timezone.localdate()
    if not unit.is_active:
        raise DomainError("unit", f"成员单位“{unit.name}”已停用，不能报送信用记录")
    number = check_code(sub)
    found = existing(unit, sub, number)
    if found:
        return found, False
    result = d.determine(rulebook.current(), sub.facts_for_rules(unit.region), today)
    try:
        with transaction.atomic():
            subject, _ = get_or_create_subject(sub.subject_kind, number, sub.subject_name)
            cited = certificate(sub, subject)
            record = Record(
                unit=unit, subject=subject, reported_name=sub.subject_name.strip(),
                name_mismatch=subject.name != sub.subject_name.strip(),
                behavior=sub.behavior, severity=result.severity,
                severity_derived=not sub.severity, occurred_on=sub.occurred_on,
                decided_on=sub.decided_on, decision_no=sub.decision_no, facts=sub.facts,
                force_majeure=sub.force_majeure, epidemic_duty=sub.epidemic_duty,
                force_majeure_certificate=cited,
                rectify_by=sub.rectify_by, external_id=sub.external_id,
                violation_type=sub.violation_type, source=source,
                penalty=sub.penalty.as_json() if sub.penalty is not None else None,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            apply(record, result)
            record.save()
            sync_record(record)
            save_version(record, "created", actor)
            audit("record.create", actor=actor, request=request, obj=record,
                  summary=f"报送信用记录 {record.decision_no}（{subject.code_masked}）："
                          f"{RECORD_STATUS.label(record.status)}")
    except IntegrityError:
        # A concurrent submission of the same record won the race: return theirs.
        found = existing(unit, sub, number)
        if found is None:
            raise
        return found, False
    return record, True


def lock_record(record_id: int) -> Record:
    """Lock a record for a change. An imported record gets its first version row now:
    bulk files write no history rows, the record itself is version 1 until it changes."""
    record = Record.objects.select_for_update().select_related("subject", "unit").get(pk=record_id)
    if record.import_job_id and not record.versions.exists():
        save_version(record, "imported", None, f"批量导入（任务 #{record.import_job_id}）")
    return record


@transaction.atomic
def correct(record: Record, changes: dict[str, Any], reason: str, *, actor: Any,
            request: Any = None, today: dt.date | None = None) -> Record:
    """Correct reported facts; the determination runs again and a new version is kept."""
    today = today or timezone.localdate()
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise DomainError("reason", "更正须说明原因")
    if isinstance(changes.get("facts"), str):
        changes = {**changes, "facts": mask_id_numbers(changes["facts"])}
    record = lock_record(record.pk)
    if record.status in (d.WITHDRAWN, d.REPAIRED):
        raise DomainError("status", f"记录已{RECORD_STATUS.label(record.status)}，不能更正")
    allowed = {"behavior", "occurred_on", "decided_on", "decision_no", "facts", "severity",
               "force_majeure", "epidemic_duty", "force_majeure_certificate", "rectify_by",
               "violation_type", "penalty"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(sorted(unknown)[0], "此字段不能更正")
    sub = Submission(
        subject_kind=record.subject.kind, subject_name=record.reported_name,
        subject_code=record.subject.full_code(), behavior=record.behavior,
        occurred_on=record.occurred_on, decided_on=record.decided_on,
        decision_no=record.decision_no, facts=record.facts,
        # A derived severity is derived again from the corrected facts; a stated one stands.
        severity="" if record.severity_derived else record.severity,
        force_majeure=record.force_majeure, epidemic_duty=record.epidemic_duty,
        force_majeure_certificate=record.force_majeure_certificate,
        rectify_by=record.rectify_by, external_id=record.external_id,
        violation_type=record.violation_type, penalty=from_json(record.penalty),
    )
    sub = replace(sub, **changes)
    sub = replace(sub, force_majeure_certificate=certificate(sub, record.subject))
    result = d.determine(rulebook.current(), sub.facts_for_rules(record.unit.region), today)
    for name in allowed - {"severity", "penalty"}:
        setattr(record, name, getattr(sub, name))
    record.severity, record.severity_derived = result.severity, not sub.severity
    record.penalty = sub.penalty.as_json() if sub.penalty is not None else None
    apply(record, result)
    record.version += 1
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise DomainError(
            "decision_no", "本单位已有同一决定文书号、主体和行为的记录") from None
    sync_record(record)
    save_version(record, "corrected", actor, reason)
    audit("record.correct", actor=actor, request=request, obj=record,
          summary=f"更正信用记录 {record.decision_no}：{reason}", detail={"changes": sorted(changes)})
    return record


@transaction.atomic
def withdraw(record: Record, reason: str, *, actor: Any, request: Any = None,
             change: str = "withdrawn", today: dt.date | None = None) -> Record:
    """Withdraw (撤销) a record: it leaves publicity and lists from today, and is kept."""
    today = today or timezone.localdate()
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise DomainError("reason", "撤销须说明原因")
    record = lock_record(record.pk)
    if record.status == d.WITHDRAWN:
        raise DomainError("status", "记录已撤销")
    record.status = d.WITHDRAWN
    record.closed_on, record.closed_reason, record.closed_cause = today, reason, change
    record.version += 1
    record.save()
    sync_record(record)
    save_version(record, change, actor, reason)
    audit("record.withdraw", actor=actor, request=request, obj=record,
          summary=f"撤销信用记录 {record.decision_no}：{reason}")
    return record


@transaction.atomic
def mark_rectified(record: Record, rectified_on: dt.date, *, note: str = "", actor: Any,
                   request: Any = None, today: dt.date | None = None) -> Record:
    """整改完成: a deferred record fixed in time is never published (太仓 8); a published
    record on a list that rectification ends (重点关注名单, 太仓 3) leaves that list."""
    today = today or timezone.localdate()
    note = mask_id_numbers(note).strip()
    record = lock_record(record.pk)
    if rectified_on > today:
        raise DomainError("rectified_on", "整改完成日期不能晚于今天")
    if rectified_on < record.decided_on:
        raise DomainError("rectified_on", "整改完成日期不能早于决定日期")
    if record.status == d.DEFERRED and record.rectify_by is not None:
        _rectified_in_time(record, rectified_on, note)
    else:
        _rectified_off_lists(record, rectified_on, note, today)
    record.version += 1
    record.save()
    sync_record(record)
    save_version(record, "rectified", actor, note)
    audit("record.rectified", actor=actor, request=request, obj=record,
          summary=f"登记整改完成 {record.decision_no}（{rectified_on.isoformat()}）")
    return record


def rectifiable_lists(record: Record) -> list[dict[str, Any]]:
    """The record's list entries whose rule ends by rectification (exits: rectified)."""
    book = rulebook.current()
    found = []
    for entry in record.lists:
        rule = next((r for e, r in book.lists().get(entry["code"], [])
                     if e.pack.id == entry["policy"]), None)
        if rule is not None and "rectified" in rule.exits:
            found.append(entry)
    return found


def may_rectify(record: Record, today: dt.date) -> bool:
    """Whether the reporting unit can record a rectification now (the page's button)."""
    from xinyong.records.models import effective_status

    if record.status == d.DEFERRED and record.rectify_by is not None:
        return True
    return (not record.rectified_on and effective_status(record, today) == d.PUBLISHED
            and bool(rectifiable_lists(record)))


def _rectified_in_time(record: Record, rectified_on: dt.date, note: str) -> None:
    assert record.rectify_by is not None
    if rectified_on > record.rectify_by:
        raise DomainError(
            "rectified_on", f"整改期限 {record.rectify_by.isoformat()} 已过，记录已自 "
            f"{(record.rectify_by + dt.timedelta(days=1)).isoformat()} 起公示，请通过信用修复办理")
    record.status = d.RECTIFIED
    record.rectified_on = rectified_on
    record.rectification_note = note[:500]
    record.starts_on = record.repairable_from = record.ends_on = None
    record.lists = []
    record.add_step({
        "policy": "", "doc_number": "", "clause": "", "rule": "rectified",
        "effect": f"{rectified_on.isoformat()} 按期整改：不予公示",
    })


def _rectified_off_lists(record: Record, rectified_on: dt.date, note: str,
                         today: dt.date) -> None:
    from xinyong.records.models import effective_status

    lists = rectifiable_lists(record)
    status = effective_status(record, today)
    if not lists or status not in (d.PUBLISHED, d.EXPIRED):
        raise DomainError(
            "status", f"本记录为{RECORD_STATUS.label(status)}，没有可因整改完成而移出的名单；只有暂缓的"
            "记录，或列入重点关注名单等可因整改移出的名单的记录，可以登记整改完成")
    if record.rectified_on:
        raise DomainError(
            "rectified_on", f"已于 {record.rectified_on.isoformat()} 登记整改完成")
    if not note:
        raise DomainError("note", "请说明整改情况和证明材料（如复查意见书文号）")
    if rectified_on < min(dt.date.fromisoformat(e["since"]) for e in lists):
        raise DomainError("rectified_on", "整改完成日期不能早于列入名单的日期")
    record.rectified_on = rectified_on
    record.rectification_note = note[:500]
    for e in lists:
        record.add_step({
            "policy": e["policy"], "doc_number": "", "clause": e["clause"],
            "rule": f"list:{e['code']}:rectified",
            "effect": f"{rectified_on.isoformat()} 整改完成：移出{e['name']}（记录按原公示期继续公示）",
        })


def refresh_statuses(today: dt.date | None = None) -> dict[str, int]:
    """Daily: deferred records past their date become published, published ones expire.

    Reads and pages use `effective_status` and `published_on`, so a late run changes
    nothing anyone sees; this keeps the stored status and the history in step.
    """
    today = today or timezone.localdate()
    counts = {"published": 0, "expired": 0}
    due = Record.objects.filter(status=d.DEFERRED, rectify_by__lt=today)
    for record in due.iterator():
        with transaction.atomic():
            locked = lock_record(record.pk)
            if locked.status != d.DEFERRED:
                continue
            locked.status = d.PUBLISHED
            locked.add_step({
                "policy": "", "doc_number": "", "clause": "", "rule": "deferral:lapsed",
                "effect": f"整改期限 {locked.rectify_by} 已过未整改：自 {locked.starts_on} 起公示",
            })
            locked.version += 1
            locked.save()
            save_version(locked, "published", None)
            counts["published"] += 1
    expired = Record.objects.filter(status=d.PUBLISHED, ends_on__lt=today)
    for record in expired.iterator():
        with transaction.atomic():
            locked = lock_record(record.pk)
            if locked.status != d.PUBLISHED:
                continue
            locked.status = d.EXPIRED
            locked.version += 1
            locked.save()
            save_version(locked, "expired", None)
            counts["expired"] += 1
    return counts
