"""Random inspection draws (双随机、一公开 抽查), weighted by enterprise grade: the pure part.

Anyone holding the published seed and the list of the population's codes, grades and rates
can draw again and must get the same subjects in the same order. Everything here is a
function of those values only; `inspections.services` gathers the population from the
database and stores the result.

Population (services.population)
    Market entities only: kinds `organization` and `individual_business`; persons are never
    drawn nor shown. Filters, all optional: `kinds` (a subset of those two), `region` (a
    6-digit 行政区划代码: subjects whose USCC region, characters 3–8, lies inside it, as
    `policies.jurisdiction.contains` says: 350100 contains 350105), `unit` (a member unit:
    the subjects of the records and licences it reported, those it withdrew excepted),
    `grades` (a subset of A–D) and `scales` (a subset of large, medium, small, micro; a
    subject of unknown scale then is not in it). Empty lists mean "any". A subject whose
    grade no scheme in force gives is not in the population.

Weight
    A subject's weight is its inspection rate (抽查比例): from its stored grade
    (`scores.SubjectGrade`, through `scores.grading.rate_of` with the rulebook in force and
    the day of the draw), or, when it has no stored grade yet (or its scheme is gone),
    from its grade computed on the spot (`scores.grading.evaluate`). Subjects of rate 0 are
    in the population but never drawn. The draw records the grade and rate of each subject
    drawn and the table of rates used (each grade scheme's rates, with 暂定 when it is
    provisional, and the adjustments applied, e.g. 福州 一.2 halving the rate of small and
    medium-sized enterprises of grades A and B).

Seed
    Given by the office (1–64 printable characters, no space at either end, no ID number)
    or, when omitted (or empty), 32 hexadecimal characters from `secrets.token_hex(16)`.
    It is published with the result.

The uniform number of a subject
    u = (int.from_bytes(sha256((seed + ":" + code).encode("utf-8")).digest()[:8], "big")
         + 0.5) / 2**64
    in double precision (the expression as Python evaluates it), a number in (0, 1). The
    code is the subject's USCC, not an internal id, so the draw can be recomputed outside
    the platform.

Selection
    Without `size` (Bernoulli sampling): every subject with u < rate is drawn (a rate of 1
    draws every such subject); in expectation each grade's share drawn equals its rate.
    With `size` (1–10,000, at most the number of subjects of positive rate): weighted
    sampling without replacement (Efraimidis–Spirakis, 2006): key = ln(u) / rate, the `size`
    largest keys are drawn. The first subject drawn is subject i with probability
    rate_i / Σ rate, the second likewise among the rest, and so on.
    Either way the result is in the order of the keys, largest first, ties broken by the
    code (ascending): the draw order (抽取顺序).

Checking the population later
    The draw stores the population's size and a SHA-256 digest of its lines
    "code,grade,rate" (rate with four decimals, e.g. 0.2000), sorted, each ended by "\\n",
    in UTF-8 (`population_digest`).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.policies.jurisdiction import region_problem
from xinyong.policies.schema import GRADES
from xinyong.policies.schema import SCALES as SCALE_LABELS
from xinyong.subjects import codes

KINDS = (codes.ORGANIZATION, codes.INDIVIDUAL_BUSINESS)
SCALES = tuple(SCALE_LABELS)
MAX_SIZE = 10_000
MAX_SEED = 64
MAX_NAME = 100
BERNOULLI, WEIGHTED = "bernoulli", "efraimidis-spirakis"
ALGORITHM_LABELS = {BERNOULLI: "按比例逐一抽取", WEIGHTED: "按比例加权抽取指定数量"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One subject of the population: what the draw depends on (code, rate), the grade it
    is published with, and the subject's id for the result."""

    code: str
    grade: str
    rate: Decimal
    subject_id: int = 0


@dataclass(frozen=True, slots=True)
class Drawn:
    candidate: Candidate
    u: float
    key: float


def new_seed() -> str:
    return secrets.token_hex(16)


def check_seed(seed: str | None) -> str:
    """The seed to use: the given one, validated, or a new random one."""
    if seed is None or seed == "":
        return new_seed()
    if len(seed) > MAX_SEED:
        raise DomainError("seed", f"随机种子最长 {MAX_SEED} 个字符，实际 {len(seed)} 个")
    if not seed.isprintable():
        raise DomainError("seed", "随机种子只能包含可打印字符（不能有换行、制表符等控制字符）")
    if seed != seed.strip():
        raise DomainError("seed", "随机种子不能以空格开头或结尾：公布后他人难以照样复核")
    if mask_id_numbers(seed) != seed:
        raise DomainError("seed", "随机种子会随结果公布，不能包含身份证号码")
    return seed


