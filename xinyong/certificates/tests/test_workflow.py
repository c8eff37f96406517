"""The application as a case: applied, accepted, issued with a signed PDF, or refused with
a reason; only exporters, only while a pack in force offers the service; the office issues
unless the rules name a member unit; the time limits in working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.casework import choices as c
from xinyong.certificates import choices, services
from xinyong.certificates.models import Certificate
from xinyong.certificates.tests.conftest import SUBMITTED
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.policies import events

D = dt.date


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_applied_accepted_and_issued(apply: Callable[..., Certificate], office: User,
                                     exporter: User) -> None:
    cert = apply()
    assert cert.query_code.startswith("BK") and cert.status == c.SUBMITTED
    assert cert.unit is None and cert.unit_name == "信用办"  # the office handles it
    assert (cert.policy, cert.clause) == ("platform-defaults", "不可抗力证明")
    assert (cert.service_policy, cert.service_clause) == ("taicang-2020-1", "8")
    # 1 working day to accept, then 2 to issue (as if accepted on the last day until then).
    assert cert.accept_by == workdays.add_workdays(SUBMITTED, 1)
    assert cert.due_by == workdays.add_workdays(cert.accept_by, 2)
    assert not cert.is_issued and cert.number is None
    accepted = services.workflow.accept(cert.pk, office, today=D(2026, 8, 4))
    assert accepted.status == c.ACCEPTED and accepted.due_by == workdays.add_workdays(D(2026, 8, 4), 2)
    done: Any = services.workflow.decide(cert.pk, office, "issue", "材料属实", today=D(2026, 8, 5))
    assert done.status == choices.ISSUED and done.status_label == "已出具"
    assert done.is_issued and len(done.number) == 22 and done.proof_checks_out()
    assert done.subject_name == exporter.subject.name and done.pdf_size > 0
    assert done.pdf.read().startswith(b"%PDF")
    stored = Certificate.objects.get(pk=cert.pk)
    assert stored.number == done.number and services.is_valid(stored)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"certificate.submit", "certificate.accept", "certificate.decide"} <= actions
    notice = Notice.objects.filter(user=exporter).order_by("-id").first()
    assert notice is not None and done.number in notice.title
    again = refused(lambda: services.workflow.decide(cert.pk, office, "issue", "再出具一次"))
    assert again.status == 409


def test_refused_with_a_reason(apply: Callable[..., Certificate], office: User) -> None:
    cert = apply()
    assert refused(lambda: services.workflow.decide(cert.pk, office, "refuse", " ")).field == "reason"
    done: Any = services.workflow.decide(cert.pk, office, "refuse", "所附运输取消通知与合同货物不符",
                                         today=D(2026, 8, 4))
    assert done.status == choices.NOT_ISSUED and done.status_label == "不予出具"
    assert done.decision_reason == "所附运输取消通知与合同货物不符"
    assert not done.is_issued and done.number is None and not done.pdf
    # 不予受理 stays the shared step, with its own code.
    other = apply(contract_no="TC-EX-2020-018")
    closed = services.workflow.accept(other.pk, office, False, "非出口合同")
    assert closed.status == c.REFUSED and closed.status_label == "不予受理"


def test_the_service_is_refused_once_no_pack_offers_it(apply: Callable[..., Certificate],
                                                       office: User) -> None:
    pending = apply()
    # 太仓's notice ends with the end of Jiangsu's epidemic emergency response.
    events.record_event("jiangsu_epidemic_response_end", D(2026, 8, 4))
    assert services.offered(D(2026, 8, 3)) is not None and services.offered(D(2026, 8, 4)) is None
    error = refused(lambda: apply(contract_no="TC-EX-2020-019", day=D(2026, 8, 5)))
    assert error.field == "service" and "不提供不可抗力事实性证明" in error.msg
    assert "太信用办〔2020〕1号 8" in error.msg  # the pack that offered it, named
    # An application made while it was offered can no longer be issued, only refused.
    late = refused(lambda: services.workflow.decide(pending.pk, office, "issue", "属实",
                                                    today=D(2026, 8, 5)))
    assert late.field == "decision" and not Certificate.objects.get(pk=pending.pk).is_issued
    done = services.workflow.decide(pending.pk, office, "refuse", "服务已停止", today=D(2026, 8, 5))
    assert done.status == choices.NOT_ISSUED


def test_only_exporters_apply(apply: Callable[..., Certificate], person_user: User,
                              users: dict[str, User]) -> None:
    assert refused(lambda: apply(user=person_user)).field == "subject"
    assert refused(lambda: apply(user=users[Role.DEPARTMENT])).status == 403


def test_the_facts_are_required_and_one_open_application_per_contract(
        apply: Callable[..., Certificate]) -> None:
    assert refused(lambda: apply(facts="  ")).field == "facts"
    assert refused(lambda: apply(contract_no="")).field == "contract_no"
    assert refused(lambda: apply(contract_date=D(2030, 1, 1))).field == "contract_date"
    first = apply(facts="事实 110105194912310021 经过")
    assert "110105194912310021" not in first.facts  # an ID number typed in is masked
    busy = refused(lambda: apply())
    assert busy.field == "contract_no" and first.query_code in busy.msg


def test_a_unit_the_rules_name_issues_and_the_office_may_take_over(
        apply: Callable[..., Certificate], office: User, unit: Unit, users: dict[str, User],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.rules_for

    def named(day: dt.date) -> Any:
        entry, rules = real(day)
        return entry, rules.model_copy(update={"unit": unit.code})

    monkeypatch.setattr(services, "rules_for", named)
    cert = apply()
    assert cert.unit == unit and cert.unit_name == unit.name
    dept = users[Role.DEPARTMENT]
    assert services.workflow.may_handle(dept, cert)
    taken = services.workflow.take_over(cert.pk, office, "逾期未办")
    assert taken.handling_unit == "信用办"
    done: Any = services.workflow.decide(cert.pk, office, "issue", "属实")
    assert done.is_issued


def test_statistics(apply: Callable[..., Certificate], office: User) -> None:
    one, two, three = (apply(contract_no=f"C-{n}") for n in range(3))
    apply(contract_no="C-open")
    services.workflow.decide(one.pk, office, "issue", "属实", today=D(2026, 8, 3))
    services.workflow.decide(two.pk, office, "issue", "属实", today=D(2026, 8, 6))
    services.workflow.decide(three.pk, office, "refuse", "不属实", today=D(2026, 8, 4))
    found = services.stats(Certificate.objects.all())
    assert (found["applied"], found["issued"], found["not_issued"], found["open"]) == (4, 2, 1, 1)
    assert (found["median_days"], found["max_days"]) == (1.5, 3)
