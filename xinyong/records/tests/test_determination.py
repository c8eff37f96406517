"""Each rule of the determination, with cases from both notices and the national regimes.

Pure: the rulebook is built from the shipped pack files without the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.lib.errors import DomainError
from xinyong.records import determination as d
from xinyong.records.tests.conftest import book_of

D = dt.date
TODAY = D(2026, 11, 22)
MAWEI, TAICANG = "350105", "320585"  # 行政区划代码 of units reporting under 福州 and 太仓


@pytest.fixture(scope="module")
def book(shipped_packs: list[Any]) -> Any:
    return book_of(*shipped_packs)


def facts(**kw: Any) -> d.Facts:
    base: dict[str, Any] = dict(behavior="fz_mask_fraud", subject_kind="organization",
                                occurred_on=D(2020, 2, 10), decided_on=D(2020, 2, 20),
                                severity="serious")
    base.update(kw)
    # Reported by a unit of the behaviour's own jurisdiction unless a test says otherwise.
    base.setdefault("region", TAICANG if str(base["behavior"]).startswith("tc_") else MAWEI)
    return d.Facts(**base)


def tc(**kw: Any) -> d.Facts:
    """A 太仓 case: the notice is in force from 2020-02-26."""
    base: dict[str, Any] = dict(occurred_on=D(2020, 3, 2), decided_on=D(2020, 3, 10),
                                severity="general")
    base.update(kw)
    return facts(**base)


def rules(result: d.Determination) -> list[str]:
    return [step["rule"] for step in result.trace]


# 福州 二: a dishonest behaviour is a finding only when 情节比较严重.

def test_fuzhou_serious_case_is_a_published_finding(book: Any) -> None:
    result = d.determine(book, facts(), TODAY)
    assert result.status == d.EXPIRED  # decided 2020: the 3-year maximum has long passed
    assert result.publicity is not None
    assert result.publicity.starts_on == D(2020, 2, 20)
    assert rules(result)[:2] == ["behavior:fz_mask_fraud", "period:serious"]
    assert result.trace[0]["policy"] == "fuzhou-2020-4" and result.trace[0]["clause"] == "二.7"


def test_fuzhou_finding_within_window_is_published(book: Any) -> None:
    result = d.determine(book, facts(), D(2021, 3, 1))
    assert result.status == d.PUBLISHED
    assert [e.code for e in result.lists] == ["key_supervision"]
    assert result.lists[0].policy == "fuzhou-2020-4" and result.lists[0].clause == "四.1"


@pytest.mark.parametrize("severity", ["minor", "general"])
def test_fuzhou_below_relatively_serious_is_not_a_finding(book: Any, severity: str) -> None:
    result = d.determine(book, facts(severity=severity), D(2020, 4, 1))
    assert result.status == d.EXEMPTED
    assert result.publicity is None and result.lists == []
    step = result.trace[-1]
    assert step["rule"] == "finding_threshold:serious" and "情节比较严重" in step["effect"]


def test_behavior_applies_only_to_its_subject_kinds(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, facts(behavior="fz_knowing_infection_spread"), TODAY)
    assert caught.value.field == "subject.kind" and "二.1" in caught.value.msg


# 2019 regime (发改办财金〔2019〕527号): general 3–12 months, serious 6–36 months.

def test_2019_serious_window(book: Any) -> None:
    result = d.determine(book, facts(), D(2020, 4, 1))
    assert result.publicity == d.Window(D(2020, 2, 20), D(2020, 8, 20), D(2023, 2, 19))
    assert any(s["policy"] == "cn-ndrc-2019-527" and s["rule"] == "period:serious"
               for s in result.trace)


def test_2019_general_window_for_a_plain_penalty(book: Any) -> None:
    result = d.determine(book, facts(behavior="administrative_penalty", severity="general",
                                     occurred_on=D(2025, 6, 1), decided_on=D(2025, 6, 30)),
                         D(2026, 1, 1))
    assert result.publicity == d.Window(D(2025, 6, 30), D(2025, 9, 30), D(2026, 6, 29))
    assert result.status == d.PUBLISHED
    later = d.determine(book, facts(behavior="administrative_penalty", severity="general",
                                    occurred_on=D(2025, 6, 1), decided_on=D(2025, 6, 30)), TODAY)
    assert later.status == d.EXPIRED  # reported after the maximum period: kept, not shown


# The 2026-04-01 boundary: 国办发〔2025〕22号 and the 信用修复管理办法.

@pytest.mark.parametrize(
    ("decided_on", "pack", "repairable_from", "ends_on"),
    [
        (D(2026, 3, 31), "cn-ndrc-2019-527", D(2026, 9, 30), D(2029, 3, 30)),
        (D(2026, 4, 1), "cn-2025-22", D(2027, 4, 1), D(2029, 3, 31)),
    ],
)
def test_serious_window_on_both_sides_of_2026_04_01(
    book: Any, decided_on: dt.date, pack: str, repairable_from: dt.date, ends_on: dt.date
) -> None:
    result = d.determine(book, facts(behavior="administrative_penalty", occurred_on=D(2026, 3, 1),
                                     decided_on=decided_on), TODAY)
    assert result.publicity == d.Window(decided_on, repairable_from, ends_on)
    period_step = next(s for s in result.trace if s["rule"] == "period:serious")
    assert period_step["policy"] == pack


def test_minor_under_2025_rules_stays_unpublished(book: Any) -> None:
    result = d.determine(book, facts(behavior="administrative_penalty", severity="minor",
                                     occurred_on=D(2026, 5, 1), decided_on=D(2026, 5, 6)), TODAY)
    assert result.status == d.EXEMPTED and result.lists == []
    assert rules(result)[-1] == "period:minor:unpublished"


def test_minor_under_2019_rules_is_published_like_general(book: Any) -> None:
    result = d.determine(book, facts(behavior="administrative_penalty", severity="minor",
                                     occurred_on=D(2026, 3, 1), decided_on=D(2026, 3, 6)), TODAY)
    assert result.status == d.PUBLISHED
    assert result.publicity is not None and result.publicity.ends_on == D(2027, 3, 5)


# 太仓 9: 轻微失信豁免.

@pytest.mark.parametrize(
    ("behavior", "circumstance", "exemption"),
    [
        ("tc_contract_default", "force_majeure", "force_majeure_exemption"),
        ("tc_financial_debt_default", "force_majeure", "force_majeure_exemption"),
        ("tc_late_tax", "force_majeure", "force_majeure_exemption"),
        ("tc_late_social_insurance", "force_majeure", "force_majeure_exemption"),
        ("tc_late_delivery", "epidemic_duty", "epidemic_duty_exemption"),
        ("tc_late_loan_repayment", "epidemic_duty", "epidemic_duty_exemption"),
        ("tc_contract_overdue", "epidemic_duty", "epidemic_duty_exemption"),
    ],
)
def test_taicang_9_exemptions(book: Any, behavior: str, circumstance: str, exemption: str
                              ) -> None:
    result = d.determine(book, tc(behavior=behavior, **{circumstance: True}), D(2020, 4, 1))
    assert result.status == d.EXEMPTED
    assert result.publicity is None and result.lists == []
    assert result.trace[-1]["rule"] == f"exemption:{exemption}"
    assert result.trace[-1]["policy"] == "taicang-2020-1" and result.trace[-1]["clause"] == "9"


def test_taicang_9_needs_the_circumstance(book: Any) -> None:
    # A contract default not caused by the epidemic is an ordinary finding.
    result = d.determine(book, tc(behavior="tc_contract_default", severity="general"),
                         D(2020, 4, 1))
    assert result.status == d.PUBLISHED


def test_taicang_9_wrong_circumstance_does_not_exempt(book: Any) -> None:
    # Late tax is exempted for force majeure, not for epidemic duties (the two sentences differ).
    result = d.determine(book, tc(behavior="tc_late_tax", severity="general",
                                     epidemic_duty=True), D(2020, 4, 1))
    assert result.status == d.PUBLISHED


def test_exemption_is_not_for_persons(book: Any) -> None:
    # 太仓 9 speaks of 企业; a person's behaviour under 太仓 4 is never exempted by it.
    result = d.determine(book, tc(behavior="tc_no_mask_gathering", subject_kind="person",
                                     severity="general", force_majeure=True), D(2020, 4, 1))
    assert result.status == d.PUBLISHED


# 太仓 8: deferral (暂缓) with a rectification date.

def test_taicang_8_deferral(book: Any) -> None:
    result = d.determine(book, tc(behavior="tc_order_unfulfilled", severity="general",
                                     force_majeure=True, rectify_by=D(2020, 4, 30)),
                         D(2020, 4, 1))
    assert result.status == d.DEFERRED
    assert result.publicity is not None and result.publicity.starts_on == D(2020, 5, 1)
    assert any(s["rule"] == "deferral:force_majeure_deferral" and s["clause"] == "8"
               for s in result.trace)


def test_deferral_needs_a_rule(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, facts(rectify_by=D(2020, 4, 30)), D(2020, 4, 1))
    assert caught.value.field == "rectify_by"


def test_deferral_needs_force_majeure(book: Any) -> None:
    with pytest.raises(DomainError, match="force_majeure"):
        d.determine(book, tc(behavior="tc_order_unfulfilled", severity="general",
                                rectify_by=D(2020, 4, 30)), D(2020, 4, 1))


def test_rectify_by_must_follow_decision(book: Any) -> None:
    with pytest.raises(DomainError, match="整改期限应晚于决定日期"):
        d.determine(book, tc(behavior="tc_order_unfulfilled", severity="general",
                                force_majeure=True, rectify_by=D(2020, 2, 20)), D(2020, 4, 1))


# Lists (太仓 3 and 10; 福州 四).

def test_taicang_3_watch_list(book: Any) -> None:
    result = d.determine(book, tc(behavior="tc_work_resumption_not_as_required",
                                     severity="general"), D(2020, 4, 1))
    assert [e.code for e in result.lists] == ["watch"]


def test_taicang_10_joint_punishment_only_when_serious(book: Any) -> None:
    serious = d.determine(book, tc(behavior="tc_wildlife_trade", severity="serious"),
                          D(2020, 4, 1))
    assert "joint_punishment" in [e.code for e in serious.lists]
    general = d.determine(book, tc(behavior="tc_wildlife_trade", severity="general"),
                          D(2020, 4, 1))
    assert general.status == d.PUBLISHED
    assert "joint_punishment" not in [e.code for e in general.lists]


def test_good_behaviour_enters_incentive_list_for_a_year(book: Any) -> None:
    result = d.determine(book, tc(behavior="tc_donation", severity="minor"), D(2020, 4, 1))
    assert result.status == d.PUBLISHED and result.polarity == "good"
    assert result.publicity == d.Window(D(2020, 3, 10), None, None)
    entry = result.lists[0]
    assert (entry.code, entry.since, entry.until) == ("honesty_incentive", D(2020, 3, 10),
                                                      D(2021, 3, 9))
    assert entry.policy == "taicang-2020-1"


def test_good_behaviour_cannot_be_deferred(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, facts(behavior="fz_donation", rectify_by=D(2020, 4, 1)), D(2020, 4, 1))
    assert caught.value.field == "rectify_by"


# Dating: the behaviour's pack must be in force on the day it happened.

def test_behavior_before_its_pack_is_refused(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, tc(behavior="tc_price_gouging", occurred_on=D(2020, 2, 25),
                             decided_on=D(2020, 3, 1)), D(2020, 3, 2))
    assert caught.value.field == "behavior"
    assert "taicang-2020-1" in caught.value.msg and "2020-02-26" in caught.value.msg


def test_behavior_after_the_ending_event_is_refused(shipped_packs: list[Any]) -> None:
    book = book_of(*shipped_packs, events={"jiangsu_epidemic_response_end": D(2023, 1, 8)})
    ok = d.determine(book, tc(behavior="tc_price_gouging", occurred_on=D(2023, 1, 7),
                                 decided_on=D(2023, 1, 20)), TODAY)
    assert ok.polarity == "dishonest"
    with pytest.raises(DomainError, match="2020-02-26 至 2023-01-07"):
        d.determine(book, tc(behavior="tc_price_gouging", occurred_on=D(2023, 1, 8),
                                decided_on=D(2023, 1, 20)), TODAY)


def test_decision_dates_checked(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, facts(decided_on=D(2020, 2, 1)), TODAY)
    assert caught.value.field == "decided_on"
    with pytest.raises(DomainError, match="不能晚于今天"):
        d.determine(book, facts(decided_on=D(2027, 1, 1)), TODAY)


def test_no_period_rule_in_force(shipped_packs: list[Any]) -> None:
    fuzhou_only = book_of(*[p for p in shipped_packs if p.id == "fuzhou-2020-4"])
    with pytest.raises(DomainError, match="没有施行中的公示期限规则"):
        d.determine(fuzhou_only, facts(), TODAY)


# Jurisdictions: a unit reports only under packs governing its region.

def test_a_unit_outside_the_packs_area_is_refused(book: Any) -> None:
    with pytest.raises(DomainError) as caught:
        d.determine(book, tc(behavior="tc_price_gouging", region=MAWEI), TODAY)
    assert caught.value.field == "behavior"
    assert "太仓市（320585）" in caught.value.msg and "马尾区（350105）" in caught.value.msg


def test_taicang_9_reaches_a_penalty_by_its_violation_type(book: Any) -> None:
    penalty = dict(behavior="administrative_penalty", occurred_on=D(2020, 3, 2),
                   decided_on=D(2020, 3, 10), severity="general", force_majeure=True,
                   violation_type="因疫情不可抗力合同违约")
    exempted = d.determine(book, facts(**penalty, region=TAICANG), TODAY)
    assert exempted.status == d.EXEMPTED
    assert rules(exempted)[1:3] == ["violation_kind:contract_default",
                                    "exemption:force_majeure_exemption"]
    # In 马尾 the 太仓 notice does not apply: the same penalty is published.
    assert d.determine(book, facts(**penalty, region=MAWEI), TODAY).status == d.EXPIRED
    # Without the circumstance, or with a type 9 does not name, it stands.
    assert d.determine(book, facts(**{**penalty, "force_majeure": False}, region=TAICANG),
                       TODAY).status == d.EXPIRED
    assert d.determine(book, facts(**{**penalty, "violation_type": "销售过期药品"},
                                   region=TAICANG), TODAY).status == d.EXPIRED


def test_taicang_8_defers_a_penalty_for_a_late_delivery_under_force_majeure(book: Any) -> None:
    penalty = facts(behavior="administrative_penalty", occurred_on=D(2020, 3, 2),
                    decided_on=D(2020, 3, 10), severity="general", force_majeure=True,
                    violation_type="产品交付不及时", rectify_by=D(2020, 4, 30), region=TAICANG)
    result = d.determine(book, penalty, D(2020, 3, 20))
    assert result.status == d.DEFERRED
    assert "deferral:force_majeure_deferral" in rules(result)
    assert "violation_kind:order_unfulfilled" in rules(result)
