"""What the public 双公示 pages and API show: penalties (行政处罚) and licences (行政许可).

One rule each for what is shown, shared by pages and API:
- a penalty is a record of behaviour `administrative_penalty` or with penalty details,
  shown while the record is published (records/publicity.py: exempted minor penalties,
  withdrawn and repaired ones are not);
- a licence is shown while it is not withdrawn.
A natural person's entries are shown as the national rules allow: the name masked (陈*),
the ID number masked, and never found by searching a person's name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.utils import timezone

from xinyong.lib.paging import clamp
from xinyong.licences.models import Licence
from xinyong.records.models import Record
from xinyong.records.penalties import penalty_q
from xinyong.records.publicity import published_q
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
# Counting every match of a common word ("有限公司") over millions of rows costs more than
# the page itself: totals stop here and say "more than".
COUNT_CAP = 10_000
ENTERPRISES = (codes.ORGANIZATION, codes.INDIVIDUAL_BUSINESS)
YEAR = re.compile(r"[〔\[(（]\s*\d{4}\s*[〕\])）]")


def public_name(name: str, kind: str) -> str:
    """A person's name as published (陈明 → 陈*); organisations' as registered."""
    if kind != codes.PERSON:
        return name
    name = name.strip()
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


@dataclass(frozen=True)
class Filters:
    q: str = ""
    unit: str = ""  # the deciding unit's code (统一社会信用代码)
    category: str = ""  # penalties: a category; licences: a kind (许可类别)
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None


class _Sql(Lookup[Any]):
    """A condition on one column and one value, as SQL (PostgreSQL only)."""

    template = ""

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return self.template.format(lhs=lhs, rhs=rhs), [*lhs_params, *rhs_params]


class _Holds(_Sql):
    """icontains exactly, but in a form no index matches: the check after the index."""

    lookup_name = "disclosure_holds"
    template = "strpos(UPPER({lhs}::text), UPPER({rhs})) > 0"


class _HasTrigrams(_Sql):
    """The pg_trgm index (migration disclosure 0001): `rhs` is `%piece%`."""

    lookup_name = "disclosure_has_trigrams"
    template = "UPPER({lhs}::text) LIKE UPPER({rhs})"


class _HasPair(_Sql):
    """The two-character index (disclosure_bigrams, migration disclosure 0001)."""

    lookup_name = "disclosure_has_pair"
    template = "disclosure_bigrams({lhs}::text) @> ARRAY[UPPER({rhs})]"


def contains(field: str, q: str) -> Q:
    """`field` icontains `q`, on PostgreSQL through its indexes: the longest run of letters
    and digits in `q` narrows (a trigram index from three characters, the two-character
    index for two; the punctuation of 〔2026〕 would only add trigrams that every row has),
    then the whole `q` decides."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__icontains": q})
    found = Q(_Holds(F(field), Value(q)))
    # The year of a document number (〔2026〕) is in a whole year's numbers: it narrows
    # nothing, so the piece is taken from the rest when there is one.
    rest = YEAR.sub(" ", q)
    piece = max(reversed(re.split(r"[^\w]|_", rest if rest.strip() else q)), key=len)
    if len(piece) >= 3:
        found &= Q(_HasTrigrams(F(field), Value(f"%{piece}%")))
    elif len(piece) == 2:
        found &= Q(_HasPair(F(field), Value(piece)))
    return found


def _search(rows: QuerySet[Any], q: str, scope: Q | None = None) -> QuerySet[Any]:
    """`scope`: what every row of `rows` meets (the penalty rows' partial indexes and the
    publication rule, so each part of a search reads index entries of shown rows only)."""
    q = q.strip()
    if not q:
        return rows
    try:
        kind, number = codes.classify(q)
    except codes.CodeError:
        kind, number = "", ""
    if kind in ENTERPRISES:
        # Through the unique digest index; the plain code keeps the rule exact.
        return rows.filter(subject__code_digest=codes.digest(number), subject__code=number)
    if kind == codes.PERSON:
        return rows.none()  # never found by a person's ID number on a public page
    # A name fragment finds organisations and individual businesses only; a document
    # number finds anyone's entry.
    if connection.vendor != "postgresql":
        return rows.filter(Q(subject__name__icontains=q, subject__kind__in=ENTERPRISES)
                           | Q(decision_no__icontains=q))
    # PostgreSQL: the ids of two index searches, united (an OR across the join would read
    # every row).
    model, scope = rows.model, scope or Q()
    names = Subject.objects.filter(contains("name", q), kind__in=ENTERPRISES).order_by()
    by_name = model.objects.filter(scope, subject__in=names.values("pk")).order_by()
    by_number = model.objects.filter(scope, contains("decision_no", q)).order_by()
    return rows.filter(pk__in=by_name.values("pk").union(by_number.values("pk")))


