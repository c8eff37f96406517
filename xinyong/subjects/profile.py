"""The subject profile (信用档案): one view of a subject, shaped by who is looking.

What a viewer sees of the records is the records' own access rule (`records.api.
visible_to`): the public what is published today; the subject itself and the office
everything; a department what is published plus its own unit's records. List memberships
follow the same line: the public sees public lists in force today, the subject and the
office every membership with when and why it ended, a department also those of its own
records. Lists, checks and this profile read the same rows, so they agree on any day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.subjects import access
from xinyong.subjects.models import Subject

# Parts of the credit file the contract names that are not built yet: said so, never
# answered as if there were nothing to show. (Commitments are built: `profile_commitments`.)
NOT_YET_AVAILABLE: dict[str, str] = {}


def sees_everything(viewer: Any, subject: Subject) -> bool:
    """The subject itself and the office see every record and membership, of any status."""
    return access.is_own(viewer, subject) or getattr(viewer, "role", None) == Role.OFFICE


def build_profile(
    subject: Subject, viewer: Any, request: HttpRequest | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The profile as `viewer` may see it; reading a person's full data is audited. An
    institution's user sees each part its live grant covers as the subject itself would
    (`grants.services`), the rest as the public; the read is kept for the subject."""
    from xinyong.grants import services as grants

    today = today or timezone.localdate()
    grant = grants.live_grant(viewer, subject, today)

    def seen_by(part: str) -> Any:
        return grants.viewer_for(viewer, subject, part, grant)

    scope = set(grants.scope_of(grant))
    data: dict[str, Any] = {
        "id": subject.pk,
        "kind": subject.kind,
        "name": subject.name,
        "code_masked": subject.code_masked,
        "code": None,
        "full": sees_everything(viewer, subject) or {"profile", "records"} <= scope,
        "records": profile_records(subject, seen_by("records"), today),
        "lists": profile_lists(subject, seen_by("profile"), today),
        "licences": profile_licences(subject, seen_by("profile"), today),
        "commitments": profile_commitments(subject, seen_by("profile")),
        "not_yet_available": list(NOT_YET_AVAILABLE),
        "grant": {"id": grant.pk, "scope": grants.scope_of(grant), "purpose": grant.purpose,
                  "expires_on": grant.expires_on} if grant else None,
    }
    data.update(evaluation(subject, seen_by("score")))
    if access.may_see_full_code(viewer, subject) or "profile" in scope:
        data["code"] = subject.full_code()
        if subject.is_person and grant is None:
            audit("subject.read_full", request=request, actor=viewer, obj=subject,
                  summary=f"查看自然人完整信息 {subject.code_masked}")
    if grant is not None:
        api = request is not None and request.path.startswith("/api/")
        grants.log_read(grant, viewer, [p for p in scope if p != "report"],
                        "api" if api else "web", detail="信用档案", request=request)
    return data


def evaluation(subject: Subject, viewer: Any) -> dict[str, Any]:
    """信用评价: a person's points (the person and the office only) and an enterprise's grade
    (public), as last computed, with the time they were computed."""
    from xinyong.scores import services as scoring

    scores = (scoring.stored_scores(subject)
              if subject.is_person and sees_everything(viewer, subject) else [])
    grade = None if subject.is_person else scoring.stored_grade(subject)
    return {"score": scores[0] if scores else None, "scores": scores, "grade": grade}


def profile_records(subject: Subject, viewer: Any, today: dt.date) -> list[dict[str, Any]]:
    from xinyong.policies.rulebook import pack_of
    from xinyong.records.models import Record, effective_status, publicity_end

    rows = (Record.objects.visible_to(viewer).filter(subject=subject)
            .select_related("unit", "policy_version").order_by("-decided_on", "-id"))
    found = []
    for record in rows:
        pack = pack_of(record.policy_version)
        behavior = next((b for b in pack.behaviors if b.code == record.behavior), None)
        status = effective_status(record, today)
        ended_on, ended_why = publicity_end(record, today)
        found.append({
            "id": record.pk, "behavior": record.behavior,
            "behavior_text": behavior.text if behavior else record.behavior,
            "polarity": record.polarity, "status": status, "status_label": RECORD_STATUS.label(status),
            "decided_on": record.decided_on, "decision_no": record.decision_no,
            "unit": record.unit.name, "severity": record.severity,
            "publicity": {"starts_on": record.starts_on, "repairable_from": record.repairable_from,
                          "ends_on": record.ends_on} if record.starts_on else None,
            "publicity_ended_on": ended_on, "publicity_ended_why": ended_why,
            "policy": pack.id, "doc_number": pack.doc_number,
            "clause": behavior.clause if behavior else "",
            "objection": "open" if record.objection_open else None,
        })
    return found


def profile_licences(subject: Subject, viewer: Any, today: dt.date) -> list[dict[str, Any]]:
    """行政许可 (good or neutral information): the public sees those not withdrawn."""
    from xinyong.licences.models import STATUS_LABELS, Licence

    rows = Licence.objects.visible_to(viewer).filter(subject=subject).select_related("unit")
    return [{
        "id": licence.pk, "decision_no": licence.decision_no, "kind": licence.kind,
        "licence_name": licence.licence_name, "licence_no": licence.licence_no,
        "decided_on": licence.decided_on, "valid_from": licence.valid_from,
        "valid_to": licence.valid_to, "authority": licence.authority_name,
        "status": licence.status, "status_label": STATUS_LABELS[licence.status],
        "expired": licence.expired_on(today), "unit": licence.unit.name,
    } for licence in rows]


def profile_commitments(subject: Subject, viewer: Any) -> list[dict[str, Any]]:
    """信用承诺: what the commitments' own rule lets the viewer see (the public: public ones
    of enterprises, not withdrawn; the subject and the office: all)."""
    from xinyong.commitments.models import Commitment

    rows = (Commitment.objects.visible_to(viewer).filter(subject=subject, number__isnull=False)
            .select_related("accepting_unit").order_by("-signed_at", "-id"))
    return [{
        "id": c.pk, "number": c.number, "name": c.name, "kind": c.kind, "kind_label": c.kind_label,
        "matter": c.matter, "accepting_unit": c.accepting_unit.name if c.accepting_unit else None,
        "signed_at": c.signed_at, "status": c.status, "status_label": c.status_label,
        "status_badge": c.status_badge, "policy": c.policy, "doc_number": c.doc_number,
        "clause": c.clause, "record_id": c.breach_record_id,
    } for c in rows]


def profile_lists(subject: Subject, viewer: Any, today: dt.date) -> list[dict[str, Any]]:
    from xinyong.lists.models import Membership, describe

    rows = (Membership.objects.visible_to(viewer, public_on=today).filter(subject=subject)
            .select_related("record"))
    return describe(rows, today)
