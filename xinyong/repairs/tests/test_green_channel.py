"""The green repair channel (信用修复绿色通道) comes from the record and the packs; an
applicant's own claim is checked by the officer, who confirms it or moves the case to the
standard channel with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services
from xinyong.repairs.models import Repair

D = dt.date
APPLY_ON = D(2026, 11, 23)  # a Monday
DECIDED = D(2026, 4, 1)


def record_for(unit: Unit, user: User, behavior: str = "administrative_penalty", *,
               force_majeure: bool = False, epidemic_duty: bool = False, n: int = 1,
               severity: str = "general", decided: dt.date = DECIDED) -> Record:
    subject = user.subject
    assert subject is not None
    return records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=decided - dt.timedelta(days=10), decided_on=decided,
        decision_no=f"绿色通道测试〔2026〕{n}号", facts="", severity=severity,
        force_majeure=force_majeure, epidemic_duty=epidemic_duty), today=APPLY_ON)[0]


@pytest.fixture
def applicant(users: dict[str, User]) -> User:
    return users[Role.SUBJECT]


def test_a_force_majeure_record_is_green_without_any_box_ticked(
        loaded: Any, unit: Unit, applicant: User) -> None:
    # What was seen: standard unless the applicant ticked a box.
    record = record_for(unit, applicant, force_majeure=True)
    assert record.status == "published"  # a 马尾 penalty: 太仓 9 does not exempt it
    repair = services.apply(applicant, record.pk, "已履行合同义务", True, today=APPLY_ON)
    assert (repair.channel, repair.channel_basis, repair.claim_status) == ("green", "record", "")
    assert "疫情不可抗力" in repair.channel_note
    assert repair.due_by == workdays.add_workdays(APPLY_ON, 5)


def test_a_behaviour_of_an_epidemic_notice_is_green(
        loaded: Any, unit: Unit, applicant: User, api: Callable[..., Any]) -> None:
    # 福州 二.6 (情节比较严重), decided under the 2019 regime: repairable after 6 months.
    record = record_for(unit, applicant, "fz_market_disruption", severity="serious",
                        decided=D(2026, 3, 2))
    assert record.status == "published"
    response = api(applicant).post_json("/api/v1/repairs", {
        "record_id": record.pk, "statement": "已退还多收价款", "commitment": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["channel_basis"]) == ("green", "record")
    assert "榕发改信用〔2020〕4号" in body["channel_note"]


def test_a_plain_penalty_without_claim_is_standard(loaded: Any, unit: Unit, applicant: User) -> None:
    repair = services.apply(applicant, record_for(unit, applicant).pk, "已缴清罚款", True,
                            today=APPLY_ON)
    assert (repair.channel, repair.channel_basis, repair.claim_status) == ("standard", "", "")


def test_a_claim_is_checked_and_moved_to_standard_with_a_reason(
        loaded: Any, unit: Unit, applicant: User, users: dict[str, User],
        api: Callable[..., Any], client: Any) -> None:
    record = record_for(unit, applicant)
    repair = services.apply(applicant, record.pk, "已缴清罚款", True,
                            green_flags=["medical_supplies"], today=APPLY_ON)
    assert (repair.channel, repair.channel_basis, repair.claim_status) == ("green", "claim", "pending")
    green_due = repair.due_by
    dept = api(users[Role.DEPARTMENT])
    url = f"/api/v1/repairs/{repair.pk}/channel"
    assert api(applicant).post_json(url, {"decision": "standard", "reason": "x"}).status_code == 403
    missing = dept.post_json(url, {"decision": "standard"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["reason"]
    moved = dept.post_json(url, {"decision": "standard", "reason": "企业主营服装零售，不属医疗保障企业"})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["channel"], body["claim_status"]) == ("standard", "moved")
    assert body["due_by"] == workdays.add_workdays(APPLY_ON, 10).isoformat() != green_due.isoformat()
    assert body["timeline"][-1]["step"] == "转入标准渠道"
    assert "不属医疗保障企业" in body["timeline"][-1]["note"]
    assert AuditEvent.objects.filter(action="repair.channel").exists()
    assert Notice.objects.filter(user=applicant, title="信用修复申请转入标准渠道").exists()
    again = dept.post_json(url, {"decision": "confirm"})
    assert again.status_code == 409
    public = client.get(f"/api/v1/repairs/by-code/{repair.query_code}").json()
    assert (public["channel"], public["claim_status"]) == ("standard", "moved")


def test_a_confirmed_claim_keeps_the_green_channel(
        loaded: Any, unit: Unit, applicant: User, users: dict[str, User],
        web: Callable[..., Any]) -> None:
    record = record_for(unit, applicant)
    repair = services.apply(applicant, record.pk, "已缴清罚款", True,
                            green_flags=["epidemic_hit"], today=APPLY_ON)
    page = web(users[Role.DEPARTMENT])
    assert 'data-testid="channel-form"' in page.get(f"/repairs/{repair.pk}/").content.decode()
    refused = page.post(f"/repairs/{repair.pk}/", {"action": "channel", "channel-decision": "standard"})
    assert refused.status_code == 422 and "转入标准渠道须说明理由" in refused.content.decode()
    page.post(f"/repairs/{repair.pk}/", {"action": "channel", "channel-decision": "confirm"})
    repair = Repair.objects.get(pk=repair.pk)
    assert (repair.channel, repair.claim_status) == ("green", "confirmed")


def test_a_record_based_green_case_has_nothing_to_check(
        loaded: Any, unit: Unit, applicant: User, users: dict[str, User]) -> None:
    record = record_for(unit, applicant, epidemic_duty=True)
    repair = services.apply(applicant, record.pk, "已补交货物", True,
                            green_flags=["medical_supplies"], today=APPLY_ON)
    assert repair.channel_basis == "record"  # the record comes first; no claim to check
    with pytest.raises(DomainError, match="无需核实"):
        services.review_claim(repair.pk, users[Role.DEPARTMENT], "standard", "x")


def test_the_apply_form_says_when_the_record_opens_the_green_channel(
        loaded: Any, unit: Unit, applicant: User, web: Callable[..., Any]) -> None:
    green = record_for(unit, applicant, force_majeure=True)
    plain = record_for(unit, applicant, n=2)
    client = web(applicant)
    page = client.get(f"/repairs/apply/{green.pk}/").content.decode()
    assert 'data-testid="record-green"' in page and 'data-field="green_flags"' not in page
    page = client.get(f"/repairs/apply/{plain.pk}/").content.decode()
    assert 'data-testid="record-green"' not in page and "待核实" in page
