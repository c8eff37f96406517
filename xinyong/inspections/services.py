"""Running a draw: the population from the database, each subject's grade and rate, the
selection (`inspections.draws`, pure), and the stored, audited result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.audit.models import record as audit
from xinyong.inspections import draws
from xinyong.inspections.draws import GRADES, Candidate, Population
from xinyong.inspections.models import Draw, Selection
from xinyong.lib.errors import DomainError
from xinyong.licences import models as licences
from xinyong.policies import jurisdiction, rulebook
from xinyong.policies.rulebook import Rulebook
from xinyong.records.choices import WITHDRAWN
from xinyong.records.models import Record
from xinyong.scores import grading
from xinyong.scores import services as scores
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

KIND_LABELS = {k: codes.KIND_LABELS[k] for k in draws.KINDS}


def check_unit(population: Population) -> Unit | None:
    if population.unit is None:
        return None
    unit = Unit.objects.filter(pk=population.unit).first()
    if unit is None:
        raise DomainError("population.unit", f"没有编号为 {population.unit} 的成员单位")
    return unit


def in_region(rows: QuerySet[Subject], area: str) -> QuerySet[Subject]:
    """Subjects whose USCC region (characters 3–8) lies in `area`, as
    `jurisdiction.contains` says (a province, a city or a county)."""
    start = jurisdiction.prefix(area)
    return rows.annotate(uscc_region=Substr("code", 3, len(start))).filter(uscc_region=start)


def subjects_in(population: Population, book: Rulebook) -> QuerySet[Subject]:
    """The population's subjects as far as SQL can tell (the grade of a subject without a
    stored one is known only once computed)."""
    rows: QuerySet[Subject] = Subject.objects.filter(kind__in=population.kinds).exclude(code="")
    if population.region:
        rows = in_region(rows, population.region)
    if population.scales:
        rows = rows.filter(scale__in=population.scales)
    if population.unit is not None:
        reported = Record.objects.filter(unit_id=population.unit).exclude(status=WITHDRAWN)
        licensed = licences.Licence.objects.filter(unit_id=population.unit).exclude(
            status=licences.WITHDRAWN)
        rows = rows.filter(Q(pk__in=reported.values("subject_id"))
                           | Q(pk__in=licensed.values("subject_id")))
    if population.grades:
        schemes = [e.pack.id for e in book.entries if e.pack.grades]
        rows = rows.filter(Q(stored_grade__isnull=True)
                           | Q(stored_grade__grade__in=population.grades)
                           | ~Q(stored_grade__policy__in=schemes))
    return rows


class Graded:
    """The population with grades and rates, and what was used to rate it."""

    def __init__(self) -> None:
        self.candidates: list[Candidate] = []
        self.policies: set[str] = set()
        self.adjustments: set[str] = set()

    def add(self, subject_id: int, code: str, grade: str, rate: Decimal, policy: str,
            adjustments: list[str]) -> None:
        self.candidates.append(Candidate(code, grade, rate, subject_id))
        self.policies.add(policy)
        self.adjustments.update(adjustments)


def graded(population: Population, book: Rulebook, day: dt.date) -> Graded:
    """Every subject of the population with its grade and inspection rate: the stored grade
    (rated by the rules in force on `day`), or one computed now for a subject without one."""
    found = Graded()
    rated: dict[tuple[str, str, str], Decimal | None] = {}
    live: list[tuple[int, str, str, str]] = []
    wanted = set(population.grades or GRADES)
    rows = subjects_in(population, book).order_by().values_list(
        "id", "kind", "code", "scale", "stored_grade__grade", "stored_grade__policy",
        "stored_grade__adjustments")
    for pk, kind, code, scale, grade, policy, adjusted in rows.iterator(chunk_size=5000):
        rate = None
        if grade:
            memo = (grade, policy, adjusted)
            if memo not in rated:
                rated[memo] = grading.rate_of(book, grade, policy,
                                              [a for a in adjusted.split(",") if a], day)
            rate = rated[memo]
        if rate is None:
            live.append((pk, kind, code, scale))
        elif grade in wanted:
            found.add(pk, code, grade, rate, policy, [a for a in adjusted.split(",") if a])
    for pk, kind, code, scale in live:
        # The computation of `scores.services.grade`, with this draw's rulebook and day.
        records, memberships = scores.facts(pk)
        result = grading.evaluate(book, kind, scale, codes.region_of(kind, code), records,
                                  memberships, day)
        if result is not None and result.grade in wanted:
            found.add(pk, code, result.grade, result.inspection_rate, result.policy,
                      result.adjustments)
    return found


def _decimal(value: Decimal) -> str:
    return f"{value:.4f}"


def rates_table(book: Rulebook, policies: set[str], adjustments: set[str]) -> dict[str, Any]:
    """The rates a draw used: each grade scheme (grade → rate, provisional or not) and each
    adjustment applied to a subject of the population."""
    schemes = []
    for policy in sorted(policies):
        entry = book.entry(policy)
        scheme = entry.pack.grades if entry else None
        if entry is None or scheme is None:
            continue
        schemes.append({
            "policy": policy, "doc_number": entry.pack.doc_number, "clause": scheme.clause,
            "rates": {g: _decimal(scheme.rates[g]) for g in GRADES},  # type: ignore[index]
            "provisional": scheme.provisional, "note": scheme.note})
    applied = []
    for ref in sorted(adjustments):
        pack_id, _, code = ref.partition(":")
        entry = book.entry(pack_id)
        adj = next((a for a in entry.pack.inspection_adjustments if a.code == code),
                   None) if entry else None
        if entry is None or adj is None:
            continue
        applied.append({
            "policy": pack_id, "doc_number": entry.pack.doc_number, "code": code,
            "name": adj.name, "clause": adj.clause, "factor": str(adj.factor),
            "grades": list(adj.grades), "scales": list(adj.scales),
            "regions": list(entry.pack.regions), "provisional": adj.provisional,
            "note": adj.note})
    return {"schemes": schemes, "adjustments": applied}


def run(user: Any, name: str | None, *, size: int | None = None, seed: str | None = None,
        population: dict[str, Any] | None = None, request: HttpRequest | None = None,
        today: dt.date | None = None) -> Draw:
    """Draw, store the result and audit it. Refuses with DomainError naming the field."""
    name = draws.check_name(name)
    seed = draws.check_seed(seed)
    size = draws.check_size(size)
    filters = draws.check_population(population)
    check_unit(filters)
    day = today or timezone.localdate()
    book = rulebook.current()
    found = graded(filters, book, day)
    if not found.candidates:
        raise DomainError("population", "抽取范围内没有可评级的市场主体，请放宽范围条件")
    drawable = sum(1 for c in found.candidates if c.rate > 0)
    if not drawable:
        raise DomainError("population", f"抽取范围内的 {len(found.candidates)} 个主体抽查比例均为 0，"
                                        "没有可抽取的主体")
    if size is not None and size > drawable:
        raise DomainError("size", f"抽取数量不能超过可抽取的主体数（{drawable} 个）")
    drawn = draws.select(seed, found.candidates, size)
    with transaction.atomic():
        draw = Draw.objects.create(
            name=name, seed=seed, size=size, population=filters.as_json(),
            population_count=len(found.candidates),
            population_digest=draws.population_digest(found.candidates),
            rates=rates_table(book, found.policies, found.adjustments),
            selected_count=len(drawn), as_of=day, created_by=user)
        subjects = Subject.objects.only("name", "code_masked").in_bulk(
            [d.candidate.subject_id for d in drawn])
        Selection.objects.bulk_create([
            Selection(draw=draw, rank=rank, subject_id=d.candidate.subject_id,
                      name=subjects[d.candidate.subject_id].name,
                      code_masked=subjects[d.candidate.subject_id].code_masked,
                      grade=d.candidate.grade, rate=d.candidate.rate)
            for rank, d in enumerate(drawn, start=1)], batch_size=1000)
        audit("inspection.draw", actor=user, request=request, obj=draw,
              summary=f"{name}：从 {draw.population_count} 个主体中抽取 {len(drawn)} 个，"
                      f"随机种子 {seed}",
              detail={"seed": seed, "size": size, "population": filters.as_json(),
                      "population_count": draw.population_count,
                      "population_digest": draw.population_digest,
                      "selected": len(drawn)})
    return draw


def population_terms(draw: Draw) -> list[tuple[str, str]]:
    """The draw's filters in words, for its page: (what, which)."""
    p = draw.population
    terms = [("主体类别", "、".join(KIND_LABELS.get(k, k) for k in p.get("kinds") or draws.KINDS))]
    if p.get("region"):
        terms.append(("地区", jurisdiction.region_label(p["region"])))
    if p.get("unit") is not None:
        unit = Unit.objects.filter(pk=p["unit"]).first()
        terms.append(("成员单位监管范围", unit.name if unit else f"编号 {p['unit']}"))
    if p.get("grades"):
        terms.append(("信用风险分类", "、".join(f"{g} 类" for g in p["grades"])))
    if p.get("scales"):
        terms.append(("企业规模", "、".join(draws.SCALE_LABELS.get(s, s) for s in p["scales"])))
    return terms