def _filtered(rows: QuerySet[Any], filters: Filters, category: str, scope: Q | None = None
              ) -> QuerySet[Any]:
    """The search and the filters both kinds share; `category` is the lookup the kind's
    category filter uses."""
    rows = _search(rows, filters.q, scope)
    if filters.unit:
        rows = rows.filter(unit__code=filters.unit)
    if filters.category:
        rows = rows.filter(**{category: filters.category})
    if filters.decided_from:
        rows = rows.filter(decided_on__gte=filters.decided_from)
    if filters.decided_to:
        rows = rows.filter(decided_on__lte=filters.decided_to)
    return rows.order_by("-decided_on", "-id")


def penalties(filters: Filters, day: dt.date | None = None) -> QuerySet[Record]:
    day = day or timezone.localdate()
    shown = penalty_q() & published_q(day)
    rows = Record.objects.filter(shown).select_related("subject", "unit")
    return _filtered(rows, filters, "penalty__category__icontains", shown)


def licences(filters: Filters) -> QuerySet[Licence]:
    rows = Licence.objects.published().select_related("subject", "unit")
    return _filtered(rows, filters, "kind")


def penalty_item(record: Record) -> dict[str, Any]:
    penalty = record.penalty or {}
    authority = (penalty.get("authority") or {}).get("name") or record.unit.name
    return {
        "id": record.pk, "name": public_name(record.subject.name, record.subject.kind),
        "subject_kind": record.subject.kind, "code_masked": record.subject.code_masked,
        "decision_no": record.decision_no, "category": penalty.get("category") or [],
        "content": penalty.get("content") or "", "violation_type": record.violation_type,
        "facts": record.facts, "basis": penalty.get("basis") or "",
        "fine_wan": penalty.get("fine_wan"), "confiscated_wan": penalty.get("confiscated_wan"),
        "licence_affected": penalty.get("licence_affected") or "",
        "authority": authority, "decided_on": record.decided_on,
        "valid_until": penalty.get("valid_until"), "publicity_ends_on": record.ends_on,
        "unit": record.unit.name, "objection": "open" if record.objection_open else None,
        "subject_id": record.subject_id if record.subject.kind in ENTERPRISES else None,
    }


def licence_item(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.pk, "name": public_name(licence.subject.name, licence.subject.kind),
        "subject_kind": licence.subject.kind, "code_masked": licence.subject.code_masked,
        "decision_no": licence.decision_no, "decision_name": licence.decision_name,
        "kind": licence.kind, "licence_name": licence.licence_name,
        "licence_no": licence.licence_no, "content": licence.content,
        "authority": licence.authority_name, "decided_on": licence.decided_on,
        "valid_from": licence.valid_from, "valid_to": licence.valid_to, "unit": licence.unit.name,
        "subject_id": licence.subject_id if licence.subject.kind in ENTERPRISES else None,
    }


def page_of(rows: QuerySet[Any], page: int, page_size: int, item: Any) -> dict[str, Any]:
    """One page, with a total that stops at COUNT_CAP (`total_capped` then says so)."""
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    total = rows.order_by()[:COUNT_CAP + 1].count()  # the order changes no count
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    page = clamp(page, total, page_size)
    items = [item(row) for row in rows[(page - 1) * page_size: page * page_size]]
    return {"items": items, "total": total, "total_capped": capped, "page": page,
            "page_size": page_size}
