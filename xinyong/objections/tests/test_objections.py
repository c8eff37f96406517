"""Objection services: submitting, the mark, time limits in working days, accepting and
refusing, verification by the source unit, what upheld and dismissed do to the record, its
lists and checks, objections to repair decisions, who may act, and taking a case over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent
from xinyong.checks import engine
from xinyong.lib.errors import DomainError
from xinyong.lists.api import public_page
from xinyong.lists.models import Membership
from xinyong.notices.models import Notice
from xinyong.objections import services
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.records import determination as d
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services as repairs

D = dt.date


def reload(record: Record) -> Record:
    return Record.objects.get(pk=record.pk)


def verdict(code: str) -> str:
    return engine.run(rulebook.current(), "bidding", [code], timezone.localdate())[0]["verdict"]


def test_time_limits_come_from_the_pack_in_working_days(loaded: Any, unit: Any, users: Any,
                                                       punish: Callable[..., Record]) -> None:
    subject = users[Role.SUBJECT]
    dept = users[Role.DEPARTMENT]
    # Tuesday 2026-09-29; 2026-10-01..07 off for National Day, Saturday 10-10 worked.
    early = services.submit(subject, punish(unit).pk, "处罚决定书已被撤销", today=D(2026, 9, 29))
    assert (early.policy, early.clause) == ("platform-defaults", "异议")
    assert early.accept_by == D(2026, 10, 8)  # 9-30 and 10-8: two working days
    assert early.accept_by != D(2026, 10, 1)  # what counting weekdays would give
    # Until accepted, as if accepted on the last day: 2 + 10 working days after 10-8.
    assert early.due_by == D(2026, 10, 23)
    assert early.status == "submitted" and early.accepted_on is None
    assert early.working_days_left(D(2026, 9, 30)) == 1
    assert not early.is_overdue(D(2026, 10, 8))

    # Accepted early (9-30): 12 working days from that day, with the adjusted Saturday.
    early = services.workflow.accept(early.pk, dept, True, today=D(2026, 9, 30))
    assert early.status == "accepted" and early.accepted_on == D(2026, 9, 30)
    assert early.due_by == D(2026, 10, 22)
    assert early.working_days_left(D(2026, 10, 9)) == 10  # 10-10, 10-12 .. 10-22
    assert early.is_overdue(D(2026, 10, 23)) and not early.is_overdue(D(2026, 10, 22))

    # Accepted late (10-9, one working day past the limit): overdue while waiting.
    late = services.submit(subject, punish(unit).pk, "主体名称有误", today=D(2026, 9, 29))
    assert late.is_overdue(D(2026, 10, 9))
    assert late.working_days_left(D(2026, 10, 9)) == -1
    assert late.working_days_left(D(2026, 10, 12)) == -3  # 10-9, 10-10, 10-12
    late_q = Objection.objects.overdue(D(2026, 10, 9))
    assert list(late_q) == [late]
    late = services.workflow.accept(late.pk, dept, True, today=D(2026, 10, 9))
    assert late.due_by == D(2026, 10, 26)  # 12 working days from 10-9
    assert late.working_days_left(D(2026, 10, 27)) == -1
    assert not Objection.objects.overdue(D(2026, 10, 9)).exists()
    steps = [s["step"] for s in late.timeline]
    assert steps == ["提交异议", "受理，核查并转认定单位核实"]
    assert late.timeline[1]["public"] == "12 个工作日内（2026-10-26 前）办结"


def test_no_rules_in_force_is_refused_naming_the_field(unit: Any, users: Any, db: Any) -> None:
    from xinyong.policies import loader

    loader.load([p for p in loader.shipped() if p.pack.id != "platform-defaults"])
    record = records.submit(unit, records.Submission(
        subject_kind="organization", subject_name=users[Role.SUBJECT].subject.name,
        subject_code=users[Role.SUBJECT].subject.code, behavior="administrative_penalty",
        occurred_on=D(2026, 8, 1), decided_on=D(2026, 8, 10), decision_no="市监罚〔2026〕9号",
        facts="", severity="general"))[0]
    with pytest.raises(DomainError) as caught:
        services.submit(users[Role.SUBJECT], record.pk, "有误")
    assert caught.value.field == "record_id" and "异议处理时限" in caught.value.msg
    assert not reload(record).objection_open


def test_submit_refusals_name_the_field(loaded: Any, unit: Any, users: Any, person: Any,
                                        person_user: Any, punish: Callable[..., Record]) -> None:
    subject = users[Role.SUBJECT]
    own = punish(unit)
    others = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")

    def refused(user: Any, record_id: int, reason: str = "有误", **kw: Any) -> DomainError:
        with pytest.raises(DomainError) as caught:
            services.submit(user, record_id, reason, **kw)
        return caught.value

    # Another subject's record, a record that does not exist, a user who is no subject.
    for user, record_id in [(subject, others.pk), (subject, 999999), (users[Role.DEPARTMENT], own.pk),
                            (users[Role.OFFICE], own.pk), (person_user, own.pk)]:
        error = refused(user, record_id)
        assert (error.field, error.status) == ("record_id", 404)
    assert refused(subject, own.pk, "   ").field == "reason"
    assert refused(subject, own.pk, "x" * 5001).field == "reason"
    assert refused(subject, own.pk, evidence="x" * 5001).field == "evidence"
    assert refused(subject, own.pk, repair_id=999999).field == "repair_id"
    assert not Objection.objects.exists() and not reload(own).objection_open

    first = services.submit(subject, own.pk, "行为发生时本公司尚未成立",
                            evidence="营业执照成立日期 2026-06-01")
    assert first.evidence_text == "营业执照成立日期 2026-06-01" and first.unit_id == unit.pk
    again = refused(subject, own.pk)
    assert again.field == "record_id" and first.query_code in again.msg
    assert Objection.objects.count() == 1
    # The person may dispute their own record: the mark is per record.
    assert services.submit(person_user, others.pk, "身份证号码被冒用").record_id == others.pk

    gone = records.withdraw(punish(unit), "决定已撤销", actor=users[Role.DEPARTMENT])
    assert refused(subject, gone.pk).field == "record_id"

    # Once decided, a new objection to the same record may be made.
    services.workflow.decide(first.pk, users[Role.DEPARTMENT], "dismissed",
                             "经核实，营业执照显示成立于 2019 年")
    assert services.submit(subject, own.pk, "补充新的证据").status == "submitted"


def test_the_mark_is_shown_while_open_and_dismissal_clears_it(
    loaded: Any, unit: Any, users: Any, punish: Callable[..., Record]
) -> None:
    subject = users[Role.SUBJECT]
    record = punish(unit)
    objection = services.submit(subject, record.pk, "罚款已被复议撤销")
    record = reload(record)
    assert record.objection_open and record.status == d.PUBLISHED  # keeps its status
    assert public_page("joint_punishment", 1, 50, None)["items"][0]["objection"] == "open"
    services.workflow.accept(objection.pk, users[Role.DEPARTMENT], True)
    assert reload(record).objection_open
    decided = services.workflow.decide(objection.pk, users[Role.DEPARTMENT], "dismissed",
                                       "复议维持原处罚决定")
    assert decided.status == "dismissed" and decided.remedy == ""
    record = reload(record)
    assert not record.objection_open and record.status == d.PUBLISHED and record.version == 1
    page = public_page("joint_punishment", 1, 50, None)
    assert page["total"] == 1 and page["items"][0]["objection"] is None
    assert verdict(subject.subject.code) == "restrict"
    assert [s["step"] for s in decided.timeline] == ["提交异议", "受理，核查并转认定单位核实", "异议不成立"]


def test_refusing_needs_a_reason_and_clears_the_mark(loaded: Any, unit: Any, users: Any,
                                                     punish: Callable[..., Record]) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "不服处罚")
    dept = users[Role.DEPARTMENT]
    with pytest.raises(DomainError) as caught:
        services.workflow.accept(objection.pk, dept, False, "  ")
    assert caught.value.field == "reason"
    assert reload(record).objection_open
    refused = services.workflow.accept(objection.pk, dept, False, "对处罚决定本身不服的，应依法申请行政复议",
                              today=D(2026, 11, 23))
    assert refused.status == "refused" and refused.decided_on == D(2026, 11, 23)
    assert refused.decision_reason.startswith("对处罚决定本身不服")
    assert not reload(record).objection_open
    for call in (lambda: services.workflow.accept(objection.pk, dept, True),
                 lambda: services.workflow.decide(objection.pk, dept, "upheld", "x")):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.status == 409
    assert reload(record).status == d.PUBLISHED


def test_upheld_withdraws_the_record_its_lists_and_checks_the_same_day(
    loaded: Any, unit: Any, users: Any, punish: Callable[..., Record]
) -> None:
    subject = users[Role.SUBJECT]
    record = punish(unit)
    code = subject.subject.code
    assert public_page("joint_punishment", 1, 50, None)["total"] == 1
    assert verdict(code) == "restrict"
    objection = services.submit(subject, record.pk, "该决定已被行政复议撤销",
                                evidence="复议决定书 太政复〔2026〕8号")
    # The source unit verifies straight away (acceptance is recorded with it).
    decided = services.workflow.decide(objection.pk, users[Role.DEPARTMENT], "upheld",
                                       "经核实，原处罚决定已被撤销")
    today = timezone.localdate()
    assert decided.status == "upheld" and decided.remedy == "withdrawn"
    assert decided.accepted_on == today and decided.decided_on == today
    record = reload(record)
    assert record.status == d.WITHDRAWN and record.closed_on == today
    assert record.closed_reason == "异议成立：经核实，原处罚决定已被撤销"
    assert not record.objection_open
    assert record.versions.filter(change="objection_upheld").count() == 1
    membership = Membership.objects.get(record=record)
    assert (membership.exit_reason, membership.ended_on) == ("objection_upheld", today)
    assert public_page("joint_punishment", 1, 50, None)["total"] == 0
    assert verdict(code) == "none"
    assert not Record.objects.published_on(today).filter(pk=record.pk).exists()
    assert [s["step"] for s in decided.timeline] == [
        "提交异议", "受理，核查并转认定单位核实", "异议成立，撤销记录"]
    # Told at each step, every step audited.
    titles = list(Notice.objects.filter(user=subject).order_by("created_at", "id")
                  .values_list("title", flat=True))
    assert titles == ["异议申请已提交", "异议成立，撤销记录"]
    actions = set(AuditEvent.objects.filter(action__startswith="objection.").values_list(
        "action", flat=True))
    assert actions == {"objection.submit", "objection.decide"}


def test_upheld_with_corrections_corrects_instead(loaded: Any, unit: Any, users: Any,
                                                  punish: Callable[..., Record]) -> None:
    subject, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    record = punish(unit)
    objection = services.submit(subject, record.pk, "情节应为一般")
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(objection.pk, dept, "dismissed", "x", corrections={"severity": "general"})
    assert caught.value.field == "corrections"
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(objection.pk, dept, "upheld", "x", corrections={"subject_code": "x"})
    assert caught.value.field == "corrections.subject_code"
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(objection.pk, dept, "upheld", "x", corrections={"behavior": "no_such"})
    assert caught.value.field == "corrections.behavior"
    # Refused corrections changed nothing.
    assert Objection.objects.get(pk=objection.pk).status == "submitted"
    assert reload(record).objection_open and reload(record).severity == "serious"

    decided = services.workflow.decide(objection.pk, dept, "upheld", "复核后情节认定为一般",
                              corrections={"severity": "general", "facts": ""})
    assert decided.remedy == "corrected"
    record = reload(record)
    assert record.status == d.PUBLISHED and record.severity == "general"
    assert record.lists == [] and not record.objection_open
    version = record.versions.get(change="corrected")
    assert version.reason == "异议成立：复核后情节认定为一般"
    assert public_page("joint_punishment", 1, 50, None)["total"] == 0
    # Off the list, no measure in bidding; the record itself is still published: 关注.
    assert verdict(subject.subject.code) == "attention"


def test_an_objection_to_a_repair_decision_reopens_the_repair(
    loaded: Any, unit: Any, users: Any, punish: Callable[..., Record]
) -> None:
    subject, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    record = punish(unit, behavior="administrative_penalty", severity="general",
                    decided_on=D(2026, 4, 1), occurred_on=D(2026, 3, 20))
    repair = repairs.apply(subject, record.pk, "已缴清罚款", True, today=D(2026, 8, 3))
    # While the repair is open, the record cannot also be disputed.
    with pytest.raises(DomainError) as caught:
        services.submit(subject, record.pk, "有误")
    assert caught.value.field == "record_id" and repair.query_code in caught.value.msg
    with pytest.raises(DomainError) as caught:
        services.submit(subject, record.pk, "有误", repair_id=repair.pk)
    assert caught.value.field == "repair_id"  # not decided yet
    repair = repairs.workflow.decide(repair.pk, dept, "reject", "未提供缴款凭证", today=D(2026, 8, 4))

    objection = services.submit(subject, record.pk, "缴款凭证已随申请提交", repair_id=repair.pk,
                                today=D(2026, 8, 5))
    assert objection.repair_id == repair.pk
    assert objection.timeline[0]["step"] == "对不予修复决定提出异议"
    assert reload(record).objection_open
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(objection.pk, dept, "upheld", "x", corrections={"severity": "minor"})
    assert caught.value.field == "corrections"
    decided = services.workflow.decide(objection.pk, dept, "upheld", "凭证确已提交，原决定不当",
                              today=D(2026, 8, 6))
    assert decided.remedy == "repair_reopened"
    repair.refresh_from_db()
    assert repair.status == "accepted" and repair.decided_on is None and repair.decision_reason == ""
    assert repair.due_by == D(2026, 8, 20)  # the standard channel's 10 working days, again
    assert repair.timeline[-1]["step"] == "异议成立，重新办理"
    assert "未提供缴款凭证" in repair.timeline[-1]["note"]
    record = reload(record)
    assert record.status == d.PUBLISHED and not record.objection_open  # the record stands
    # The unit decides the repair again, and this time approves it.
    repairs.workflow.decide(repair.pk, dept, "approve", "已履行", today=D(2026, 8, 7))
    assert reload(record).status == d.REPAIRED


def test_repair_objection_refusals(loaded: Any, unit: Any, users: Any,
                                   punish: Callable[..., Record]) -> None:
    subject, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    record = punish(unit, behavior="administrative_penalty", severity="general",
                    decided_on=D(2026, 4, 1), occurred_on=D(2026, 3, 20))
    other = punish(unit, behavior="administrative_penalty", severity="general",
                   decided_on=D(2026, 4, 1), occurred_on=D(2026, 3, 20))
    approved = repairs.apply(subject, other.pk, "已整改", True, today=D(2026, 8, 3))
    repairs.workflow.decide(approved.pk, dept, "approve", "已履行", today=D(2026, 8, 4))
    for record_id, repair_id in [(other.pk, approved.pk), (record.pk, approved.pk)]:
        with pytest.raises(DomainError) as caught:
            services.submit(subject, record_id, "有误", repair_id=repair_id)
        assert caught.value.field == "repair_id"

    # Upheld while a new application is open: the old one cannot be reopened beside it.
    rejected = repairs.apply(subject, record.pk, "已整改", True, today=D(2026, 8, 3))
    repairs.workflow.decide(rejected.pk, dept, "reject", "材料不全", today=D(2026, 8, 4))
    objection = services.submit(subject, record.pk, "材料齐全", repair_id=rejected.pk)
    Objection.objects.filter(pk=objection.pk).update(status="accepted")
    from xinyong.repairs.models import Repair
    Repair.objects.create(
        record=record, subject=record.subject, unit=unit, applicant=subject, query_code="XFTESTOPEN",
        statement="再次申请", commitment=True, channel="standard", policy="p", clause="c",
        submitted_on=D(2026, 8, 5), accept_by=D(2026, 8, 6), due_by=D(2026, 8, 19))
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(objection.pk, dept, "upheld", "原决定不当")
    assert caught.value.status == 409 and "XFTESTOPEN" in caught.value.msg
    assert Objection.objects.get(pk=objection.pk).status == "accepted"
    assert reload(record).objection_open


def test_only_the_source_unit_or_the_office_handles_a_case(
    loaded: Any, unit: Any, other_unit: Any, users: Any, make_user: Any,
    punish: Callable[..., Record]
) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    stranger = make_user("eve", Role.DEPARTMENT, unit=other_unit)
    for user in (stranger, users[Role.SUBJECT], users[Role.INSTITUTION]):
        for call in (lambda u=user: services.workflow.accept(objection.pk, u, True),
                     lambda u=user: services.workflow.decide(objection.pk, u, "upheld", "越权")):
            with pytest.raises(DomainError) as caught:
                call()
            assert caught.value.status == 404
        assert not services.workflow.may_handle(user, objection)
    assert Objection.objects.visible_to(users[Role.SUBJECT]).filter(pk=objection.pk).exists()
    assert not Objection.objects.visible_to(stranger).filter(pk=objection.pk).exists()
    assert list(Objection.objects.visible_to(stranger)) == []
    assert list(Objection.objects.visible_to(users[Role.DEPARTMENT])) == [objection]
    assert list(Objection.objects.visible_to(users[Role.INSTITUTION])) == []
    assert Objection.objects.get(pk=objection.pk).status == "submitted"
    assert reload(record).status == d.PUBLISHED


def test_the_office_takes_a_case_over(loaded: Any, unit: Any, users: Any,
                                      punish: Callable[..., Record]) -> None:
    office, dept = users[Role.OFFICE], users[Role.DEPARTMENT]
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    with pytest.raises(DomainError) as caught:
        services.workflow.take_over(objection.pk, dept, "想接办")
    assert caught.value.status == 403
    with pytest.raises(DomainError) as caught:
        services.workflow.take_over(objection.pk, office, " ")
    assert caught.value.field == "reason"
    taken = services.workflow.take_over(objection.pk, office, "认定单位逾期未受理")
    assert taken.taken_over_by == office and taken.timeline[-1]["step"] == "信用办接办"
    assert not services.workflow.may_handle(dept, taken)
    assert Objection.objects.visible_to(dept).filter(pk=taken.pk).exists()
    with pytest.raises(DomainError) as caught:
        services.workflow.accept(objection.pk, dept, True)
    assert caught.value.status == 409 and "信用办接办" in caught.value.msg
    with pytest.raises(DomainError) as caught:
        services.workflow.take_over(objection.pk, office, "再次")
    assert caught.value.status == 409
    services.workflow.accept(objection.pk, office, True)
    decided = services.workflow.decide(objection.pk, office, "upheld", "信用办核实：平台归集时主体匹配错误")
    assert decided.decided_by == office
    assert reload(record).status == d.WITHDRAWN
    assert decided.timeline[-1]["by"] == "信用办"
    with pytest.raises(DomainError) as caught:
        services.workflow.take_over(objection.pk, office, "办结后")
    assert caught.value.status == 409


def test_a_unit_withdrawing_meanwhile_does_not_break_the_decision(
    loaded: Any, unit: Any, users: Any, punish: Callable[..., Record]
) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    records.withdraw(record, "决定已撤销", actor=users[Role.DEPARTMENT])
    decided = services.workflow.decide(objection.pk, users[Role.DEPARTMENT], "upheld", "确有错误")
    assert decided.status == "upheld" and decided.remedy == "withdrawn"
    record = reload(record)
    assert record.closed_reason == "决定已撤销" and not record.objection_open
    assert record.versions.filter(change="objection_upheld").count() == 0
