"""Hypothesis strategies for scoring: record histories (consistent statuses and dates) and
point schemes built from every rule kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from xinyong.lib.dates import add_months
from xinyong.policies.rulebook import Entry
from xinyong.policies.schema import Pack, ScoreScheme
from xinyong.records import determination as d
from xinyong.scores.points import MembershipFacts, RecordFacts, Scheme

D = dt.date
GOOD = ["tc_hubei_medical_aid", "tc_frontline_outstanding", "tc_volunteer_contribution",
        "tc_donation"]
DISHONEST = ["tc_concealment", "tc_evade_quarantine", "tc_no_mask_gathering",
             "tc_epidemic_rumours", "administrative_penalty"]
DAYS = st.dates(min_value=D(2020, 3, 1), max_value=D(2026, 12, 7))
MONTHS = {"minor": 3, "general": 12, "serious": 36}


@st.composite
def records(draw: Any, ids: Any = None, days: Any = DAYS) -> RecordFacts:
    good = draw(st.booleans())
    behavior = draw(st.sampled_from(GOOD if good else DISHONEST))
    severity = draw(st.sampled_from(["minor", "general", "serious"]))
    decided = draw(days)
    status = draw(st.sampled_from(
        [d.PUBLISHED, d.WITHDRAWN] if good else
        [d.PUBLISHED, d.EXPIRED, d.REPAIRED, d.WITHDRAWN, d.EXEMPTED, d.DEFERRED, d.RECTIFIED]))
    starts = None if status == d.EXEMPTED else decided
    rectify = None
    if status in (d.DEFERRED, d.RECTIFIED):
        rectify = decided + dt.timedelta(days=draw(st.integers(1, 60)))
        starts = rectify + dt.timedelta(days=1)
    ends = None if good or starts is None else (
        add_months(decided, MONTHS[severity]) - dt.timedelta(days=1))
    closed = None
    if status in (d.REPAIRED, d.WITHDRAWN):
        closed = decided + dt.timedelta(days=draw(st.integers(0, 1500)))
    return RecordFacts(
        id=draw(ids) if ids is not None else draw(st.integers(1, 10**9)),
        behavior=behavior, polarity="good" if good else "dishonest", severity=severity,
        decided_on=decided, status=status, starts_on=starts, ends_on=ends, closed_on=closed,
        rectify_by=rectify, objection_open=draw(st.booleans()))


def histories(max_size: int = 25, days: Any = DAYS) -> Any:
    return st.lists(records(days=days), max_size=max_size, unique_by=lambda r: r.id)


# Two years: entries of one rule share a year often enough to meet the caps and steps.
CROWDED = st.dates(min_value=D(2024, 6, 1), max_value=D(2026, 6, 1))


def day_near(history: list[RecordFacts]) -> Any:
    """A day, often on or next to one of the history's dates (where the rules turn)."""
    turns = sorted({t + dt.timedelta(days=k) for r in history
                    for t in (r.decided_on, r.starts_on, r.ends_on, r.closed_on) if t
                    for k in (-1, 0, 1)})
    return st.one_of(DAYS, st.sampled_from(turns)) if turns else DAYS


@st.composite
def memberships(draw: Any, record_ids: list[int]) -> list[MembershipFacts]:
    found = []
    for rid in record_ids:
        if draw(st.booleans()):
            since = draw(DAYS)
            until = since + dt.timedelta(days=draw(st.integers(0, 800)))
            ended = draw(st.one_of(st.none(), st.builds(
                lambda n, s=since: s + dt.timedelta(days=n), st.integers(0, 800))))
            found.append(MembershipFacts(
                list_code=draw(st.sampled_from(["honesty_incentive", "joint_punishment",
                                                "watch"])),
                policy=draw(st.sampled_from(["taicang-2020-1", "fuzhou-2020-4"])),
                since=since, until=until, ended_on=ended, record_id=rid))
    return found


