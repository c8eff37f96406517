"""The pure draw (`inspections.draws`): reproducible from the seed and the codes alone,
independent of input order, and weighted as documented."""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from decimal import Decimal

import pytest

from xinyong.conftest_helpers import uscc_of
from xinyong.inspections import draws
from xinyong.inspections.draws import Candidate
from xinyong.lib.errors import DomainError

RATES = {"A": Decimal("0.05"), "B": Decimal("0.20"), "C": Decimal("0.60"), "D": Decimal("1.00")}
PER_GRADE = 75


def population(per_grade: int = PER_GRADE) -> list[Candidate]:
    """300 subjects (by default), a quarter of each grade, with real USCCs."""
    found = []
    for g, grade in enumerate("ABCD"):
        for i in range(per_grade):
            code = uscc_of(f"91350105MA{g}{i:06d}")
            found.append(Candidate(code, grade, RATES[grade], subject_id=g * 1000 + i))
    return found


def codes_of(drawn: list[draws.Drawn]) -> list[str]:
    return [d.candidate.code for d in drawn]


def test_uniform_is_the_documented_formula() -> None:
    seed, code = "2026年第一季度", "91350105MA2Y00001R"
    n = int.from_bytes(hashlib.sha256(f"{seed}:{code}".encode()).digest()[:8], "big")
    assert draws.uniform(seed, code) == (n + 0.5) / 2**64
    assert all(0 < draws.uniform(str(s), code) < 1 for s in range(1000))


@pytest.mark.parametrize("size", [None, 40])
def test_same_seed_same_selection_whatever_the_input_order(size: int | None) -> None:
    people = population()
    first = draws.select("b3f1c0", people, size)
    shuffled = people[:]
    random.Random(7).shuffle(shuffled)
    again = draws.select("b3f1c0", shuffled, size)
    assert [(d.candidate, d.key) for d in first] == [(d.candidate, d.key) for d in again]
    assert codes_of(first) == codes_of(draws.select("b3f1c0", list(reversed(people)), size))
    # Draw order: keys from the largest.
    keys = [d.key for d in first]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("size", [None, 40])
def test_another_seed_draws_others(size: int | None) -> None:
    people = population()
    assert set(codes_of(draws.select("seed-1", people, size))) != set(
        codes_of(draws.select("seed-2", people, size)))


def test_bernoulli_shares_follow_the_rates() -> None:
    """Each (seed, subject) pair is drawn with probability `rate` independently (SHA-256 as
    a random function), so over 200 seeds × 75 subjects a grade's observed share has a
    standard error of sqrt(p(1-p)/15000) ≤ 0.0041. Five standard errors: a correct draw
    fails this with probability below one in a million per grade; a wrong rate (another
    grade's, half of it, the rate ignored) is off by at least 0.025, six or more SE."""
    people = population()
    seeds = 200
    drawn: Counter[str] = Counter()
    for s in range(seeds):
        drawn.update(d.candidate.grade for d in draws.select(f"季度抽查-{s}", people))
    for grade, rate in RATES.items():
        p = float(rate)
        share = drawn[grade] / (seeds * PER_GRADE)
        tolerance = 5 * math.sqrt(p * (1 - p) / (seeds * PER_GRADE))
        assert abs(share - p) <= tolerance, (grade, share, p, tolerance)
    assert drawn["D"] == seeds * PER_GRADE  # rate 1: every time


def test_size_draws_exactly_size_and_prefers_higher_rates() -> None:
    people = population()
    seeds, size = 2000, 30
    included: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for s in range(seeds):
        drawn = draws.select(f"抽查-{s}", people, size)
        assert len(drawn) == size
        assert len({d.candidate.code for d in drawn}) == size
        included.update(d.candidate.grade for d in drawn)
        first[drawn[0].candidate.grade] += 1
    assert included["A"] < included["B"] < included["C"] < included["D"]
    # Efraimidis–Spirakis: the first subject drawn is subject i with probability
    # rate_i / Σ rate, so grade g comes first with probability rate_g / Σ_grades rate.
    # Binomial over 2000 seeds; five standard errors as above.
    total = sum(float(r) for r in RATES.values())
    for grade, rate in RATES.items():
        p = float(rate) / total
        tolerance = 5 * math.sqrt(p * (1 - p) / seeds)
        assert abs(first[grade] / seeds - p) <= tolerance, (grade, first[grade], p)


def test_rate_zero_is_never_drawn() -> None:
    people = [*population(5), *(Candidate(uscc_of(f"91350105MY{i:07d}"), "A", Decimal(0))
                                for i in range(20))]
    positive = sum(1 for c in people if c.rate > 0)
    for s in range(50):
        for size in (None, positive):
            assert all(d.candidate.rate > 0 for d in draws.select(str(s), people, size))


def test_ties_are_broken_by_code() -> None:
    a = draws.Drawn(Candidate("B", "A", Decimal(1)), 0.5, -1.0)
    b = draws.Drawn(Candidate("A", "A", Decimal(1)), 0.5, -1.0)
    assert sorted([a, b], key=draws._order) == [b, a]


def test_population_digest_is_of_the_sorted_lines() -> None:
    people = population(3)
    lines = sorted(f"{c.code},{c.grade},{c.rate:.4f}" for c in people)
    expected = hashlib.sha256("".join(f"{x}\n" for x in lines).encode()).hexdigest()
    assert draws.population_digest(people) == expected
    assert draws.population_digest(reversed(people)) == expected
    assert lines[0].endswith((",0.0500", ",0.2000", ",0.6000", ",1.0000"))
    changed = [Candidate(people[0].code, "B", Decimal("0.2"), 0), *people[1:]]
    assert draws.population_digest(changed) != expected


def test_seed() -> None:
    made = draws.check_seed(None)
    assert len(made) == 32 and int(made, 16) >= 0
    assert draws.check_seed("") != draws.check_seed("")
    assert draws.check_seed("2026年第一季度 公开摇号 07") == "2026年第一季度 公开摇号 07"
    for bad in ("x" * 65, "a\nb", "\tab", " ab", "ab ", "110105194912310029"):
        with pytest.raises(DomainError) as caught:
            draws.check_seed(bad)
        assert caught.value.field == "seed"


@pytest.mark.parametrize(("data", "field"), [
    ({"kinds": ["person"]}, "population.kinds"),
    ({"kinds": ["organization", "shop"]}, "population.kinds"),
    ({"kinds": "organization"}, "population.kinds"),
    ({"region": "3501"}, "population.region"),
    ({"region": "050100"}, "population.region"),
    ({"unit": 0}, "population.unit"),
    ({"unit": "3"}, "population.unit"),
    ({"grades": ["E"]}, "population.grades"),
    ({"scales": ["tiny"]}, "population.scales"),
    ({"area": "350100"}, "population.area"),
])
def test_bad_population_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        draws.check_population(data)
    assert caught.value.field == field and caught.value.status == 422


def test_population_in_canonical_form() -> None:
    found = draws.check_population({"kinds": ["individual_business"], "grades": ["C", "A", "C"],
                                    "scales": ["micro", "small"], "region": "350100"})
    assert found.as_json() == {"kinds": ["individual_business"], "region": "350100",
                               "unit": None, "grades": ["A", "C"], "scales": ["small", "micro"]}
    assert draws.check_population(None).as_json()["kinds"] == ["organization",
                                                                "individual_business"]
