"""API: points and grades of a subject (/api/v1/subjects/{id}/score, /grade)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from xinyong.accounts.auth import caller, optional_auth, require_role
from xinyong.accounts.models import Role
from xinyong.lib.apierrors import Error
from xinyong.policies import rulebook
from xinyong.scores import services
from xinyong.subjects import access
from xinyong.subjects.models import Subject

router = Router(tags=["scores"])


class ScoreQuery(Schema):
    as_of: dt.date | None = None
    # A point scheme's code, when more than one is in force (the most local by default).
    scheme: str | None = None


class GradeQuery(Schema):
    as_of: dt.date | None = None


class ScoreItemOut(Schema):
    date: dt.date
    behavior: str | None
    behavior_text: str | None
    points: int
    record_id: int | None
    policy: str
    clause: str
    rule: str
    rule_name: str
    # The list that earned the points (a list rule), else null.
    list: str | None
    # Points before diminishing steps and caps, and why fewer were given.
    full_points: int
    note: str
    # The last day the item counts by its dates (null: while published or on the list).
    counts_until: dt.date | None
    objection_open: bool


class ScoreOut(Schema):
    scheme: str
    name: str
    policy: str
    clause: str
    # The scheme's numbers are provisional (暂定): the office has not set the official ones.
    provisional: bool
    note: str
    base: int
    min: int
    max: int
    points: int
    level: str
    as_of: dt.date
    items: list[ScoreItemOut]
    # The other schemes in force that day for this subject (choose with `scheme`).
    other_schemes: list[str]


class BasisOut(Schema):
    rule: str
    name: str
    policy: str
    clause: str
    doc_number: str
    # An inspection adjustment's factor on the grade's rate; null for the grade's rule.
    factor: float | None


class GradeOut(Schema):
    grade: str
    as_of: dt.date
    basis: list[BasisOut]
    inspection_rate: float
    base_rate: float
    provisional: bool
    note: str


def _subject(request: HttpRequest, subject_id: int) -> Subject:
    subject = Subject.objects.visible_to(caller(request)).filter(pk=subject_id).first()
    if subject is None:
        raise HttpError(404, "没有这个信用主体，或无权查看")
    return subject


@router.get(
    "/{int:subject_id}/score", auth=optional_auth,
    response={200: ScoreOut, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="信用积分及每一项加减分的依据（本人、信用办）",
)
def score(request: HttpRequest, subject_id: int, query: Query[ScoreQuery]) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT, Role.OFFICE)
    subject = _subject(request, subject_id)
    if user.role == Role.SUBJECT and not access.is_own(user, subject):
        raise HttpError(403, "信用积分仅本人和信用办可查看")
    result = services.score(subject, query.as_of, query.scheme)
    book = rulebook.current()
    others = [s.code for s in services.schemes_for(book, subject.kind, result.as_of)
              if s.code != result.scheme]
    return {
        **{k: getattr(result, k) for k in ("scheme", "name", "policy", "clause", "provisional",
                                           "note", "base", "min", "max", "points", "level",
                                           "as_of")},
        "other_schemes": others,
        "items": [{
            "date": item.date, "behavior": item.behavior,
            "behavior_text": book.behavior_text(item.behavior) if item.behavior else None,
            "points": item.points, "record_id": item.record_id, "policy": item.policy,
            "clause": item.clause, "rule": item.rule, "rule_name": item.rule_name,
            "list": item.list_code, "full_points": item.full_points, "note": item.note,
            "counts_until": item.counts_until, "objection_open": item.objection_open,
        } for item in result.items],
    }


@router.get(
    "/{int:subject_id}/grade", auth=optional_auth,
    response={200: GradeOut, 404: Error, 422: Error},
    summary="企业信用风险分类（A–D）、依据及双随机抽查比例（公开）",
)
def grade(request: HttpRequest, subject_id: int, query: Query[GradeQuery]) -> dict[str, Any]:
    subject = _subject(request, subject_id)
    result = services.grade(subject, query.as_of)
    return {
        "grade": result.grade, "as_of": result.as_of,
        "basis": [{"rule": b.rule, "name": b.name, "policy": b.policy, "clause": b.clause,
                   "doc_number": b.doc_number,
                   "factor": float(b.factor) if b.factor is not None else None}
                  for b in result.basis],
        "inspection_rate": float(result.inspection_rate), "base_rate": float(result.base_rate),
        "provisional": result.provisional, "note": result.note,
    }
