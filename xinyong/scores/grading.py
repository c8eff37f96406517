"""Enterprise grades (企业信用风险分类 A–D) and inspection rates (分级分类监管).

A pure function of the rulebook, the subject (kind, scale, the region of its USCC), what
the platform holds of it and the day. The grade scheme is the most local pack in force
governing the subject's region that has one (platform-defaults otherwise); its rules are
read in order and the first that holds decides. The rate of the grade is then changed by
every inspection adjustment in force there that fits (福州 一.2: small and medium-sized
enterprises of grades A and B are inspected half as often). `scores.refresh` computes the
same grades for every subject at once in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from xinyong.lists.models import is_active
from xinyong.policies import jurisdiction
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import SEVERITY_ORDER, GradeRule, GradeScheme, InspectionAdjustment
from xinyong.records.publicity import is_published
from xinyong.scores.points import MembershipFacts, RecordFacts

OTHERWISE = "otherwise"
OTHERWISE_NAME = "不符合其他分类条件"
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Basis:
    rule: str
    name: str
    policy: str
    clause: str
    doc_number: str = ""
    # An adjustment's factor (the rate was multiplied by it); None for the grade's rule.
    factor: Decimal | None = None


@dataclass
class Grade:
    grade: str
    as_of: dt.date
    rule: str
    policy: str
    inspection_rate: Decimal
    base_rate: Decimal
    provisional: bool
    note: str
    basis: list[Basis] = field(default_factory=list)

    @property
    def adjustments(self) -> list[str]:
        return [f"{b.policy}:{b.rule}" for b in self.basis if b.factor is not None]


def scheme_for(book: Rulebook, region: str | None, day: dt.date
               ) -> tuple[Entry, GradeScheme] | None:
    key = ("grade_scheme", region, day)
    if key not in book._memo:
        found = [(e, e.pack.grades) for e in book.in_force(day)
                 if e.pack.grades and jurisdiction.governs(e, region)]
        book._memo[key] = jurisdiction.most_local(found)  # type: ignore[arg-type]
    return book._memo[key]  # type: ignore[no-any-return]


def adjustments_for(book: Rulebook, region: str | None, day: dt.date
                    ) -> list[tuple[Entry, InspectionAdjustment]]:
    return [(e, a) for e in book.in_force(day) if jurisdiction.governs(e, region)
            for a in e.pack.inspection_adjustments]


def holds(rule: GradeRule, lists: set[str], dishonest: list[RecordFacts]) -> bool:
    if rule.on_lists and not lists & set(rule.on_lists):
        return False
    if rule.dishonest_at_least is not None:
        floor = SEVERITY_ORDER[rule.dishonest_min_severity or "minor"]
        if sum(SEVERITY_ORDER.get(r.severity, -1) >= floor for r in dishonest) \
                < rule.dishonest_at_least:
            return False
    return not (rule.no_dishonest and dishonest)


def evaluate(book: Rulebook, kind: str, scale: str, region: str | None,
             records: list[RecordFacts], memberships: list[MembershipFacts],
             day: dt.date) -> Grade | None:
    """The grade on `day`, or None when no grade scheme covers this kind of subject."""
    found = scheme_for(book, region, day)
    if found is None or kind not in found[1].subject_kinds:
        return None
    entry, scheme = found
    lists = {m.list_code for m in memberships if is_active(m, day)}
    dishonest = [r for r in records if r.polarity == "dishonest" and is_published(r, day)]
    pack = entry.pack
    rule = next((r for r in scheme.rules if holds(r, lists, dishonest)), None)
    if rule is None:
        grade, basis = scheme.otherwise, Basis(OTHERWISE, OTHERWISE_NAME, pack.id,
                                               scheme.clause, pack.doc_number)
    else:
        grade, basis = rule.grade, Basis(rule.code, rule.name, pack.id, rule.clause,
                                         pack.doc_number)
    result = Grade(grade=grade, as_of=day, rule=basis.rule, policy=pack.id,
                   inspection_rate=scheme.rates[grade], base_rate=scheme.rates[grade],  # type: ignore[index]
                   provisional=scheme.provisional, note=scheme.note, basis=[basis])
    rate = scheme.rates[grade]  # type: ignore[index]
    for adj_entry, adj in adjustments_for(book, region, day):
        if scale in adj.scales and grade in adj.grades:
            rate *= adj.factor
            result.basis.append(Basis(adj.code, adj.name, adj_entry.pack.id, adj.clause,
                                      adj_entry.pack.doc_number, adj.factor))
            result.provisional = result.provisional or adj.provisional
    result.inspection_rate = rate.quantize(RATE_PLACES, ROUND_HALF_UP)
    return result


def rate_of(book: Rulebook, grade: str, policy: str, adjustments: list[str],
            day: dt.date) -> Decimal | None:
    """The inspection rate of a stored grade (its scheme's rate and the adjustments it was
    given), from the rules in force on `day`; None if its scheme is gone."""
    entry = book.entry(policy)
    if entry is None or entry.pack.grades is None:
        return None
    rate = entry.pack.grades.rates.get(grade)  # type: ignore[call-overload]
    if rate is None:
        return None
    for ref in adjustments:
        pack_id, _, code = ref.partition(":")
        adj_entry = book.entry(pack_id)
        adj = next((a for a in adj_entry.pack.inspection_adjustments if a.code == code),
                   None) if adj_entry else None
        if adj is not None:
            rate *= adj.factor
    return Decimal(rate).quantize(RATE_PLACES, ROUND_HALF_UP)
