"""Penalty details and the severity the packs derive from them (records/penalties.py and
determination.derive_severity)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xinyong.lib.errors import DomainError
from xinyong.policies.schema import PENALTY_CATEGORIES, PenaltySeverity, PenaltySeverityRule
from xinyong.records import determination as d
from xinyong.records import penalties
from xinyong.records.tests.conftest import book_of

D = dt.date
TODAY = D(2026, 12, 1)
MAWEI, TAICANG = "350105", "320585"


@pytest.fixture(scope="module")
def book(shipped_packs: list[Any]) -> Any:
    return book_of(*shipped_packs)


def penalty(categories: list[str], amount: str | None = None, *, kind: str = "organization",
            severity: str = "", region: str = MAWEI) -> d.Facts:
    return d.Facts(
        behavior="administrative_penalty", subject_kind=kind, occurred_on=D(2026, 11, 1),
        decided_on=D(2026, 11, 10), severity=severity, region=region,
        penalty=d.PenaltyTerms(frozenset(categories), Decimal(amount) if amount else None),
    )


# The platform defaults (provisional amounts): every category of 行政处罚法 第九条.
EXPECTED = {
    "警告": "minor", "通报批评": "minor", "罚款": "minor",  # no amount: a simple-procedure fine
    "没收违法所得": "general", "没收非法财物": "general", "暂扣许可证件": "general",
    "降低资质等级": "serious", "吊销许可证件": "serious", "限制开展生产经营活动": "serious",
    "责令停产停业": "serious", "责令关闭": "serious", "限制从业": "serious",
    "行政拘留": "serious", "其他": "general",
}


def test_every_category_is_covered() -> None:
    assert set(EXPECTED) == set(PENALTY_CATEGORIES)


@pytest.mark.parametrize(("category", "severity"), EXPECTED.items())
def test_severity_derived_for_each_category(book: Any, category: str, severity: str) -> None:
    result = d.determine(book, penalty([category]), TODAY)
    assert result.severity == severity
    step = next(s for s in result.trace if s["rule"].startswith("penalty_severity:"))
    assert step["policy"] == "platform-defaults" and step["clause"] == "处罚情节"
    assert "暂定标准" in step["effect"]


@pytest.mark.parametrize(("categories", "amount", "kind", "severity"), [
    (["罚款"], "0.3", "organization", "minor"),  # 3,000 yuan: simple procedure
    (["罚款"], "0.31", "organization", "general"),
    (["罚款", "警告"], "0.02", "person", "minor"),
    (["罚款"], "0.03", "person", "general"),
    (["罚款"], "9.99", "organization", "general"),
    (["罚款"], "10", "organization", "serious"),  # a large fine (provisional threshold)
    (["罚款"], "1", "individual_business", "serious"),
    (["警告", "吊销许可证件"], None, "organization", "serious"),  # the heaviest decides
])
def test_amounts_and_subject_kinds(book: Any, categories: list[str], amount: str | None,
                                   kind: str, severity: str) -> None:
    assert d.determine(book, penalty(categories, amount, kind=kind), TODAY).severity == severity


def test_a_stated_severity_stands_and_the_trace_says_so(book: Any) -> None:
    result = d.determine(book, penalty(["警告"], severity="serious"), TODAY)
    assert result.severity == "serious"
    step = next(s for s in result.trace if s["rule"].startswith("penalty_severity:"))
    assert step["rule"] == "penalty_severity:warning_only:stated"
    assert "报送单位注明的严重" in step["effect"] and "推定为轻微" in step["effect"]
    assert "period:serious" in [s["rule"] for s in result.trace]


def test_publicity_follows_the_derived_severity(book: Any) -> None:
    result = d.determine(book, penalty(["吊销许可证件"]), TODAY)
    assert result.publicity is not None
    assert result.publicity.repairable_from == D(2027, 11, 10)  # serious: a year (2025 办法)


def test_no_severity_and_no_penalty_is_refused_by_name(book: Any) -> None:
    facts = d.Facts(behavior="administrative_penalty", subject_kind="organization",
                    occurred_on=D(2026, 11, 1), decided_on=D(2026, 11, 10), severity="")
    with pytest.raises(DomainError) as refused:
        d.determine(book, facts, TODAY)
    assert refused.value.field == "severity" and "处罚类别" in refused.value.msg


def test_a_good_behaviour_takes_no_penalty(book: Any) -> None:
    facts = d.Facts(behavior="tc_volunteer_contribution", subject_kind="person",
                    occurred_on=D(2020, 3, 2), decided_on=D(2020, 3, 10), severity="general",
                    region=TAICANG, penalty=d.PenaltyTerms(frozenset({"警告"})))
    with pytest.raises(DomainError) as refused:
        d.determine(book, facts, TODAY)
    assert refused.value.field == "penalty"


def test_the_most_local_pack_decides(shipped_packs: list[Any]) -> None:
    """A city pack's own threshold for a large fine wins over the office's defaults, for
    its units only."""
    fuzhou = next(p for p in shipped_packs if p.id == "fuzhou-2020-4")
    own = fuzhou.model_copy(update={
        "effective_until": None, "ends_with_event": None,
        "penalty_severity": PenaltySeverity(clause=fuzhou.clauses[0].id, rules=[
            PenaltySeverityRule(code="large", severity="serious", name="罚没5万元以上",
                                clause=fuzhou.clauses[0].id, amount_wan_at_least=Decimal(5))],
            otherwise="general"),
    })
    book = book_of(*[own if p.id == fuzhou.id else p for p in shipped_packs])
    mawei = d.determine(book, penalty(["罚款"], "6"), TODAY)
    assert mawei.severity == "serious"
    assert next(s for s in mawei.trace if s["rule"] == "penalty_severity:large")["policy"] == fuzhou.id
    taicang = d.determine(book, penalty(["罚款"], "6", region=TAICANG), TODAY)
    assert taicang.severity == "general"


@pytest.mark.parametrize(("text", "expected"), [
    ("罚款;没收违法所得", ["罚款", "没收违法所得"]),
    ("没收违法所得，罚款", ["罚款", "没收违法所得"]),  # the law's order, each once
    ("警告、罚款、警告", ["警告", "罚款"]),
    ("吊销营业执照", ["吊销许可证件"]),
    ("其他-责令改正", ["其他"]),
    ("罚款 ／ 警告", ["警告", "罚款"]),  # full-width slash
    ("", []),
])
def test_categories_as_files_write_them(text: str, expected: list[str]) -> None:
    assert penalties.parse_categories(text) == expected


def test_an_unknown_category_is_named() -> None:
    with pytest.raises(ValueError, match="“罚金”不是行政处罚的种类"):
        penalties.parse_categories("罚款;罚金")


@pytest.mark.parametrize(("text", "yuan", "expected"), [
    ("1,200.5", False, Decimal("1200.5")), ("１２", False, Decimal(12)), ("0.02", False, Decimal("0.02")),
    ("3,000", True, Decimal("0.3")), ("5万元", False, Decimal(5)), ("", False, None),
])
def test_amounts_as_files_write_them(text: str, yuan: bool, expected: Decimal | None) -> None:
    assert penalties.parse_amount(text, yuan=yuan) == expected


@pytest.mark.parametrize("text", ["-1", "abc", "1e400", "NaN"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=text if text != "1e400" else "合理范围"):
        penalties.parse_amount(text)


def test_stored_penalty_round_trips_with_the_sealed_number() -> None:
    original = penalties.Penalty(
        category=("罚款",), fine_wan=Decimal("1.50"), authority_name="某局",
        legal_representative=penalties.LegalRepresentative(name="王五", id_number="11010519491231002X"))
    stored = original.as_json()
    assert stored["fine_wan"] == "1.5" and "11010519491231002X" not in str(stored)
    again = penalties.from_json(stored)
    assert again is not None and again.as_json() == stored
    assert penalties.public_view(stored)["legal_representative"] == "王五"


def test_a_rule_path_is_shared_across_amounts(book: Any) -> None:
    from xinyong.records.determination import path_key

    five, six = penalty(["罚款"], "5"), penalty(["罚款"], "6")
    assert path_key(book, five) == path_key(book, six)  # both 一般 by the same rule
    assert path_key(book, five) != path_key(book, penalty(["罚款"], "10"))  # 严重
    assert path_key(book, five) != path_key(book, penalty(["罚款"], "5", severity="serious"))
    plain = d.Facts(behavior="administrative_penalty", subject_kind="organization",
                    occurred_on=D(2026, 11, 1), decided_on=D(2026, 11, 10), severity="general",
                    region=MAWEI)
    assert path_key(book, plain) != path_key(book, five)
