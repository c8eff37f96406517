"""Submitting, correcting and withdrawing licences: each step atomic, versioned and audited.

The same promises as records (records/services.py): a repeat (same external_id, or the same
unit + decision number + subject) returns the licence already held, never a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.licences.models import KINDS, WITHDRAWN, Licence, LicenceVersion
from xinyong.records.penalties import LegalRepresentative, check_authority_code
from xinyong.records.services import name_problem
from xinyong.subjects import codes
from xinyong.subjects.models import get_or_create_subject


@dataclass(frozen=True)
class LicenceSubmission:
    """A licence as a unit reports it (form, API or one row of a bulk file)."""

    subject_kind: str
    subject_name: str
    subject_code: str
    decision_no: str
    kind: str
    decided_on: dt.date
    authority_name: str
    decision_name: str = ""
    licence_name: str = ""
    licence_no: str = ""
    content: str = ""
    valid_from: dt.date | None = None  # the decision date when not given
    valid_to: dt.date | None = None
    authority_code: str = ""
    source_unit_name: str = ""
    source_unit_code: str = ""
    remarks: str = ""
    external_id: str = ""
    legal_representative: LegalRepresentative = field(default_factory=LegalRepresentative)

    def __post_init__(self) -> None:
        for name in ("content", "remarks", "licence_name", "decision_name"):
            object.__setattr__(self, name, mask_id_numbers(getattr(self, name)))


EDITABLE = ["decision_no", "decision_name", "kind", "licence_name", "licence_no", "content",
            "decided_on", "valid_from", "valid_to", "authority_name", "authority_code", "remarks"]


def check(sub: LicenceSubmission, today: dt.date) -> str:
    """The subject's code, checked; every other rule of a licence. Raises DomainError."""
    problem = name_problem(sub.subject_name)
    if problem:
        raise DomainError("subject.name", problem)
    try:
        number = codes.validate_code(sub.subject_kind, sub.subject_code)
    except codes.CodeError as exc:
        raise DomainError("subject.code", str(exc)) from None
    check_fields(sub, today)
    return number


def check_fields(sub: LicenceSubmission, today: dt.date) -> None:
    if not sub.decision_no.strip():
        raise DomainError("decision_no", "必填")
    if sub.kind not in KINDS:
        raise DomainError("kind", f"“{sub.kind}”不是许可类别（应为 {'、'.join(KINDS)}）")
    if not sub.authority_name.strip():
        raise DomainError("authority.name", "必填（许可机关）")
    if sub.decided_on > today:
        raise DomainError("decided_on", "许可决定日期不能晚于今天")
    start = sub.valid_from or sub.decided_on
    if sub.valid_to is not None and sub.valid_to < start:
        raise DomainError("valid_to", "有效期至不能早于有效期自")
    check_authority_code(sub.authority_code, "authority.code")
    check_authority_code(sub.source_unit_code, "source_unit.code")


def existing(unit: Unit, sub: LicenceSubmission, number: str) -> Licence | None:
    match = Q(unit=unit, decision_no=sub.decision_no, subject__code_digest=codes.digest(number))
    if sub.external_id:
        match |= Q(unit=unit, external_id=sub.external_id)
    return Licence.objects.filter(match).select_related("subject").first()


def _save_version(licence: Licence, change: str, actor: Any, reason: str = "") -> None:
    """Keep the licence as it now is, and queue the change for the upward exchange."""
    from xinyong.exchange.outbox import note_licence

    LicenceVersion.objects.create(
        licence=licence, number=licence.version, data=licence.snapshot(), change=change,
        reason=reason, actor=actor if getattr(actor, "is_authenticated", False) else None)
    note_licence(licence, change)


def licence_fields(sub: LicenceSubmission) -> dict[str, Any]:
    return {
        "decision_no": sub.decision_no.strip(), "decision_name": sub.decision_name.strip()[:200],
        "kind": sub.kind, "licence_name": sub.licence_name.strip()[:200],
        "licence_no": sub.licence_no.strip()[:200], "content": sub.content.strip(),
        "decided_on": sub.decided_on, "valid_from": sub.valid_from or sub.decided_on,
        "valid_to": sub.valid_to, "authority_name": sub.authority_name.strip()[:200],
        "authority_code": check_authority_code(sub.authority_code, "authority.code"),
        "source_unit_name": sub.source_unit_name.strip()[:200],
        "source_unit_code": check_authority_code(sub.source_unit_code, "source_unit.code"),
        "remarks": sub.remarks.strip()[:2000],
    }


