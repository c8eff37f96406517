"""Points (scores.points): every rule kind of a scheme, with Hypothesis-generated record
histories and schemes, and worked examples on the shipped 娄城信用积分."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.policies.schema import Pack, ScoreScheme
from xinyong.records import determination as d
from xinyong.scores import points
from xinyong.scores.points import MembershipFacts, RecordFacts
from xinyong.scores.tests import strategies as gen

D = dt.date
EXAMPLES = settings(max_examples=300, deadline=None)


@pytest.fixture(scope="module")
def taicang(shipped_packs: list[Pack]) -> Pack:
    return next(p for p in shipped_packs if p.id == "taicang-2020-1")


@pytest.fixture(scope="module")
def loucheng(taicang: Pack) -> points.Scheme:
    return gen.shipped_scheme(taicang, "loucheng_points")


def good(n: int, behavior: str, on: D) -> RecordFacts:
    return RecordFacts(n, behavior, "good", "minor", on, d.PUBLISHED, on, None, None)


def bad(n: int, severity: str, on: D, months: int = 12) -> RecordFacts:
    from xinyong.lib.dates import add_months

    return RecordFacts(n, "tc_concealment", "dishonest", severity, on, d.PUBLISHED, on,
                       add_months(on, months) - dt.timedelta(days=1), None)


# -- worked examples on the shipped scheme ------------------------------------------------

def test_a_person_with_nothing_has_the_base_and_the_clean_years(loucheng: points.Scheme) -> None:
    score = points.evaluate(loucheng, [], [], D(2026, 12, 7))
    # The pack took effect on 2020-02-26: 2021…2025 are full years, 10 each, at most 50.
    assert [i.rule for i in score.items] == [points.CLEAN_YEAR] * 5
    assert score.points == 1000 + 50 and score.level == "AA"
    assert score.provisional and "临时值" in score.note


def test_each_item_names_its_record_rule_policy_and_clause(loucheng: points.Scheme) -> None:
    history = [good(1, "tc_hubei_medical_aid", D(2024, 3, 1)), bad(2, "general", D(2026, 5, 1))]
    score = points.evaluate(loucheng, history, [], D(2026, 6, 1))
    by_record = {i.record_id: i for i in score.items if i.record_id}
    assert (by_record[1].points, by_record[1].rule, by_record[1].clause) == (30, "hubei_medical_aid", "5")
    assert (by_record[2].points, by_record[2].rule, by_record[2].clause) == (-50, "dishonest", "4")
    assert {i.policy for i in score.items} == {"taicang-2020-1"}
    assert by_record[1].counts_until == D(2027, 2, 28)  # 36 months from the first day
    # 2026 is not over; 2021–2025 are clean: 50. 1000 + 30 − 50 + 50.
    assert score.points == 1030


def test_volunteering_diminishes_and_is_capped_per_year_and_by_category(
        loucheng: points.Scheme) -> None:
    history = [good(n, "tc_volunteer_contribution", D(2025, 1, n)) for n in range(1, 8)]
    score = points.evaluate(loucheng, history, [], D(2025, 6, 1))
    given_points = [i.points for i in sorted(score.items, key=lambda i: i.date) if i.record_id]
    # 10, 10, then 5 from the third; the year's cap of 30 stops it at the fifth.
    assert given_points == [10, 10, 5, 5, 0, 0, 0]
    assert "年度上限" in next(i.note for i in score.items if i.record_id == 5)
    more = history + [good(10 + n, "tc_volunteer_contribution", D(2026, 1, n)) for n in range(1, 6)]
    score = points.evaluate(loucheng, more, [], D(2026, 6, 1))
    assert sum(i.points for i in score.items if i.rule == "volunteering") == 50  # category cap


def test_steps_count_within_a_calendar_year(taicang: Pack) -> None:
    """Counting steps over all years would let an early entry push later years' entries
    down a step while its own year is capped: a good record would then lower points."""
    scheme = gen.scheme_of(taicang, {
        "code": "s", "name": "s", "clause": "5", "subject_kinds": ["person"], "base": 0,
        "min": 0, "max": 1000, "levels": [{"name": "全部", "min": 0, "max": 1000}],
        "rules": [{"code": "donation", "name": "捐赠", "clause": "5", "behaviors": ["tc_donation"],
                   "points": 10, "cap_per_year": 10, "steps": [{"from_entry": 3, "points": 1}]}]})
    two_years = [good(1, "tc_donation", D(2024, 1, 1)), good(3, "tc_donation", D(2025, 1, 1))]
    day = D(2025, 6, 1)
    before = points.evaluate(scheme, two_years, [], day).points
    after = points.evaluate(scheme, [*two_years, good(2, "tc_donation", D(2024, 2, 1))], [], day)
    assert before == after.points == 20


def test_a_deduction_lasts_while_published_and_ends_on_repair(loucheng: points.Scheme) -> None:
    record = bad(1, "serious", D(2025, 3, 1), months=36)
    day = D(2025, 8, 1)
    before = points.evaluate(loucheng, [record], [], day)
    after = points.evaluate(loucheng, [gen.repaired(record, D(2025, 7, 1))], [], day)
    assert after.raw - before.raw == 100
    # As of a day before the repair, the deduction was there.
    assert points.evaluate(loucheng, [gen.repaired(record, D(2025, 7, 1))], [],
                           D(2025, 6, 30)).raw == before.raw
    # The year stays unclean after a repair: no 2025 bonus in 2026.
    later = points.evaluate(loucheng, [gen.repaired(record, D(2025, 7, 1))], [], D(2026, 12, 7))
    assert D(2025, 12, 31) not in {i.date for i in later.items if i.rule == points.CLEAN_YEAR}


def test_an_upheld_objection_removes_the_record_as_if_it_never_was(loucheng: points.Scheme) -> None:
    record = bad(1, "general", D(2024, 3, 1))
    withdrawn = gen.withdrawn(record, D(2024, 5, 1))
    day = D(2026, 12, 7)
    assert points.evaluate(loucheng, [withdrawn], [], day).raw == \
        points.evaluate(loucheng, [], [], day).raw
    # Before the decision it counted.
    assert points.evaluate(loucheng, [withdrawn], [], D(2024, 4, 1)).raw == \
        points.evaluate(loucheng, [record], [], D(2024, 4, 1)).raw


def test_exempted_and_rectified_records_never_count(loucheng: points.Scheme) -> None:
    exempted = replace(bad(1, "minor", D(2025, 3, 1)), status=d.EXEMPTED, starts_on=None,
                       ends_on=None)
    rectified = replace(bad(2, "general", D(2025, 3, 1)), status=d.RECTIFIED,
                        rectify_by=D(2025, 4, 1), starts_on=D(2025, 4, 2))
    day = D(2026, 12, 7)
    assert points.evaluate(loucheng, [exempted, rectified], [], day).raw == \
        points.evaluate(loucheng, [], [], day).raw


def test_a_list_rule_counts_once_while_on_the_list(shipped_packs: list[Pack]) -> None:
    fuzhou = next(p for p in shipped_packs if p.id == "fuzhou-2020-4")
    scheme = gen.shipped_scheme(fuzhou, "fuzhou_personal_points")
    on = [MembershipFacts("honesty_incentive", "fuzhou-2020-4", D(2025, 1, 1), D(2025, 12, 31),
                          None, 7),
          MembershipFacts("honesty_incentive", "fuzhou-2020-4", D(2025, 3, 1), D(2026, 2, 28),
                          None, 8)]
    score = points.evaluate(scheme, [], on, D(2025, 6, 1))
    listed = [i for i in score.items if i.rule == "honesty_incentive"]
    assert [(i.points, i.record_id, i.clause) for i in listed] == [(50, 7, "四.3")]
    # 太仓's list of the same code is not 福州's: it earns nothing under 福州's scheme.
    other = [replace(m, policy="taicang-2020-1") for m in on]
    assert not [i for i in points.evaluate(scheme, [], other, D(2025, 6, 1)).items
                if i.rule == "honesty_incentive"]
    assert not [i for i in points.evaluate(scheme, [], on, D(2026, 3, 1)).items
                if i.rule == "honesty_incentive"]


# -- properties over generated histories and schemes ---------------------------------------

@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(), day=gen.DAYS, extra=st.data())
def test_points_never_leave_the_schemes_bounds(taicang: Pack, data: dict[str, Any],
                                               history: list[RecordFacts], day: D,
                                               extra: Any) -> None:
    scheme = gen.scheme_of(taicang, data)
    lists = extra.draw(gen.memberships([r.id for r in history]))
    score = points.evaluate(scheme, history, lists, day)
    assert scheme.scheme.min <= score.points <= scheme.scheme.max
    assert score.points == max(scheme.scheme.min, min(scheme.scheme.max, score.raw))
    assert score.level == scheme.scheme.level(score.points) != ""
    assert score.raw == scheme.scheme.base + sum(i.points for i in score.items)


@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(), day=gen.DAYS, added=gen.records())
def test_adding_a_good_record_never_lowers_points(taicang: Pack, data: dict[str, Any],
                                                  history: list[RecordFacts], day: D,
                                                  added: RecordFacts) -> None:
    scheme = gen.scheme_of(taicang, data)
    added = replace(added, id=10**10)  # never one of the history's ids
    if added.polarity != "good":
        added = replace(added, polarity="good", behavior="tc_donation", status=d.PUBLISHED,
                        starts_on=added.decided_on, ends_on=None, closed_on=None,
                        rectify_by=None)
    before = points.evaluate(scheme, history, [], day)
    after = points.evaluate(scheme, [*history, added], [], day)
    assert after.raw >= before.raw and after.points >= before.points


@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(), day=gen.DAYS, which=st.integers(0, 10**6),
       back=st.integers(0, 400))
def test_a_repair_restores_exactly_the_deduction(taicang: Pack, data: dict[str, Any],
                                                 history: list[RecordFacts], day: D,
                                                 which: int, back: int) -> None:
    scheme = gen.scheme_of(taicang, data)
    before = points.evaluate(scheme, history, [], day)
    counting = [i for i in before.items if i.points < 0]
    if not counting:
        return
    item = counting[which % len(counting)]
    record = next(r for r in history if r.id == item.record_id)
    assert record.starts_on is not None
    # A repair takes effect after the record was shown: closed on its first day of
    # publicity, it would never have been published (and its year would be clean).
    earliest = record.starts_on + dt.timedelta(days=1)
    if earliest > day:
        return
    on = max(earliest, day - dt.timedelta(days=back))
    fixed = [gen.repaired(r, on) if r.id == record.id else r for r in history]
    after = points.evaluate(scheme, fixed, [], day)
    assert after.raw - before.raw == -item.points
    assert after.points == max(scheme.scheme.min, min(scheme.scheme.max, after.raw))


@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(), added=gen.records(), day=gen.DAYS)
def test_a_record_not_yet_published_changes_nothing(taicang: Pack, data: dict[str, Any],
                                                    history: list[RecordFacts],
                                                    added: RecordFacts, day: D) -> None:
    """As of a day before a record's publicity began, the score is as if it did not exist."""
    scheme = gen.scheme_of(taicang, data)
    added = replace(added, id=10**10)
    if added.starts_on is not None and added.starts_on <= day:
        return
    assert points.evaluate(scheme, [*history, added], [], day).raw == \
        points.evaluate(scheme, history, [], day).raw


