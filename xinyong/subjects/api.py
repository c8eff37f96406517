"""API: subject look-up and profile (/api/v1/subjects)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from xinyong.accounts.auth import caller, optional_auth
from xinyong.audit.models import record as audit
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lists.api import MembershipOut
from xinyong.subjects import access, codes
from xinyong.subjects.models import Subject
from xinyong.subjects.profile import build_profile

router = Router(tags=["subjects"])


class LookupIn(Schema):
    code: str


class SubjectOut(Schema):
    id: int
    kind: str
    name: str
    code_masked: str


class PublicityOut(Schema):
    starts_on: dt.date
    repairable_from: dt.date | None
    ends_on: dt.date | None


class ProfileRecordOut(Schema):
    id: int
    behavior: str
    behavior_text: str
    polarity: str
    status: str
    status_label: str
    decided_on: dt.date
    decision_no: str
    unit: str
    severity: str
    publicity: PublicityOut | None
    # The first day it was no longer published, and why (withdrawn, repaired, expired).
    publicity_ended_on: dt.date | None
    publicity_ended_why: str
    policy: str
    doc_number: str
    clause: str
    objection: str | None


class ProfileLicenceOut(Schema):
    id: int
    decision_no: str
    kind: str
    licence_name: str
    licence_no: str
    decided_on: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    authority: str
    status: str
    status_label: str
    expired: bool
    unit: str


class ProfileCommitmentOut(Schema):
    """信用承诺 on the credit file (type, accepting unit, 履行状态): /api/v1/commitments has more."""

    id: int
    number: str
    name: str
    kind: str
    kind_label: str
    matter: str
    accepting_unit: str | None
    signed_at: dt.datetime
    status: str
    status_label: str
    policy: str
    clause: str
    record_id: int | None


class StoredScoreOut(Schema):
    scheme: str
    name: str
    points: int
    level: str
    policy: str
    # The scheme's numbers are provisional (暂定).
    provisional: bool
    computed_at: dt.datetime
    as_of: dt.date


class StoredGradeOut(Schema):
    grade: str
    rule: str
    rule_name: str
    policy: str
    clause: str
    adjustments: list[str]
    inspection_rate: float | None
    provisional: bool
    computed_at: dt.datetime
    as_of: dt.date


class ProfileGrantOut(Schema):
    """The grant an institution's read was made under (信易贷): what it covered."""

    id: int
    scope: list[str]
    purpose: str
    expires_on: dt.date


class ProfileOut(SubjectOut):
    code: str | None = None
    # True for the subject itself and the office: records of every status, every list.
    full: bool
    records: list[ProfileRecordOut]
    lists: list[MembershipOut]
    # 行政许可 (双公示): good or neutral information, never dishonest.
    licences: list[ProfileLicenceOut]
    # 信用承诺: as the commitments' own rule lets the caller see them.
    commitments: list[ProfileCommitmentOut]
    # Parts of the credit file not built yet: named here rather than answered empty
    # (none today; kept so that clients need not change when a part is added).
    not_yet_available: list[str]
    # For an institution's user reading under a live grant: the grant (scope: every part
    # its grants in force allow); null otherwise.
    grant: ProfileGrantOut | None = None
    # As last computed (stamped): a person's points under the most local scheme and under
    # every scheme (only the person and the office: null and [] for others), an
    # enterprise's grade (public; null for persons). For any day and with every item's
    # reason: /subjects/{id}/score and /subjects/{id}/grade.
    score: StoredScoreOut | None = None
    scores: list[StoredScoreOut] = []
    grade: StoredGradeOut | None = None


@router.post(
    "/lookup",
    auth=optional_auth,
    response={200: SubjectOut, 403: Error, 404: Error, 422: Error},
    summary="按统一社会信用代码或身份证号码查找主体",
)
def lookup(request: HttpRequest, payload: LookupIn) -> Subject:
    try:
        kind, number = codes.classify(payload.code)
    except codes.CodeError as exc:
        raise DomainError("code", str(exc)) from None
    viewer = caller(request)
    if kind == codes.PERSON and not access.may_look_up_persons(viewer):
        raise HttpError(403, "按身份证号码查找自然人仅限信用办和成员单位")
    subject = Subject.objects.by_code(number)
    if kind == codes.PERSON:
        audit("subject.lookup", request=request, obj=subject,
              summary=f"按身份证号码查找 {codes.mask(kind, number)}",
              detail={"found": subject is not None})
    if subject is None:
        raise HttpError(404, "平台上没有该代码的信用主体")
    return subject


@router.get(
    "/{int:subject_id}",
    auth=optional_auth,
    response={200: ProfileOut, 404: Error},
    summary="主体信用档案",
)
def profile(request: HttpRequest, subject_id: int) -> dict[str, Any]:
    viewer = caller(request)
    subject = Subject.objects.visible_to(viewer).filter(pk=subject_id).first()
    if subject is None:
        # Persons' profiles answer 404 to those who may not see them: no enumeration.
        raise HttpError(404, "没有这个信用主体，或无权查看")
    return build_profile(subject, viewer, request=request)