@st.composite
def schemes(draw: Any) -> dict[str, Any]:
    """A scheme in the pack format, using every kind of rule, valid by construction."""
    lo = draw(st.integers(-500, 500))
    hi = lo + draw(st.integers(1, 1500))
    base = draw(st.integers(lo, hi))
    rules: list[dict[str, Any]] = []
    categories = [{"code": "cat", "name": "类别", "cap": draw(st.integers(1, 80))}]
    for i, behavior in enumerate(draw(st.lists(st.sampled_from(GOOD), unique=True,
                                               max_size=4))):
        rule: dict[str, Any] = {"code": f"good_{i}", "name": "加分", "clause": "5",
                                "behaviors": [behavior], "points": draw(st.integers(1, 40))}
        if draw(st.booleans()):
            rule["counts_months"] = draw(st.integers(1, 60))
        if draw(st.booleans()):
            rule["cap"] = draw(st.integers(1, 100))
        if draw(st.booleans()):
            rule["cap_per_year"] = draw(st.integers(1, 60))
        if draw(st.booleans()):
            first = draw(st.integers(2, 4))
            rule["steps"] = [{"from_entry": first, "points": draw(st.integers(0, 10))},
                             {"from_entry": first + draw(st.integers(1, 3)),
                              "points": draw(st.integers(0, 5))}]
        if draw(st.booleans()):
            rule["category"] = "cat"
        rules.append(rule)
    if draw(st.booleans()):
        rules.append({"code": "good_any", "name": "其他良好行为", "clause": "5",
                      "polarity": "good", "points": draw(st.integers(1, 20)),
                      "counts_months": draw(st.integers(1, 36))})
    if draw(st.booleans()):
        rules.append({"code": "serious", "name": "严重失信", "clause": "4",
                      "polarity": "dishonest", "min_severity": "serious",
                      "points": -draw(st.integers(1, 300))})
    rules.append({"code": "dishonest", "name": "失信", "clause": "4", "polarity": "dishonest",
                  "points_by_severity": {"minor": -draw(st.integers(1, 50)),
                                         "general": -draw(st.integers(1, 100)),
                                         "serious": -draw(st.integers(1, 200))}})
    if draw(st.booleans()):
        rules.append({"code": "honest_list", "name": "守信激励", "clause": "6",
                      "lists": ["honesty_incentive"], "points": draw(st.integers(1, 50))})
    cut = draw(st.integers(lo, hi))
    levels = ([{"name": "低", "min": lo, "max": cut - 1}] if cut > lo else []) + \
        [{"name": "高", "min": cut, "max": hi}]
    scheme: dict[str, Any] = {
        "code": "generated", "name": "生成的方案", "clause": "5", "subject_kinds": ["person"],
        "base": base, "min": lo, "max": hi, "categories": categories, "rules": rules,
        "levels": levels,
    }
    if draw(st.booleans()):
        scheme["clean_year_bonus"] = {"points": draw(st.integers(1, 20)), "clause": "5",
                                      "max_total": draw(st.one_of(st.none(), st.integers(1, 60)))}
    return scheme


def scheme_of(taicang: Pack, data: dict[str, Any]) -> Scheme:
    """The generated scheme in a copy of the 太仓 pack (its behaviours and lists)."""
    scheme = ScoreScheme.model_validate(data)
    pack = taicang.model_copy(update={"scores": [scheme]})
    return Scheme.of(Entry(1, pack, None), scheme)


def shipped_scheme(pack: Pack, code: str) -> Scheme:
    scheme = next(s for s in pack.scores if s.code == code)
    return Scheme.of(Entry(1, pack, None), scheme)


def repaired(record: RecordFacts, on: dt.date) -> RecordFacts:
    return replace(record, status=d.REPAIRED, closed_on=on)


def withdrawn(record: RecordFacts, on: dt.date) -> RecordFacts:
    return replace(record, status=d.WITHDRAWN, closed_on=on)
