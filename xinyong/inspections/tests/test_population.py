"""Who is in a draw's population and at what rate: market entities only, the filters, the
stored grade's rate (with the rules in force) or a grade computed on the spot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.conftest_helpers import licence_submission, penalty_submission
from xinyong.inspections import draws, services
from xinyong.inspections.models import Draw
from xinyong.lib.errors import DomainError
from xinyong.licences import services as licences
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.records import services as records
from xinyong.scores.models import SubjectGrade
from xinyong.scores.refresh import refresh
from xinyong.subjects.models import Subject


def members(population: dict[str, Any] | None = None) -> dict[str, tuple[str, Decimal]]:
    """Subject name → (grade, rate) of the population."""
    found = services.graded(draws.check_population(population), rulebook.current(),
                            timezone.localdate())
    names = dict(Subject.objects.values_list("id", "name"))
    return {names[c.subject_id]: (c.grade, c.rate) for c in found.candidates}


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


def test_market_entities_with_their_rates(market: dict[str, Subject]) -> None:
    found = members()
    assert found == {
        "马尾甲医疗器械有限公司": ("A", Decimal("0.0250")),  # 5% halved: a medium SME in 福州
        "马尾乙贸易有限公司": ("B", Decimal("0.2000")),  # large: no adjustment
        "鼓楼丙餐饮有限公司": ("C", Decimal("0.6000")),
        "马尾丁记小吃店": ("B", Decimal("0.1000")),
        "太仓戊化工有限公司": ("D", Decimal("1.0000")),
        "马尾己新设有限公司": ("B", Decimal("0.2000")),  # graded on the spot
        "福州马尾康宁医疗器械有限公司": ("B", Decimal("0.2000")),  # the root fixture's, likewise
    }
    assert "张三" not in found  # persons never, stored grade or not


def test_grade_on_the_spot_is_what_the_recompute_stores(market: dict[str, Subject],
                                                       make_subject: Callable[..., Subject]
                                                       ) -> None:
    small = make_subject("马尾庚小型有限公司", scale="small", grade=None)
    before = members()
    assert before[small.name] == ("B", Decimal("0.1000"))
    refresh([small.pk])
    stored = SubjectGrade.objects.get(subject=small)
    assert (stored.grade, stored.adjustments) == ("B", "fuzhou-2020-4:sme_fewer_inspections")
    assert members() == before


def test_stored_grade_rated_by_the_rules_in_force(market: dict[str, Subject]) -> None:
    """A stored grade whose scheme is gone is computed again rather than dropped."""
    SubjectGrade.objects.filter(subject=market["gulou_c"]).update(policy="no-such-pack")
    assert members()["鼓楼丙餐饮有限公司"] == ("B", Decimal("0.2000"))


@pytest.mark.parametrize(("region", "names"), [
    ("350100", {"马尾甲医疗器械有限公司", "马尾乙贸易有限公司", "鼓楼丙餐饮有限公司", "马尾丁记小吃店",
                "马尾己新设有限公司", "福州马尾康宁医疗器械有限公司"}),
    ("350105", {"马尾甲医疗器械有限公司", "马尾乙贸易有限公司", "马尾丁记小吃店", "马尾己新设有限公司",
                "福州马尾康宁医疗器械有限公司"}),
    ("350102", {"鼓楼丙餐饮有限公司"}),
    ("320000", {"太仓戊化工有限公司"}),
    ("350000", {"马尾甲医疗器械有限公司", "马尾乙贸易有限公司", "鼓楼丙餐饮有限公司", "马尾丁记小吃店",
                "马尾己新设有限公司", "福州马尾康宁医疗器械有限公司"}),
    ("110000", set()),
])
def test_region_contains(market: dict[str, Subject], region: str, names: set[str]) -> None:
    assert set(members({"region": region})) == names


def test_grades_filter(market: dict[str, Subject]) -> None:
    assert set(members({"grades": ["C", "D"]})) == {"鼓楼丙餐饮有限公司", "太仓戊化工有限公司"}
    # The subject without a stored grade is graded first, then filtered.
    assert "马尾己新设有限公司" in members({"grades": ["B"]})
    assert "马尾己新设有限公司" not in members({"grades": ["A"]})


def test_scales_filter(market: dict[str, Subject]) -> None:
    assert set(members({"scales": ["small", "micro"]})) == {"马尾丁记小吃店", "太仓戊化工有限公司"}
    # Unknown scale is in no scale.
    assert "马尾己新设有限公司" not in members({"scales": list(draws.SCALES)})


def test_kinds_filter(market: dict[str, Subject]) -> None:
    assert set(members({"kinds": ["individual_business"]})) == {"马尾丁记小吃店"}
    assert "马尾丁记小吃店" not in members({"kinds": ["organization"]})


def test_unit_field(market: dict[str, Subject], unit: Unit, other_unit: Unit,
                    users: dict[str, User]) -> None:
    """A unit's field: the subjects of its records and licences, withdrawn ones excepted."""
    today = timezone.localdate()
    a, b, c = market["mawei_a"], market["mawei_b"], market["gulou_c"]
    records.submit(unit, penalty_submission(a.name, "榕马市监罚〔2026〕901号", ("警告",),
                                            subject_code=a.code), today=today)
    licences.submit(unit, licence_submission(subject_kind="organization", subject_name=b.name,
                                             subject_code=b.code, decided_on=today - dt.timedelta(days=3)),
                    today=today)
    taken_back, _ = licences.submit(unit, licence_submission(
        subject_kind="organization", subject_name=c.name, subject_code=c.code,
        decision_no="榕马市监许〔2026〕902号", decided_on=today - dt.timedelta(days=3)), today=today)
    licences.withdraw(taken_back, "报送错误", actor=users[Role.DEPARTMENT], today=today)
    records.submit(other_unit, penalty_submission(market["taicang_d"].name, "榕马发改罚〔2026〕1号",
                                                  ("警告",), subject_code=market["taicang_d"].code),
                   today=today)
    assert set(members({"unit": unit.pk})) == {a.name, b.name}
    assert set(members({"unit": other_unit.pk})) == {market["taicang_d"].name}


