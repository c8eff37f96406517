"""Memberships follow their records; the public list API shows only what is published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.accounts.models import Unit
from xinyong.lists.models import Membership
from xinyong.records import services

D = dt.date
TODAY = D(2026, 11, 22)


@pytest.fixture
def unit(taicang_unit: Unit) -> Unit:
    """These cases are 太仓's findings and lists: the reporting unit is a 太仓 unit."""
    return taicang_unit



def submit(unit: Any, **kw: Any) -> Any:
    base: dict[str, Any] = dict(
        subject_kind="organization", subject_name="太仓娄江纺织进出口有限公司",
        subject_code="91320585MA1N000039", behavior="tc_wildlife_trade",
        occurred_on=D(2026, 9, 1), decided_on=D(2026, 9, 10), decision_no="太农罚〔2026〕1号",
        facts="非法收购野生动物", severity="serious")
    base.update(kw)
    return services.submit(unit, services.Submission(**base), today=TODAY)[0]


def test_record_creates_membership_with_basis(loaded: Any, unit: Any) -> None:
    record = submit(unit)
    m = Membership.objects.get(record=record)
    assert (m.list_code, m.policy, m.clause) == ("joint_punishment", "taicang-2020-1", "10")
    assert m.doc_number == "太信用办〔2020〕1号" and m.public
    assert (m.since, m.until) == (D(2026, 9, 10), D(2029, 9, 9))


def test_active_before_during_after(loaded: Any, unit: Any) -> None:
    record = submit(unit)
    active = Membership.objects.filter(record=record)
    assert not active.active_on(D(2026, 9, 9)).exists()
    assert active.active_on(D(2026, 9, 10)).exists()
    assert active.active_on(D(2029, 9, 9)).exists()
    assert not active.active_on(D(2029, 9, 10)).exists()
    assert active.get().exit_on(D(2029, 9, 10)) == "expired"


def test_withdrawn_record_takes_its_membership_with_it(loaded: Any, unit: Any) -> None:
    record = submit(unit)
    services.withdraw(record, "决定被复议撤销", actor=None, today=D(2026, 11, 1))
    m = Membership.objects.get(record=record)
    assert (m.ended_on, m.exit_reason) == (D(2026, 11, 1), "withdrawn")
    assert Membership.objects.active_on(D(2026, 10, 31)).filter(pk=m.pk).exists()
    assert not Membership.objects.active_on(D(2026, 11, 1)).filter(pk=m.pk).exists()


def test_the_exit_reason_comes_from_the_record_not_from_its_reason_text(loaded: Any, unit: Any) -> None:
    """A unit's own withdrawal whose reason happens to begin "异议成立" is a withdrawal."""
    record = submit(unit)
    services.withdraw(record, "异议成立的说法不实，但决定已被复议撤销", actor=None, today=D(2026, 11, 1))
    record.refresh_from_db()
    assert record.closed_cause == "withdrawn"
    assert Membership.objects.get(record=record).exit_reason == "withdrawn"
    other = submit(unit, decision_no="太农罚〔2026〕2号")
    services.withdraw(other, "经核实有误", actor=None, change="objection_upheld", today=D(2026, 11, 2))
    assert Membership.objects.get(record=other).exit_reason == "objection_upheld"


def test_correction_below_threshold_removes_membership(loaded: Any, unit: Any) -> None:
    record = submit(unit)
    services.correct(record, {"severity": "general"}, "情节认定有误", actor=None, today=TODAY)
    assert not Membership.objects.filter(record=record).exists()


def test_exempted_record_enters_no_list(loaded: Any, unit: Any) -> None:
    record = submit(unit, behavior="tc_contract_default", severity="general",
                    force_majeure=True, decision_no="太法〔2026〕2号")
    assert record.status == "exempted"
    assert not Membership.objects.filter(record=record).exists()


def test_public_list_api(loaded: Any, unit: Any, client: Any) -> None:
    submit(unit)
    submit(unit, subject_kind="person", subject_name="李四", subject_code="11010519491231002X",
           behavior="tc_epidemic_false_advertising", decision_no="太市监罚〔2026〕3号")
    submit(unit, subject_name="未公示公司", subject_code="91350100M000100Y43",
           decision_no="太农罚〔2026〕4号", decided_on=D(2026, 9, 1))
    body = client.get("/api/v1/lists/joint_punishment?page_size=2").json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["name"] == "联合惩戒对象名单"
    everything = client.get("/api/v1/lists/joint_punishment").json()["items"]
    person = next(i for i in everything if i["subject_name"] == "李四")
    assert person["code_masked"] == "110105********002X"
    assert "11010519491231002X" not in str(everything)
    assert person["basis"].startswith("太信用办〔2020〕1号 第10条")
    found = client.get("/api/v1/lists/joint_punishment?q=娄江").json()
    assert found["total"] == 1


def test_withdrawn_not_on_public_list(loaded: Any, unit: Any, client: Any) -> None:
    record = submit(unit)
    services.withdraw(record, "撤销", actor=None)
    assert client.get("/api/v1/lists/joint_punishment").json()["total"] == 0


@pytest.mark.parametrize("code", ["watch", "no_such_list"])
def test_non_public_or_unknown_list_is_404(loaded: Any, client: Any, code: str) -> None:
    response = client.get(f"/api/v1/lists/{code}")
    assert response.status_code == 404 and code in response.json()["detail"]
