"""Grades (scores.grading): each basis of the shipped rules, the 福州 一.2 adjustment, and the
grade as of a day before and after a record, a repair and an objection."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from xinyong.lib.dates import add_months
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import GradeRule, GradeScheme, Pack
from xinyong.records import determination as d
from xinyong.scores import grading
from xinyong.scores.points import MembershipFacts, RecordFacts

D = dt.date
DAY = D(2026, 6, 1)
MAWEI, TAICANG = "350105", "320585"
MARCH, NEW_YEAR, YEAR_END = D(2026, 3, 1), D(2026, 1, 1), D(2026, 12, 31)


@pytest.fixture(scope="module")
def book(shipped_packs: list[Pack]) -> Rulebook:
    return Rulebook([Entry(n, p, None) for n, p in enumerate(shipped_packs)])


def finding(n: int, severity: str, on: D = MARCH, months: int = 12) -> RecordFacts:
    return RecordFacts(n, "administrative_penalty", "dishonest", severity, on, d.PUBLISHED, on,
                       add_months(on, months) - dt.timedelta(days=1), None)


def listed(code: str, record_id: int = 1, since: D = NEW_YEAR,
           until: D | None = YEAR_END) -> MembershipFacts:
    return MembershipFacts(code, "taicang-2020-1", since, until, None, record_id)


def grade(book: Rulebook, records: list[RecordFacts], lists: list[MembershipFacts], *,
          scale: str = "", region: str | None = TAICANG, day: D = DAY) -> grading.Grade:
    found = grading.evaluate(book, "organization", scale, region, records, lists, day)
    assert found is not None
    return found


def test_joint_punishment_is_d(book: Rulebook) -> None:
    g = grade(book, [finding(1, "serious")], [listed("joint_punishment")])
    assert (g.grade, g.rule, g.inspection_rate) == ("D", "joint_punishment", Decimal("1.0000"))
    assert [(b.policy, b.clause) for b in g.basis] == [("platform-defaults", "分级分类")]
    assert g.provisional


def test_a_serious_finding_in_publicity_is_c(book: Rulebook) -> None:
    g = grade(book, [finding(1, "serious")], [])
    assert (g.grade, g.rule) == ("C", "serious_in_force")
    assert grade(book, [finding(1, "general")], []).grade == "B"


def test_the_watch_list_is_c(book: Rulebook) -> None:
    assert grade(book, [], [listed("watch")]).rule == "key_supervision"


def test_honesty_with_nothing_dishonest_is_a(book: Rulebook) -> None:
    g = grade(book, [], [listed("honesty_incentive")])
    assert (g.grade, g.inspection_rate) == ("A", Decimal("0.0500"))
    # A general finding in publicity takes the A away (B), a serious one gives C.
    assert grade(book, [finding(2, "general")], [listed("honesty_incentive")]).grade == "B"


def test_nothing_known_is_b_for_the_rest(book: Rulebook) -> None:
    g = grade(book, [], [])
    assert (g.grade, g.rule, g.inspection_rate) == ("B", grading.OTHERWISE, Decimal("0.2000"))


def test_persons_have_no_grade(book: Rulebook) -> None:
    assert grading.evaluate(book, "person", "", None, [], [], DAY) is None


def test_small_firms_in_fuzhou_are_inspected_half_as_often(book: Rulebook) -> None:
    g = grade(book, [], [], scale="small", region=MAWEI)
    assert (g.grade, g.inspection_rate, g.base_rate) == ("B", Decimal("0.1000"), Decimal("0.20"))
    assert [(b.rule, b.policy, b.clause, b.factor) for b in g.basis[1:]] == [
        ("sme_fewer_inspections", "fuzhou-2020-4", "一.2", Decimal("0.5"))]
    assert g.adjustments == ["fuzhou-2020-4:sme_fewer_inspections"]
    # Not in 太仓, not for large firms, not for grades C and D.
    assert grade(book, [], [], scale="small", region=TAICANG).inspection_rate == Decimal("0.2000")
    assert grade(book, [], [], scale="large", region=MAWEI).inspection_rate == Decimal("0.2000")
    assert grade(book, [finding(1, "serious")], [], scale="small",
                 region=MAWEI).inspection_rate == Decimal("0.6000")


def test_the_adjustment_ends_with_its_pack(shipped_packs: list[Pack]) -> None:
    """福州's notice ends with Fujian's emergency response: so does its adjustment."""
    ended = Rulebook([Entry(n, p, D(2025, 12, 31) if p.id == "fuzhou-2020-4" else None)
                      for n, p in enumerate(shipped_packs)])
    assert grade(ended, [], [], scale="small", region=MAWEI, day=D(2025, 12, 31)).inspection_rate \
        == Decimal("0.1000")
    assert grade(ended, [], [], scale="small", region=MAWEI, day=D(2026, 1, 1)).inspection_rate \
        == Decimal("0.2000")


def test_as_of_before_and_after_a_record_a_repair_and_an_objection(book: Rulebook) -> None:
    record = finding(1, "serious", on=D(2026, 3, 1), months=36)
    assert grade(book, [record], [], day=D(2026, 2, 28)).grade == "B"
    assert grade(book, [record], [], day=D(2026, 3, 1)).grade == "C"
    repaired = replace(record, status=d.REPAIRED, closed_on=D(2026, 5, 1))
    assert grade(book, [repaired], [], day=D(2026, 4, 30)).grade == "C"
    assert grade(book, [repaired], [], day=D(2026, 5, 1)).grade == "B"
    upheld = replace(record, status=d.WITHDRAWN, closed_on=D(2026, 4, 1))
    assert grade(book, [upheld], [], day=D(2026, 3, 31)).grade == "C"
    assert grade(book, [upheld], [], day=D(2026, 4, 1)).grade == "B"


def test_the_most_local_grade_scheme_decides(shipped_packs: list[Pack]) -> None:
    taicang = next(p for p in shipped_packs if p.id == "taicang-2020-1")
    strict = GradeScheme(clause="1", rules=[GradeRule(code="any", grade="D", name="任何失信",
                                                      clause="1", dishonest_at_least=1)],
                         otherwise="C", rates={"A": 0, "B": 0, "C": 1, "D": 1})
    local = taicang.model_copy(update={"grades": strict})
    book = Rulebook([Entry(n, local if p.id == "taicang-2020-1" else p, None)
                     for n, p in enumerate(shipped_packs)])
    assert grade(book, [], [], region=TAICANG).grade == "C"
    assert grade(book, [], [], region=MAWEI).grade == "B"  # platform-defaults there