def test_draw_is_stored_with_its_rates_and_audited(market: dict[str, Subject], office: User
                                                   ) -> None:
    draw = services.run(office, " 2026年 第四季度 抽查 ", seed="公开摇号 42",
                        population={"region": "350100"})
    assert draw.name == "2026年 第四季度 抽查"
    assert draw.population_count == 6 and draw.size is None
    rows = list(draw.selections.all())
    assert draw.selected_count == len(rows)
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    found = services.graded(draws.check_population(draw.population), rulebook.current(),
                            draw.as_of)
    assert draw.population_digest == draws.population_digest(found.candidates)
    expected = draws.select(draw.seed, found.candidates)
    assert [(r.subject_id, r.grade, r.rate) for r in rows] == [
        (d.candidate.subject_id, d.candidate.grade, d.candidate.rate) for d in expected]
    assert draw.rates["schemes"] == [{
        "policy": "platform-defaults", "doc_number": "平台运行规则（信用办设定）", "clause": "分级分类",
        "rates": {"A": "0.0500", "B": "0.2000", "C": "0.6000", "D": "1.0000"},
        "provisional": True, "note": draw.rates["schemes"][0]["note"]}]
    assert [a["code"] for a in draw.rates["adjustments"]] == ["sme_fewer_inspections"]
    assert draw.rates["adjustments"][0]["factor"] == "0.5"
    event = AuditEvent.objects.get(action="inspection.draw")
    assert event.object_id == str(draw.pk) and event.actor_id == office.pk
    assert event.detail["seed"] == "公开摇号 42"


def test_size_mode(market: dict[str, Subject], office: User) -> None:
    draw = services.run(office, "指定数量", size=3, seed="s")
    assert draw.selected_count == 3 and draw.selections.count() == 3
    assert draw.algorithm == draws.WEIGHTED


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"population": {"region": "110000"}}, "population"),  # nobody there
    ({"population": {"unit": 999999}}, "population.unit"),
    ({"size": 8}, "size"),  # seven subjects of positive rate
    ({"size": 0}, "size"),
    ({"seed": "x" * 65}, "seed"),
])
def test_refusals_name_the_field(market: dict[str, Subject], office: User,
                                 kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        services.run(office, "抽查", **kwargs)
    assert caught.value.field == field and caught.value.status == 422
    assert not Draw.objects.exists()


def test_rate_zero_population_is_refused(market: dict[str, Subject], office: User,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rates of 0 (a scheme that inspects nobody of a grade): in the population, never drawn;
    a population of nothing else is refused."""
    book = rulebook.current()
    entries = []
    for entry in book.entries:
        if entry.pack.grades:
            grades = entry.pack.grades.model_copy(update={"rates": dict.fromkeys("ABCD", Decimal(0))})
            entry = Entry(entry.version_id, entry.pack.model_copy(update={"grades": grades}),
                          entry.until)
        entries.append(entry)
    monkeypatch.setattr(services.rulebook, "current", lambda: Rulebook(entries, book.events))
    with pytest.raises(DomainError) as caught:
        services.run(office, "抽查", population={"region": "350105"})
    assert caught.value.field == "population"
    assert "均为 0" in caught.value.msg
