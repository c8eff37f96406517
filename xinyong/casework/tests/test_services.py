"""The one state machine, run for every kind of case: accept or refuse, 补正 with the clock
stopped, withdrawal, take-over, decisions that are never applied twice, and one overdue rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.tests.conftest import SUBMITTED, Kind
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.records.models import Record

D = dt.date


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def reload(case: Case) -> Any:
    return type(case).objects.get(pk=case.pk)


def test_accept_then_decide(kind: Kind, case: Case, users: dict[str, User]) -> None:
    dept = users[Role.DEPARTMENT]
    assert case.status == c.SUBMITTED and case.is_open
    assert SUBMITTED < case.accept_by < case.due_by
    accepted = kind.workflow.accept(case.pk, dept, today=D(2026, 8, 4))
    assert accepted.status == c.ACCEPTED and accepted.accepted_on == D(2026, 8, 4)
    done = kind.workflow.decide(case.pk, dept, kind.decide_no, "材料不足以证明", today=D(2026, 8, 5))
    assert not done.is_open and done.decided_on == D(2026, 8, 5) and done.decided_by == dept
    assert done.decision_reason == "材料不足以证明"
    again = refused(lambda: kind.workflow.decide(case.pk, dept, kind.decide_yes, "再来一次"))
    assert again.status == 409 and "不能重复决定" in again.msg
    steps = [s["step"] for s in done.timeline]
    assert steps[1:] == [kind.workflow.accept_step, kind.workflow.outcome_label(done)]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {f"{kind.workflow.audit_prefix}.accept", f"{kind.workflow.audit_prefix}.decide"} <= actions
    assert Notice.objects.filter(user=case.applicant).count() == 3  # submitted, accepted, decided


def test_a_decision_on_a_case_not_yet_accepted_accepts_it(kind: Kind, case: Case,
                                                          users: dict[str, User]) -> None:
    done = kind.workflow.decide(case.pk, users[Role.OFFICE], kind.decide_no, "不符合条件",
                                today=D(2026, 8, 4))
    assert done.accepted_on == D(2026, 8, 4)
    assert kind.workflow.accept_step in [s["step"] for s in done.timeline]


def test_refusal_needs_a_reason_and_closes_the_case(kind: Kind, case: Case, record: Record,
                                                   users: dict[str, User]) -> None:
    dept = users[Role.DEPARTMENT]
    assert Record.objects.get(pk=record.pk).objection_open == kind.marks_record
    assert refused(lambda: kind.workflow.accept(case.pk, dept, False, "  ")).field == "reason"
    done = kind.workflow.accept(case.pk, dept, False, "不属于本单位认定的记录", today=D(2026, 8, 4))
    assert done.status == c.REFUSED and not done.is_open and done.decided_on == D(2026, 8, 4)
    assert done.decision_reason == "不属于本单位认定的记录"
    assert not Record.objects.get(pk=record.pk).objection_open
    # Closed: the same record may be the subject of a new case.
    again = kind.open(users[Role.SUBJECT], record, D(2026, 8, 5))
    assert again.is_open and again.pk != case.pk


def test_material_request_stops_the_clock(kind: Kind, case: Case, users: dict[str, User]) -> None:
    """补正: asked on 08-05 before acceptance, supplied on 08-12 (5 working days later): both
    limits move on by those 5 working days; meanwhile the case is never overdue."""
    dept, applicant = users[Role.DEPARTMENT], users[Role.SUBJECT]
    accept_by, due_by = case.accept_by, case.due_by
    assert refused(lambda: kind.workflow.request_material(case.pk, dept, "")).field == "reason"
    paused = kind.workflow.request_material(case.pk, dept, "请补充缴款凭证", today=D(2026, 8, 5))
    assert paused.status == c.AWAITING_MATERIAL and paused.is_open
    assert paused.material_request == "请补充缴款凭证"
    late = D(2026, 9, 30)
    assert not paused.is_overdue(late) and not type(case).objects.overdue(late).exists()
    assert paused.due_text(late) == "待申请人补正，期限暂停计算"
    twice = refused(lambda: kind.workflow.request_material(case.pk, dept, "再补"))
    assert twice.status == 409
    # Only the applicant supplies it, with a note or files.
    assert refused(lambda: kind.workflow.supply_material(case.pk, dept, "x")).status == 404
    assert refused(lambda: kind.workflow.supply_material(case.pk, applicant, " ")).field == "note"
    resumed = kind.workflow.supply_material(case.pk, applicant, "已补充银行回单", today=D(2026, 8, 12))
    assert workdays.workdays_between(D(2026, 8, 5), D(2026, 8, 12)) == 5
    assert resumed.status == c.SUBMITTED and resumed.paused_on is None
    assert resumed.accept_by == workdays.add_workdays(accept_by, 5)
    assert resumed.due_by == workdays.add_workdays(due_by, 5)
    assert "期限顺延 5 个工作日" in resumed.timeline[-1]["public"]
    assert resumed.timeline[-1]["note"] == "已补充银行回单"
    not_waiting = refused(lambda: kind.workflow.supply_material(case.pk, applicant, "又补"))
    assert not_waiting.status == 409


def test_material_request_after_acceptance_moves_only_the_decision_limit(
    kind: Kind, case: Case, users: dict[str, User]
) -> None:
    dept, applicant = users[Role.DEPARTMENT], users[Role.SUBJECT]
    accepted = kind.workflow.accept(case.pk, dept, today=D(2026, 8, 4))
    accept_by, due_by = accepted.accept_by, accepted.due_by
    kind.workflow.request_material(case.pk, dept, "请补充整改报告", today=D(2026, 8, 6))
    resumed = kind.workflow.supply_material(case.pk, applicant, "见附件", today=D(2026, 8, 7))
    assert resumed.status == c.ACCEPTED
    assert resumed.accept_by == accept_by and resumed.due_by == workdays.add_workdays(due_by, 1)


def test_the_applicant_withdraws(kind: Kind, case: Case, record: Record, users: dict[str, User],
                                 make_user: Any, person: Any) -> None:
    stranger = make_user("other-subject", Role.SUBJECT, subject=person)
    assert refused(lambda: kind.workflow.withdraw(case.pk, stranger)).status == 404
    assert refused(lambda: kind.workflow.withdraw(case.pk, users[Role.DEPARTMENT])).status == 404
    done = kind.workflow.withdraw(case.pk, users[Role.SUBJECT], "已与单位沟通", today=D(2026, 8, 4))
    assert done.status == c.WITHDRAWN and not done.is_open and done.decided_on == D(2026, 8, 4)
    assert not Record.objects.get(pk=record.pk).objection_open
    assert refused(lambda: kind.workflow.withdraw(case.pk, users[Role.SUBJECT])).status == 409
    late = refused(lambda: kind.workflow.decide(case.pk, users[Role.OFFICE], kind.decide_no, "x"))
    assert late.status == 409


def test_the_office_takes_a_case_over(kind: Kind, case: Case, users: dict[str, User]) -> None:
    dept, office = users[Role.DEPARTMENT], users[Role.OFFICE]
    assert refused(lambda: kind.workflow.take_over(case.pk, dept, "逾期")).status == 403
    assert refused(lambda: kind.workflow.take_over(case.pk, office, " ")).field == "reason"
    assert refused(lambda: kind.workflow.take_over(case.pk, office, "x" * 2001)).field == "reason"
    taken = kind.workflow.take_over(case.pk, office, "x" * 2000)
    assert taken.taken_over_by == office
    assert refused(lambda: kind.workflow.take_over(case.pk, office, "再接办")).status == 409
    blocked = refused(lambda: kind.workflow.accept(case.pk, dept))
    assert blocked.status == 409 and "已由信用办接办" in blocked.msg
    assert not kind.workflow.may_handle(dept, taken) and kind.workflow.may_handle(office, taken)
    assert kind.workflow.decide(case.pk, office, kind.decide_no, "信用办核实").decided_by == office


def test_another_unit_cannot_see_or_act(kind: Kind, case: Case, make_user: Any,
                                        other_unit: Any) -> None:
    stranger = make_user("other-dept", Role.DEPARTMENT, unit=other_unit)
    assert not type(case).objects.visible_to(stranger).exists()
    for call in (lambda: kind.workflow.accept(case.pk, stranger),
                 lambda: kind.workflow.request_material(case.pk, stranger, "x"),
                 lambda: kind.workflow.decide(case.pk, stranger, kind.decide_no, "x")):
        assert refused(call).status == 404


def test_one_overdue_rule_the_step_now_due(kind: Kind, case: Case, users: dict[str, User]) -> None:
    """Overdue against the acceptance limit while submitted, the decision limit once
    accepted; never while waiting for material, never once closed. The model and the
    queryset agree."""
    model = type(case)

    def overdue(on: dt.date) -> bool:
        fresh = reload(case)
        in_sql = model.objects.overdue(on).filter(pk=case.pk).exists()
        assert fresh.is_overdue(on) == in_sql, on
        return in_sql

    assert not overdue(case.accept_by) and overdue(case.accept_by + dt.timedelta(days=1))
    accepted = kind.workflow.accept(case.pk, users[Role.DEPARTMENT], today=case.accept_by)
    assert not overdue(accepted.accept_by + dt.timedelta(days=1))
    assert not overdue(accepted.due_by) and overdue(accepted.due_by + dt.timedelta(days=1))
    next_workday = workdays.add_workdays(accepted.due_by, 1)
    assert accepted.working_days_left(next_workday) == -1
    assert accepted.due_text(next_workday) == "超期 1 个工作日"
    kind.workflow.decide(case.pk, users[Role.DEPARTMENT], kind.decide_no, "不成立")
    assert not overdue(accepted.due_by + dt.timedelta(days=30))