def submit(unit: Unit, sub: LicenceSubmission, *, actor: Any = None, source: str = "api",
           request: Any = None, today: dt.date | None = None) -> tuple[Licence, bool]:
    """Accept one licence; returns (licence, created). A repeat returns the existing one."""
    today = today or timezone.localdate()
    if not unit.is_active:
        raise DomainError("unit", f"成员单位“{unit.name}”已停用，不能报送行政许可")
    number = check(sub, today)
    found = existing(unit, sub, number)
    if found:
        return found, False
    try:
        with transaction.atomic():
            subject, _ = get_or_create_subject(sub.subject_kind, number, sub.subject_name)
            licence = Licence(
                unit=unit, subject=subject, reported_name=sub.subject_name.strip(),
                legal_rep=sub.legal_representative.as_json(), external_id=sub.external_id,
                source=source, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                **licence_fields(sub))
            licence.save()
            _save_version(licence, "created", actor)
            audit("licence.create", actor=actor, request=request, obj=licence,
                  summary=f"报送行政许可 {licence.decision_no}（{subject.code_masked}）")
    except IntegrityError:
        found = existing(unit, sub, number)
        if found is None:
            raise
        return found, False
    return licence, True


def as_submission(licence: Licence) -> LicenceSubmission:
    """A stored licence as a submission, to apply corrections to."""
    rep = licence.legal_rep or {}
    return LicenceSubmission(
        subject_kind=licence.subject.kind, subject_name=licence.reported_name,
        subject_code=licence.subject.full_code(), external_id=licence.external_id,
        source_unit_name=licence.source_unit_name, source_unit_code=licence.source_unit_code,
        legal_representative=LegalRepresentative(
            name=rep.get("name", ""), id_type=rep.get("id_type", ""),
            id_masked=rep.get("id_masked", ""), id_cipher=rep.get("id_cipher", "")),
        **{name: getattr(licence, name) for name in EDITABLE},
    )


@transaction.atomic
def correct(licence: Licence, changes: dict[str, Any], reason: str, *, actor: Any,
            request: Any = None, today: dt.date | None = None) -> Licence:
    """Correct a licence's fields; a new version is kept with the reason."""
    today = today or timezone.localdate()
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise DomainError("reason", "更正须说明原因")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(sorted(unknown)[0], "此字段不能更正")
    licence = Licence.objects.select_for_update().select_related("subject").get(pk=licence.pk)
    if licence.status == WITHDRAWN:
        raise DomainError("status", "许可信息已撤销，不能更正")
    if licence.import_job_id and not licence.versions.exists():
        _save_version(licence, "imported", None, f"批量导入（任务 #{licence.import_job_id}）")
    sub = replace(as_submission(licence), **changes)
    check_fields(sub, today)
    for name, value in licence_fields(sub).items():
        setattr(licence, name, value)
    licence.version += 1
    try:
        with transaction.atomic():
            licence.save()
    except IntegrityError:
        raise DomainError("decision_no", "本单位已有同一决定文书号和行政相对人的许可信息") from None
    _save_version(licence, "corrected", actor, reason)
    audit("licence.correct", actor=actor, request=request, obj=licence,
          summary=f"更正行政许可 {licence.decision_no}：{reason}", detail={"changes": sorted(changes)})
    return licence


@transaction.atomic
def withdraw(licence: Licence, reason: str, *, actor: Any, request: Any = None,
             today: dt.date | None = None) -> Licence:
    """撤销: the licence leaves the public pages from today; it and its history are kept."""
    today = today or timezone.localdate()
    reason = mask_id_numbers(reason)
    if not reason.strip():
        raise DomainError("reason", "撤销须说明原因")
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if licence.status == WITHDRAWN:
        raise DomainError("status", "许可信息已撤销")
    if licence.import_job_id and not licence.versions.exists():
        _save_version(licence, "imported", None, f"批量导入（任务 #{licence.import_job_id}）")
    licence.status, licence.withdrawn_on, licence.withdrawn_reason = WITHDRAWN, today, reason[:500]
    licence.version += 1
    licence.save()
    _save_version(licence, "withdrawn", actor, reason)
    audit("licence.withdraw", actor=actor, request=request, obj=licence,
          summary=f"撤销行政许可 {licence.decision_no}：{reason}")
    return licence