def check_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise DomainError("name", "请填写抽查名称，如：2026年第一季度食品经营者双随机抽查")
    if len(text) > MAX_NAME:
        raise DomainError("name", f"抽查名称最长 {MAX_NAME} 个字，实际 {len(text)} 个")
    return mask_id_numbers(text)


def check_size(size: int | None) -> int | None:
    if size is None:
        return None
    if not 1 <= size <= MAX_SIZE:
        raise DomainError("size", f"抽取数量应为 1 至 {MAX_SIZE} 之间的整数；不填则按比例逐一抽取")
    return size


@dataclass(frozen=True)
class Population:
    """The filters of a draw's population, validated and in a canonical form (lists in
    their fixed order, no repeats), as stored and published."""

    kinds: tuple[str, ...] = KINDS
    region: str | None = None
    unit: int | None = None
    grades: tuple[str, ...] = ()
    scales: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"kinds": list(self.kinds), "region": self.region, "unit": self.unit,
                "grades": list(self.grades), "scales": list(self.scales)}


def _subset(name: str, values: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise DomainError(f"population.{name}", f"应为{what}的列表")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise DomainError(f"population.{name}",
                          f"“{bad[0]}”不是有效的{what}；可选：{'、'.join(allowed)}")
    return tuple(v for v in allowed if v in values)


def check_population(data: dict[str, Any] | None) -> Population:
    """Validate the filters (the unit's existence is the service's to check)."""
    data = dict(data or {})
    unknown = sorted(set(data) - {"kinds", "region", "unit", "grades", "scales"})
    if unknown:
        raise DomainError(f"population.{unknown[0]}", "不允许的字段")
    if data.get("kinds") is not None and "person" in (data.get("kinds") or []):
        raise DomainError("population.kinds",
                          "自然人不参加双随机抽查；只能选择法人及非法人组织、个体工商户")
    kinds = _subset("kinds", data.get("kinds"), KINDS, "主体类别") or KINDS
    region = data.get("region")
    if region in ("", None):
        region = None
    elif not isinstance(region, str) or region_problem(region):
        raise DomainError("population.region", region_problem(str(region)) or "应为字符串")
    unit = data.get("unit")
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, int) or unit < 1):
        raise DomainError("population.unit", "应为成员单位的编号（正整数）")
    return Population(kinds=kinds, region=region, unit=unit,
                      grades=_subset("grades", data.get("grades"), GRADES, "等级"),
                      scales=_subset("scales", data.get("scales"), SCALES, "企业规模"))


def uniform(seed: str, code: str) -> float:
    """The subject's number in (0, 1), from the seed and its code alone."""
    digest = hashlib.sha256(f"{seed}:{code}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def key(u: float, rate: Decimal | float) -> float:
    """Efraimidis–Spirakis key ln(u) / rate (larger draws first); -inf for rate 0."""
    r = float(rate)
    return math.log(u) / r if r > 0 else -math.inf


def _order(d: Drawn) -> tuple[float, str]:
    return (-d.key, d.candidate.code)


def select(seed: str, candidates: Iterable[Candidate], size: int | None = None) -> list[Drawn]:
    """The subjects drawn, in draw order. The input's order does not matter."""
    scored = [Drawn(c, u, key(u, c.rate)) for c in candidates if c.rate > 0
              for u in (uniform(seed, c.code),)]
    if size is None:
        chosen = [d for d in scored if d.candidate.rate >= 1 or d.u < float(d.candidate.rate)]
        return sorted(chosen, key=_order)
    return heapq.nsmallest(size, scored, key=_order)


def line(c: Candidate) -> str:
    return f"{c.code},{c.grade},{c.rate:.4f}"


def population_digest(candidates: Iterable[Candidate]) -> str:
    """SHA-256 of the population's sorted lines "code,grade,rate", each ended by a newline."""
    h = hashlib.sha256()
    for text in sorted(line(c) for c in candidates):
        h.update(f"{text}\n".encode())
    return h.hexdigest()