@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(days=gen.CROWDED), day=gen.DAYS)
def test_caps_hold_per_rule_year_and_category(taicang: Pack, data: dict[str, Any],
                                              history: list[RecordFacts], day: D) -> None:
    scheme = gen.scheme_of(taicang, data)
    score = points.evaluate(scheme, history, [], day)
    rules = {r.code: r for r in scheme.scheme.rules}
    for code, rule in rules.items():
        mine = [i for i in score.items if i.rule == code and i.record_id]
        if rule.cap:
            assert sum(i.points for i in mine) <= rule.cap
        if rule.cap_per_year:
            for year in {i.date.year for i in mine}:
                assert sum(i.points for i in mine if i.date.year == year) <= rule.cap_per_year
        if rule.deducts:
            assert all(i.points == i.full_points for i in mine)  # never capped nor stepped
    for category in scheme.scheme.categories:
        codes = {r.code for r in scheme.scheme.rules if r.category == category.code}
        assert sum(i.points for i in score.items if i.rule in codes) <= category.cap


def test_schemes_refuse_what_would_break_the_rules() -> None:
    base = {"code": "x", "name": "x", "clause": "5", "subject_kinds": ["person"], "base": 100,
            "min": 0, "max": 200}
    bad_rules = [
        {"code": "r", "name": "r", "clause": "5", "polarity": "dishonest", "points": -10, "cap": 50},
        {"code": "r", "name": "r", "clause": "5", "polarity": "good", "points": -10},
        {"code": "r", "name": "r", "clause": "5", "polarity": "dishonest", "points": 10},
        {"code": "r", "name": "r", "clause": "5", "lists": ["honesty_incentive"], "points": -5},
        {"code": "r", "name": "r", "clause": "5", "points": 5},
        {"code": "r", "name": "r", "clause": "5", "polarity": "good", "points": 5,
         "steps": [{"from_entry": 3, "points": 1}, {"from_entry": 2, "points": 2}]},
        {"code": "r", "name": "r", "clause": "5", "polarity": "good",
         "points_by_severity": {"minor": 5}, "steps": [{"from_entry": 3, "points": 1}]},
    ]
    for rule in bad_rules:
        with pytest.raises(ValueError):
            ScoreScheme.model_validate({**base, "rules": [rule]})
    with pytest.raises(ValueError, match="缺口或重叠"):
        ScoreScheme.model_validate({**base, "levels": [{"name": "a", "min": 0, "max": 99},
                                                       {"name": "b", "min": 101, "max": 200}]})
    with pytest.raises(ValueError, match="min ≤ base ≤ max"):
        ScoreScheme.model_validate({**base, "base": 300})
