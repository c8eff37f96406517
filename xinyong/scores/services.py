"""Points and grades of one subject on a day, for the API and pages; the stored results for
the credit file and the public pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.lists.models import Membership
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Rulebook
from xinyong.records.models import Record
from xinyong.scores import grading, points
from xinyong.scores.models import SubjectGrade, SubjectScore, last_full_run, stamp
from xinyong.subjects.models import Subject

RECORD_FIELDS = ("id", "behavior", "polarity", "severity", "decided_on", "status", "starts_on",
                 "ends_on", "closed_on", "rectify_by", "objection_open")
MEMBERSHIP_FIELDS = ("list_code", "policy", "since", "until", "ended_on", "record_id")


def facts(subject_id: int) -> tuple[list[points.RecordFacts], list[points.MembershipFacts]]:
    """What scoring and grading read of a subject: two queries, no model objects."""
    records = [points.RecordFacts(*row) for row in
               Record.objects.filter(subject_id=subject_id).values_list(*RECORD_FIELDS)]
    memberships = [points.MembershipFacts(*row) for row in
                   Membership.objects.filter(subject_id=subject_id)
                   .values_list(*MEMBERSHIP_FIELDS)]
    return records, memberships


def check_day(as_of: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if as_of is None:
        return today
    if as_of > today:
        raise DomainError("as_of", f"不能晚于今天（{today.isoformat()}）：积分和评级按当日已知的记录计算")
    return as_of


def schemes_for(book: Rulebook, kind: str, day: dt.date) -> list[points.Scheme]:
    """The point schemes in force on `day` for this kind of subject, the most local first
    (a platform serving one city has one; the API's `scheme` chooses among several)."""
    from xinyong.policies.jurisdiction import LOCALITY

    found = [points.Scheme.of(e, s) for e in book.in_force(day) for s in e.pack.scores
             if kind in s.subject_kinds]
    return sorted(found, key=lambda s: (LOCALITY[s.entry.pack.level], s.policy, s.code))


def score(subject: Subject, as_of: dt.date | None = None, scheme: str | None = None
          ) -> points.Score:
    day = check_day(as_of)
    book = rulebook.current()
    found = schemes_for(book, subject.kind, day)
    if not found:
        if not any(subject.kind in s.subject_kinds for e in book.entries for s in e.pack.scores):
            raise DomainError("subject", "信用积分只适用于自然人，该主体没有适用的积分方案", 404)
        raise DomainError("as_of", f"{day.isoformat()} 没有施行中的积分方案", 404)
    if scheme:
        chosen = next((s for s in found if s.code == scheme), None)
        if chosen is None:
            names = "、".join(f"{s.code}（{s.scheme.name}）" for s in found)
            raise DomainError("scheme", f"{day.isoformat()} 施行中的积分方案为 {names}，没有“{scheme}”")
    else:
        chosen = found[0]
    records, memberships = facts(subject.pk)
    return points.evaluate(chosen, records, memberships, day)


def grade(subject: Subject, as_of: dt.date | None = None) -> grading.Grade:
    day = check_day(as_of)
    records, memberships = facts(subject.pk)
    found = grading.evaluate(rulebook.current(), subject.kind, subject.scale, subject.region,
                             records, memberships, day)
    if found is None:
        raise DomainError("subject", "信用评级只适用于企业和个体工商户", 404)
    return found


def stored_scores(subject: Subject) -> list[dict[str, Any]]:
    """A person's points under each scheme as last computed (credit file, reports), the
    most local scheme first, each with the time it was computed; computed now for a
    subject the recompute has not reached yet."""
    from xinyong.policies.jurisdiction import LOCALITY

    book = rulebook.current()
    found: list[dict[str, Any]] = []
    order: list[tuple[int, str, str]] = []
    rows = list(SubjectScore.objects.filter(subject=subject))
    last = last_full_run() if rows else None
    for row in rows:
        entry = book.entry(row.policy)
        scheme = next((s for s in entry.pack.scores if s.code == row.scheme), None) \
            if entry else None
        at, day = stamp(row, last)
        found.append({
            "scheme": row.scheme, "name": scheme.name if scheme else row.scheme,
            "points": row.points, "level": row.level, "policy": row.policy,
            "provisional": bool(scheme and scheme.provisional),
            "computed_at": at, "as_of": day,
        })
        order.append((LOCALITY[entry.pack.level] if entry else 9, row.policy, row.scheme))
    if not found:
        today, now = timezone.localdate(), timezone.now()
        records, memberships = facts(subject.pk)
        for i, s in enumerate(schemes_for(book, subject.kind, today)):
            result = points.evaluate(s, records, memberships, today)
            found.append({"scheme": s.code, "name": s.scheme.name, "points": result.points,
                          "level": result.level, "policy": s.policy,
                          "provisional": s.scheme.provisional, "computed_at": now,
                          "as_of": today})
            order.append((i, s.policy, s.code))
    return [f for _, f in sorted(zip(order, found, strict=True), key=lambda pair: pair[0])]


def stored_grade(subject: Subject) -> dict[str, Any] | None:
    """An enterprise's grade as last computed (credit file, public pages, checks); computed
    now for a subject the recompute has not reached yet. None for persons."""
    row = SubjectGrade.objects.filter(subject=subject).first()
    if row is not None:
        return describe_grade(row, rulebook.current())
    today = timezone.localdate()
    records, memberships = facts(subject.pk)
    found = grading.evaluate(rulebook.current(), subject.kind, subject.scale, subject.region,
                             records, memberships, today)
    if found is None:
        return None
    first = found.basis[0]
    return {"grade": found.grade, "rule": found.rule, "rule_name": first.name,
            "policy": found.policy, "clause": first.clause, "adjustments": found.adjustments,
            "inspection_rate": found.inspection_rate, "provisional": found.provisional,
            "computed_at": timezone.now(), "as_of": today}


def describe_grade(row: SubjectGrade, book: Rulebook) -> dict[str, Any]:
    at, day = stamp(row, last_full_run())
    entry = book.entry(row.policy)
    scheme = entry.pack.grades if entry else None
    rule = next((r for r in scheme.rules if r.code == row.rule), None) if scheme else None
    adjustments = [a for a in row.adjustments.split(",") if a]
    return {
        "grade": row.grade, "rule": row.rule,
        "rule_name": rule.name if rule else (grading.OTHERWISE_NAME if scheme else row.rule),
        "policy": row.policy, "clause": rule.clause if rule else (scheme.clause if scheme else ""),
        "adjustments": adjustments,
        "inspection_rate": grading.rate_of(book, row.grade, row.policy, adjustments, day),
        "provisional": bool(scheme and scheme.provisional),
        "computed_at": at, "as_of": day,
    }
