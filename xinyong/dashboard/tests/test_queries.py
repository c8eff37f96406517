"""Every chart's numbers against counts made here in Python over the objects the world built
(not the same SQL): for every unit, for one unit (a department's view), and within the period."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.checks.models import Check
from xinyong.dashboard import queries
from xinyong.dashboard.queries import Scope
from xinyong.dashboard.tests.conftest import PERIOD, TODAY
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.lists.models import Membership
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.records import publicity
from xinyong.records.models import Record
from xinyong.repairs.models import Repair

START, END = PERIOD
POLARITY = {"dishonest": "失信", "good": "良好"}


def in_period(day: dt.date | None) -> bool:
    return day is not None and START <= day <= END


def month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def scopes(world: dict[str, Any]) -> list[tuple[Scope, set[int]]]:
    """Every unit (the office), and unit a alone (what its department sees)."""
    units = world["units"]
    return [(Scope(None, START, END, TODAY), {u.pk for u in units.values()}),
            (Scope(units["a"], START, END, TODAY), {units["a"].pk})]


# --- 1. records --------------------------------------------------------------------------------

def test_records_by_unit_behaviour_polarity_and_month(world: dict[str, Any]) -> None:
    book = rulebook.current()
    for scope, unit_ids in scopes(world):
        expected: Counter[tuple[str, str, str, str]] = Counter()
        for r in Record.objects.select_related("unit"):
            if r.unit_id in unit_ids and in_period(r.decided_on) and r.status != "withdrawn":
                expected[month(r.decided_on), r.unit.name, book.behavior_text(r.behavior),
                         POLARITY[r.polarity]] += 1
        table = queries.records(scope)
        assert table.columns == ["月份", "成员单位", "行为", "性质", "记录数"]
        assert {tuple(row[:4]): row[4] for row in table.rows} == dict(expected)
        assert len(table.rows) == len(expected)
        by_month = {p.title: p for p in table.plots}["按月份"]
        assert by_month.categories == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
        bad = next(s for s in by_month.series if s["name"] == "失信")["data"]
        assert bad == [sum(n for (m, _, _, p), n in expected.items() if m == c and p == "失信")
                       for c in by_month.categories]
    # By hand: unit a has 302, 303, 304, 306 and 308 in the period (305 withdrawn, 301 and
    # 307 outside); unit b 401, 403, 405 and 406 (402 withdrawn, 404 outside).
    everyone = queries.records(scopes(world)[0][0])
    assert sum(row[4] for row in everyone.rows) == 9
    assert dict(everyone.figures)["其中良好"] == "2 条"
    assert any("赴湖北" not in row[2] and "捐赠" in row[2] for row in everyone.rows)  # packs' words


def test_the_period_bounds_are_inclusive(world: dict[str, Any]) -> None:
    units = world["units"]
    june = queries.records(Scope(units["a"], dt.date(2026, 6, 30), dt.date(2026, 7, 2), TODAY))
    assert sorted((row[0], row[4]) for row in june.rows) == [("2026-06", 1), ("2026-07", 1)]
    nothing = queries.records(Scope(None, dt.date(2026, 8, 1), dt.date(2026, 8, 31), TODAY))
    assert nothing.rows == [] and dict(nothing.figures)["期间内信用记录"] == "0 条"


# --- 2. publicity today ---------------------------------------------------------------------------

def test_publicity_in_force_today(world: dict[str, Any]) -> None:
    for scope, unit_ids in scopes(world):
        expected: dict[str, Counter[str]] = {}
        for r in Record.objects.select_related("unit"):
            if r.unit_id in unit_ids and publicity.is_published(r, TODAY):
                expected.setdefault(r.unit.name, Counter())[POLARITY[r.polarity]] += 1
        table = queries.publicity(scope)
        assert table.columns == ["成员单位", "失信", "良好", "合计"]
        assert {row[0]: (row[1], row[2], row[3]) for row in table.rows} == {
            name: (c["失信"], c["良好"], c["失信"] + c["良好"]) for name, c in expected.items()}
    # The repaired (301) and withdrawn (305, 402) records are not in publicity.
    shown = queries.publicity(scopes(world)[0][0])
    assert sum(row[3] for row in shown.rows) == len(world["records"]) - 3


# --- 3. lists -------------------------------------------------------------------------------------

def exit_day(m: Membership) -> dt.date | None:
    """The first day off the list: ended early, or the day after its term, whichever first."""
    days = [d for d in (m.ended_on, m.until + dt.timedelta(days=1) if m.until else None) if d]
    return min(days) if days else None


def test_list_entries_and_exits_by_month(world: dict[str, Any]) -> None:
    for scope, unit_ids in scopes(world):
        expected: dict[tuple[str, str], list[int]] = {}
        for m in Membership.objects.select_related("record"):
            if m.record.unit_id not in unit_ids:
                continue
            if in_period(m.since):
                expected.setdefault((month(m.since), m.list_name), [0, 0])[0] += 1
            gone = exit_day(m)
            if gone is not None and in_period(gone) and gone > m.since:
                expected.setdefault((month(gone), m.list_name), [0, 0])[1] += 1
        table = queries.lists(scope)
        assert table.columns == ["月份", "名单", "列入", "移出"]
        assert {(row[0], row[1]): row[2:] for row in table.rows} == expected
    # By hand, for every unit: 402's membership ended on 05-20 (withdrawn), 303's ran out
    # on 04-30 (off on 05-01); 304's ended the day it began (no exit); 301 was repaired in
    # March, but it was never on a list (a general penalty).
    everyone = queries.lists(scopes(world)[0][0])
    exits = {(row[0], row[1]): row[3] for row in everyone.rows if row[3]}
    assert exits == {("2026-05", "重点监管对象"): 2}


# --- 4. repairs and objections ---------------------------------------------------------------------

def test_repairs_and_objections_by_unit(world: dict[str, Any]) -> None:
    for scope, unit_ids in scopes(world):
        expected: dict[tuple[str, str], list[Any]] = {}
        for label, model in (("信用修复", Repair), ("异议处理", Objection)):
            for c in model.objects.select_related("unit"):
                if c.unit_id not in unit_ids:
                    continue
                decided = in_period(c.decided_on) and c.status != "withdrawn"
                if c.accepted_on is None:  # refused without being accepted
                    on_time = c.decided_on is not None and c.decided_on <= c.accept_by
                else:
                    on_time = c.accepted_on <= c.accept_by and c.decided_on <= c.due_by
                counts = [in_period(c.submitted_on), decided, decided and on_time,
                          c.is_overdue(TODAY)]
                if any(counts):
                    row = expected.setdefault((c.unit.name, label), [0, 0, 0, 0])
                    for i, hit in enumerate(counts):
                        row[i] += int(hit)
        table = queries.cases(scope)
        assert table.columns == ["成员单位", "类别", "收到", "办结", "按期办结", "按期办结率（%）",
                                 "当前超期"]
        got = {(row[0], row[1]): [row[2], row[3], row[4], row[6]] for row in table.rows}
        assert got == expected
        for row in table.rows:
            assert row[5] == (round(row[4] * 100 / row[3], 1) if row[3] else None)
    # By hand, unit a: objections received 302, 306, 303 (withdrawn), 308 (open); decided
    # 302 on time; overdue 308 (06-01) and 306 (06-30, past its acceptance limit by 07-15).
    # Unit b: objections 401 (accepted late, with the decision), 406 (accepted in time,
    # decided late) and 405 (refused in time); repair 404 open and overdue.
    units = world["units"]
    rows = {(row[0], row[1]): row[2:] for row in queries.cases(scopes(world)[0][0]).rows}
    assert rows[units["a"].name, "异议处理"] == [4, 1, 1, 100.0, 2]
    assert rows[units["b"].name, "异议处理"] == [3, 3, 1, 33.3, 0]
    assert rows[units["b"].name, "信用修复"] == [1, 0, 0, None, 1]
    assert rows[units["a"].name, "信用修复"] == [1, 1, 1, 100.0, 0]


# --- 5. 双公示 timeliness -------------------------------------------------------------------------------

def test_timeliness_by_unit(world: dict[str, Any]) -> None:
    for scope, unit_ids in scopes(world):
        expected: dict[str, list[int]] = {}
        for r in Record.objects.select_related("unit"):
            is_penalty = r.behavior == "administrative_penalty" or r.penalty is not None
            if r.unit_id in unit_ids and is_penalty and in_period(r.decided_on):
                days = workdays.workdays_between(r.decided_on, timezone.localdate(r.created_at))
                row = expected.setdefault(r.unit.name, [0, 0, 0])
                row[0] += 1
                row[1 if days <= 7 else 2] += 1
        table = queries.timeliness(scope)
        assert {row[0]: row[1:4] for row in table.rows} == expected
        for row in table.rows:
            assert row[4] == round(row[2] * 100 / row[1], 1) and row[5] == 7
    units = world["units"]
    rows = {row[0]: row[1:] for row in queries.timeliness(scopes(world)[0][0]).rows}
    assert rows[units["a"].name][:4] == [3, 3, 0, 100.0]
    assert rows[units["b"].name][:4] == [3, 2, 1, 66.7]


# --- 6. checks --------------------------------------------------------------------------------------

def test_checks_and_feedback_by_unit_and_scenario(world: dict[str, Any]) -> None:
    scenarios = rulebook.current().scenarios()
    for scope, unit_ids in scopes(world):
        expected: dict[tuple[str, str], list[int]] = {}
        for c in Check.objects.select_related("unit"):
            day = timezone.localdate(c.created_at)
            if c.unit_id not in unit_ids or not in_period(day):
                continue
            hit = c.restricted > 0 or c.incentivised > 0
            row = expected.setdefault((c.unit.name, scenarios[c.scenario]), [0] * 7)
            for i, value in enumerate((1, c.subject_count, c.restricted, c.incentivised, hit,
                                       hit and c.feedback.exists())):
                row[i] += int(value)
        table = queries.checks(scope)
        got = {(row[0], row[1]): row[2:8] for row in table.rows}
        assert got == {k: v[:6] for k, v in expected.items()}
        for row in table.rows:
            assert row[8] == (round(row[7] * 100 / row[6], 1) if row[6] else None)
    units = world["units"]
    rows = {(row[0], row[1]): row[2:] for row in queries.checks(scopes(world)[0][0]).rows}
    # 12-20 was before the period; of unit a's two procurement checks with hits one answered.
    assert rows[units["a"].name, "政府采购"][0] == 2
    assert rows[units["a"].name, "政府采购"][-1] == 50.0
    assert rows[units["a"].name, "招标投标"][4:6] == [0, 0]
    assert rows[units["b"].name, "财政性资金支持"][-1] == 100.0
    by_scenario = {p.title: p for p in queries.checks(scopes(world)[0][0]).plots}["按场景"]
    assert by_scenario.categories == sorted(["政府采购", "招标投标", "财政性资金支持"])


# --- scope, registry, cost ------------------------------------------------------------------------

def test_a_department_sees_its_own_unit_only(world: dict[str, Any]) -> None:
    units = world["units"]
    scope = queries.scope_for(world["clerk_a"], None, START, END, TODAY)
    assert scope.unit == units["a"]
    assert queries.scope_for(world["clerk_a"], units["a"], START, END, TODAY).unit == units["a"]
    with pytest.raises(DomainError) as refused:
        queries.scope_for(world["clerk_a"], units["b"], START, END, TODAY)
    assert (refused.value.field, refused.value.status) == ("unit", 403)
    for chart in queries.charts_for(scope):
        table = chart.function(scope)
        for row in table.rows:
            assert units["b"].name not in row, chart.key
    assert "financing" not in {c.key for c in queries.charts_for(scope)}
    office = queries.scope_for(world["office"], units["b"], START, END, TODAY)
    assert office.unit == units["b"]


def test_the_default_period_is_the_last_twelve_months(world: dict[str, Any]) -> None:
    scope = queries.scope_for(world["office"], today=dt.date(2026, 7, 15))
    assert (scope.date_from, scope.date_to) == (dt.date(2025, 8, 1), dt.date(2026, 7, 15))
    assert len(scope.months()) == 12
    assert queries.default_period(dt.date(2026, 12, 31))[0] == dt.date(2026, 1, 1)
    ending = queries.scope_for(world["office"], date_to=dt.date(2025, 3, 10), today=TODAY)
    assert (ending.date_from, ending.date_to) == (dt.date(2024, 4, 1), dt.date(2025, 3, 10))
    with pytest.raises(DomainError) as reversed_:
        queries.scope_for(world["office"], None, END, START)
    assert reversed_.value.field == "date_from"
    with pytest.raises(DomainError):
        queries.scope_for(world["office"], None, dt.date(2010, 1, 1), dt.date(2026, 1, 1))
    with pytest.raises(DomainError) as nobody:
        queries.scope_for(Unit.objects.first())  # not a user at all
    assert nobody.value.status == 403


def test_every_chart_is_registered_and_costs_a_few_queries(world: dict[str, Any]) -> None:
    assert [c.key for c in queries.CHARTS] == ["records", "publicity", "lists", "cases", "timeliness",
                                               "checks", "commitments", "certificates", "financing"]
    scope = Scope(None, START, END, TODAY)
    rulebook.current()  # the rulebook's own cache is not the dashboard's cost
    for chart in queries.CHARTS:
        assert callable(getattr(queries, chart.function.__name__))
        with CaptureQueriesContext(connection) as run:
            table = chart.function(scope)
        # A handful of grouped queries, whatever the number of units and months. (The
        # rulebook's cache probe, which disclosure.timeliness makes per limit looked up,
        # is a round trip of its own: counted apart; so are PostgreSQL's SET LOCAL.)
        ran = [q["sql"] for q in run.captured_queries
               if q["sql"].startswith("SELECT") and "policies_policyevent" not in q["sql"]]
        assert len(ran) <= 6, (chart.key, ran)
        assert all(len(row) == len(table.columns) for row in table.rows), chart.key
        assert chart.title and chart.kind in ("bar", "hbar")


def test_the_office_role_alone_is_not_enough_for_others(world: dict[str, Any], users: Any) -> None:
    for role in (Role.SUBJECT, Role.INSTITUTION):
        with pytest.raises(DomainError) as refused:
            queries.scope_for(users[role])
        assert refused.value.status == 403


# --- 7. commitments, certificates, financing (the demo's, through their apps' statistics) ----------

@pytest.fixture
def demo(loaded: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())
    today = timezone.localdate()
    return {"today": today,
            "scope": queries.scope_for(User.objects.get(username="office"), today=today)}


def test_commitments_certificates_and_financing(demo: dict[str, Any]) -> None:
    from xinyong.certificates.models import Certificate
    from xinyong.commitments.models import Commitment
    from xinyong.financing.models import FinancingNeed

    scope: Scope = demo["scope"]
    signed = [c for c in Commitment.objects.all() if c.number]
    assert signed, "the demo signs commitments"
    table = queries.commitments(scope)
    expected: dict[str, list[int]] = {}
    for c in signed:
        row = expected.setdefault(c.name, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1 + ["in_force", "fulfilled", "breached", "withdrawn"].index(c.status)] += 1
    assert {row[0]: row[2:7] for row in table.rows} == expected
    assert dict(table.figures)["信用承诺"] == f"{len(signed)} 份"
    # A unit's view: letters it accepted or campaigned for.
    market = Unit.objects.get(name="市场监督管理局")
    mine = queries.commitments(Scope(market, scope.date_from, scope.date_to, scope.today))
    assert sum(row[2] for row in mine.rows) == sum(
        1 for c in signed if market.pk in (c.accepting_unit_id, getattr(c.campaign, "unit_id", None)))

    applied = [c for c in Certificate.objects.all() if in_range(c.submitted_on, scope)]
    assert applied, "the demo applies for certificates"
    rows = dict(queries.certificates(scope).rows)
    assert rows["申请"] == len(applied)
    assert rows["已出具"] == sum(c.status == "issued" for c in applied)
    assert rows["办理中"] == sum(c.status in ("submitted", "accepted", "awaiting_material") for c in applied)

    needs = [n for n in FinancingNeed.objects.select_related("institution")
             if in_range(n.submitted_on, scope)]
    assert needs, "the demo posts financing needs"
    money = queries.financing(scope)
    total = money.rows[-1]
    assert total[0] == "合计（含尚未受理）" and total[1] == len(needs)
    assert total[4] == sum(n.status == "lent" for n in needs)
    by_bank = {row[0]: row for row in money.rows[:-1]}
    for name in {n.institution.name for n in needs if n.institution}:
        mine_needs = [n for n in needs if n.institution and n.institution.name == name]
        assert by_bank[name][3] == sum(n.accepted_on is not None for n in mine_needs)
        assert by_bank[name][4] == sum(n.status == "lent" for n in mine_needs)
    assert queries.financing(Scope(market, scope.date_from, scope.date_to, scope.today)).rows == []


def in_range(day: dt.date, scope: Scope) -> bool:
    return scope.date_from <= day <= scope.date_to
