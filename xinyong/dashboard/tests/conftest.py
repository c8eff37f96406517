"""A small world of two units' work over several months, built through the services: records
of both polarities and several behaviours (some outside the period, one withdrawn), the
list memberships they make (one ended early, one run out, one ended the day it began),
repairs and objections decided on time, late, refused, withdrawn and still open, and
checks with and without hits and feedback. The dashboard's numbers are compared with counts
made in Python over these objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from xinyong.accounts.models import Role, Unit, User
from xinyong.checks import services as checks
from xinyong.checks.models import Check
from xinyong.lists.models import Membership
from xinyong.objections import services as objections
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services as repairs

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 7, 15)
PERIOD = (D(2026, 1, 1), D(2026, 6, 30))

# (unit key, decision number, behaviour, severity, decided on)
RECORDS = [
    ("a", "榕马市监罚〔2025〕301号", "administrative_penalty", "general", D(2025, 11, 20)),
    ("a", "榕马市监罚〔2026〕302号", "administrative_penalty", "general", D(2026, 1, 15)),
    ("a", "榕马市监罚〔2026〕303号", "fz_mask_fraud", "serious", D(2026, 2, 10)),
    ("a", "马尾区表彰〔2026〕304号", "fz_donation", "general", D(2026, 3, 5)),
    ("a", "榕马市监罚〔2026〕305号", "administrative_penalty", "general", D(2026, 3, 20)),
    ("a", "榕马市监罚〔2026〕306号", "fz_market_disruption", "serious", D(2026, 6, 30)),
    ("a", "榕马市监罚〔2026〕307号", "administrative_penalty", "general", D(2026, 7, 2)),
    ("a", "榕马市监罚〔2026〕308号", "administrative_penalty", "general", D(2026, 2, 3)),
    ("b", "榕马发改罚〔2026〕401号", "administrative_penalty", "general", D(2026, 1, 31)),
    ("b", "榕马发改罚〔2026〕402号", "fz_mask_fraud", "serious", D(2026, 4, 12)),
    ("b", "马尾区表彰〔2026〕403号", "fz_donation", "general", D(2026, 5, 1)),
    ("b", "榕马发改罚〔2025〕404号", "administrative_penalty", "general", D(2025, 10, 10)),
    ("b", "榕马发改罚〔2026〕405号", "administrative_penalty", "general", D(2026, 2, 2)),
    ("b", "榕马发改罚〔2026〕406号", "administrative_penalty", "general", D(2026, 1, 20)),
]


def received(model: Any, pk: int, day: dt.date) -> None:
    """The day the row reached the platform (its created_at), as a unit's system would have."""
    model.objects.filter(pk=pk).update(created_at=dt.datetime.combine(day, dt.time(10), SHANGHAI))


@pytest.fixture
def world(loaded: Any, unit: Unit, other_unit: Unit, users: dict[str, User],
          make_user: Callable[..., User]) -> dict[str, Any]:
    office, carol = users[Role.OFFICE], users[Role.SUBJECT]
    clerk_a, clerk_b = users[Role.DEPARTMENT], make_user("erin", Role.DEPARTMENT, unit=other_unit)
    subject = carol.subject
    assert subject is not None
    units = {"a": unit, "b": other_unit}
    made: dict[str, Record] = {}
    for key, number, behavior, severity, decided in RECORDS:
        made[number], _ = records.submit(units[key], records.Submission(
            subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
            behavior=behavior, occurred_on=decided - dt.timedelta(days=10), decided_on=decided,
            decision_no=number, facts="", severity=severity), today=decided)
        received(Record, made[number].pk, decided)
    # 双公示 timeliness: 401 reached the platform weeks after its decision (late).
    received(Record, made["榕马发改罚〔2026〕401号"].pk, D(2026, 3, 16))
    # Withdrawn (reported in error): left out of the records chart; its memberships end.
    records.withdraw(made["榕马市监罚〔2026〕305号"], "决定书号填错", actor=None, today=D(2026, 4, 1))
    # 402's membership ends early when it is withdrawn.
    records.withdraw(made["榕马发改罚〔2026〕402号"], "行政复议撤销", actor=None, today=D(2026, 5, 20))
    # One membership's term runs out inside the period, one ended the day it began.
    ran_out = Membership.objects.filter(record=made["榕马市监罚〔2026〕303号"]).first()
    assert ran_out is not None
    Membership.objects.filter(pk=ran_out.pk).update(until=D(2026, 4, 30))
    Membership.objects.filter(record=made["马尾区表彰〔2026〕304号"]).update(ended_on=D(2026, 3, 5))

    def case_of(case: Any, *moves: Callable[[Any], Any]) -> Any:
        for move in moves:
            case = move(case)
        return case

    cases: dict[str, Any] = {}
    # Objections: decided on time, decided late, refused, withdrawn, open and overdue.
    cases["o_on_time"] = case_of(
        objections.submit(carol, made["榕马市监罚〔2026〕302号"].pk, "处罚决定已被撤销", today=D(2026, 2, 2)),
        lambda c: objections.workflow.decide(c.pk, office, "dismissed", "理由不成立", today=D(2026, 2, 3)))
    late = objections.submit(carol, made["榕马市监罚〔2026〕306号"].pk, "事实有误", today=D(2026, 6, 30))
    cases["o_late_outside"] = late  # decided after the period: received in it, not decided in it
    cases["o_late"] = case_of(
        objections.submit(carol, made["榕马发改罚〔2026〕401号"].pk, "金额有误", today=D(2026, 2, 9)),
        lambda c: objections.workflow.decide(c.pk, office, "dismissed", "经核实无误",
                                             today=c.due_by + dt.timedelta(days=20)))
    cases["o_decided_late"] = case_of(  # accepted in time, decided after its limit
        objections.submit(carol, made["榕马发改罚〔2026〕406号"].pk, "当事人有误", today=D(2026, 2, 24)),
        lambda c: objections.workflow.accept(c.pk, office, True, "", today=D(2026, 2, 25)),
        lambda c: objections.workflow.decide(c.pk, office, "dismissed", "经核实无误",
                                             today=c.due_by + dt.timedelta(days=3)))
    cases["o_refused"] = case_of(
        objections.submit(carol, made["榕马发改罚〔2026〕405号"].pk, "不是本公司", today=D(2026, 3, 2)),
        lambda c: objections.workflow.accept(c.pk, office, False, "未提交身份证明", today=D(2026, 3, 3)))
    cases["o_withdrawn"] = case_of(
        objections.submit(carol, made["榕马市监罚〔2026〕303号"].pk, "情节认定过重", today=D(2026, 4, 1)),
        lambda c: objections.workflow.withdraw(c.pk, carol, "已与单位沟通", today=D(2026, 4, 3)))
    cases["o_open"] = objections.submit(carol, made["榕马市监罚〔2026〕308号"].pk, "已整改",
                                        today=D(2026, 6, 1))
    # Repairs: approved on time (the record leaves its lists), and one still open, overdue.
    cases["r_on_time"] = case_of(
        repairs.apply(carol, made["榕马市监罚〔2025〕301号"].pk, "已缴清罚款", True, today=D(2026, 3, 2)),
        lambda c: repairs.workflow.accept(c.pk, office, True, "", today=D(2026, 3, 3)),
        lambda c: repairs.workflow.decide(c.pk, office, "approve", "已履行", today=D(2026, 3, 6)))
    cases["r_open"] = repairs.apply(carol, made["榕马发改罚〔2025〕404号"].pk, "已缴清罚款", True,
                                    today=D(2026, 5, 6))

    # Checks: the office's clerks' checks of the subject (hits) and of a clean code.
    clean = "91350105MA2Y00002W"

    def check(user: User, scenario: str, codes: list[str], day: dt.date) -> Check:
        made_check = checks.run_check(user, scenario, codes, day)
        received(Check, made_check.pk, day)
        return Check.objects.get(pk=made_check.pk)

    code = subject.full_code()
    found = {
        "a_hit_answered": check(clerk_a, "government_procurement", [code, clean], D(2026, 3, 10)),
        "a_hit_silent": check(clerk_a, "government_procurement", [code], D(2026, 4, 10)),
        "a_clean": check(clerk_a, "bidding", [clean], D(2026, 5, 10)),
        "a_before": check(clerk_a, "government_procurement", [code], D(2025, 12, 20)),
        "b_hit_answered": check(clerk_b, "fiscal_support", [code], D(2026, 6, 29)),
    }
    for key, clerk in (("a_hit_answered", clerk_a), ("b_hit_answered", clerk_b)):
        row = next(r for r in found[key].results if r.get("measures"))
        checks.give_feedback(found[key], clerk, row["subject_id"], row["measures"][0]["code"], True,
                             "已按措施办理")
    return {"units": units, "records": made, "cases": cases, "checks": found, "subject": subject,
            "clerk_a": clerk_a, "clerk_b": clerk_b, "office": office}
