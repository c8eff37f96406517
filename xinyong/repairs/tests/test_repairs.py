"""Credit repair: minimum periods by regime, green channel deadlines across holidays,
approval ends publicity, lists and checks at once; concurrency and the auth matrix."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.lib.errors import DomainError
from xinyong.lists.models import Membership
from xinyong.notices.models import Notice
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services
from xinyong.repairs.models import Repair

D = dt.date


def record_for(unit: Any, subject: Any, *, decided_on: dt.date, severity: str = "serious",
               behavior: str = "administrative_penalty", n: int = 1) -> Record:
    return records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=decided_on - dt.timedelta(days=10),
        decided_on=decided_on, decision_no=f"修复测试〔{decided_on.year}〕{n}号", facts="",
        severity=severity), today=max(decided_on, D(2026, 11, 22)))[0]


def on(day: dt.date) -> Any:
    return mock.patch.object(timezone, "localdate", return_value=day)


@pytest.mark.parametrize(
    ("decided_on", "severity", "earliest"),
    [
        (D(2026, 3, 31), "serious", D(2026, 9, 30)),  # 2019 regime: 6 months
        (D(2026, 4, 1), "serious", D(2027, 4, 1)),  # 2025 regime: 1 year
        (D(2026, 3, 31), "general", D(2026, 6, 30)),  # both: 3 months
        (D(2026, 4, 1), "general", D(2026, 7, 1)),
    ],
)
def test_minimum_period_on_both_sides_of_each_regime(
    loaded: Any, unit: Any, users: Any, decided_on: dt.date, severity: str, earliest: dt.date
) -> None:
    subject = users[Role.SUBJECT].subject
    record = record_for(unit, subject, decided_on=decided_on, severity=severity)
    assert record.repairable_from == earliest
    user = users[Role.SUBJECT]
    with pytest.raises(DomainError) as caught:
        services.apply(user, record.pk, "已缴清罚款", True, today=earliest - dt.timedelta(days=1))
    assert caught.value.field == "record_id" and earliest.isoformat() in caught.value.msg
    repair = services.apply(user, record.pk, "已缴清罚款", True, today=earliest)
    assert repair.status == "submitted" and repair.channel == "standard"


def test_api_names_the_earliest_date(loaded: Any, unit: Any, users: Any,
                                     api: Callable[..., Any]) -> None:
    record = record_for(unit, users[Role.SUBJECT].subject, decided_on=D(2026, 10, 1))
    response = api(users[Role.SUBJECT]).post_json(
        "/api/v1/repairs", {"record_id": record.pk, "statement": "已整改", "commitment": True})
    assert response.status_code == 422
    assert "2027-10-01" in response.json()["detail"]


def test_standard_and_green_deadlines_in_working_days(loaded: Any, unit: Any, users: Any
                                                      ) -> None:
    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    # Applied on Tuesday 2026-09-29. The 2026 table: 10-01..10-07 off for National Day,
    # Saturday 10-10 an adjusted working day.
    standard = services.apply(user, record.pk, "已整改", True, today=D(2026, 9, 29))
    # 9-30, 10-8, 10-9, 10-10, 10-12, 10-13, 10-14, 10-15, 10-16, 10-19: ten working days.
    assert standard.due_by == D(2026, 10, 19)
    assert standard.due_by != D(2026, 10, 13)  # what counting weekdays would give
    Repair.objects.filter(pk=standard.pk).update(status="rejected")
    green = services.apply(user, record.pk, "受疫情影响较大", True,
                           green_flags=["epidemic_hit"], today=D(2026, 9, 29))
    assert green.channel == "green" and green.policy == "platform-defaults"
    assert green.accept_by == D(2026, 9, 30)  # 1 working day
    assert green.due_by == D(2026, 10, 12)  # 9-30, 10-8, 10-9, 10-10 (adjusted Saturday), 10-12


def test_refusals(loaded: Any, unit: Any, users: Any, organization: Any) -> None:
    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    with pytest.raises(DomainError, match="信用承诺"):
        services.apply(user, record.pk, "x", False, today=D(2026, 8, 1))
    with pytest.raises(DomainError) as caught:
        services.apply(user, record.pk, "x", True, green_flags=["moon"], today=D(2026, 8, 1))
    assert caught.value.field == "green_flags"
    services.apply(user, record.pk, "x", True, today=D(2026, 8, 1))
    with pytest.raises(DomainError, match="已有正在办理"):
        services.apply(user, record.pk, "y", True, today=D(2026, 8, 2))
    good = record_for(unit, user.subject, decided_on=D(2026, 9, 1), behavior="fz_donation",
                      severity="minor", n=2)
    with pytest.raises(DomainError, match="良好信息"):
        services.apply(user, good.pk, "x", True, today=D(2026, 10, 1))
    expired = record_for(unit, user.subject, decided_on=D(2025, 1, 10), severity="general", n=3)
    with pytest.raises(DomainError, match="无需申请修复"):
        services.apply(user, expired.pk, "x", True, today=D(2026, 11, 22))


def test_subject_cannot_apply_for_anothers_record(loaded: Any, unit: Any, users: Any,
                                                  person: Any, api: Callable[..., Any]) -> None:
    record = record_for(unit, person, decided_on=D(2026, 4, 1), severity="general")
    response = api(users[Role.SUBJECT]).post_json(
        "/api/v1/repairs", {"record_id": record.pk, "statement": "x", "commitment": True})
    assert response.status_code == 404
    assert not Repair.objects.exists()


def test_approval_ends_publicity_lists_and_checks_the_same_day(
    loaded: Any, unit: Any, taicang_unit: Any, users: Any, api: Callable[..., Any], client: Any
) -> None:
    user = users[Role.SUBJECT]
    record = records.submit(taicang_unit, records.Submission(
        subject_kind="organization", subject_name=user.subject.name,
        subject_code=user.subject.code, behavior="tc_wildlife_trade", occurred_on=D(2025, 1, 2),
        decided_on=D(2025, 1, 10), decision_no="太农罚〔2025〕5号", facts="", severity="general",
    ), today=D(2026, 11, 22))[0]
    assert Membership.objects.filter(record=record).exists() is False  # general: no list
    record = records.submit(unit, records.Submission(
        subject_kind="organization", subject_name=user.subject.name,
        subject_code=user.subject.code, behavior="fz_mask_fraud", occurred_on=D(2025, 8, 2),
        decided_on=D(2025, 8, 10), decision_no="榕市监罚〔2025〕6号", facts="",
        severity="serious"), today=D(2026, 11, 22))[0]
    assert record.repairable_from == D(2026, 2, 10)
    office = api(users[Role.OFFICE])
    check = {"scenario": "bidding", "subjects": [user.subject.code]}
    assert office.post_json("/api/v1/checks", check).json()["results"][0]["verdict"] == "restrict"
    assert client.get("/api/v1/lists/key_supervision").json()["total"] == 1
    applied = api(user).post_json("/api/v1/repairs", {
        "record_id": record.pk, "statement": "已停止销售并缴清罚款", "commitment": True,
        "green_flags": ["medical_supplies"]})
    assert applied.status_code == 201, applied.content
    repair = applied.json()
    assert repair["channel"] == "green"
    dept = api(users[Role.DEPARTMENT])
    assert dept.post_json(f"/api/v1/repairs/{repair['id']}/accept", {}).json()["status"] == "accepted"
    decided = dept.post_json(f"/api/v1/repairs/{repair['id']}/decision",
                             {"decision": "approve", "reason": "已履行法定义务并签署承诺"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    # Same day: out of publicity, off the list, no measure in checks; the record is kept.
    assert office.post_json("/api/v1/checks", check).json()["results"][0]["verdict"] == "none"
    assert client.get("/api/v1/lists/key_supervision").json()["total"] == 0
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 404
    kept = office.get(f"/api/v1/records/{record.pk}").json()
    assert kept["status"] == "repaired"
    m = Membership.objects.get(record=record)
    assert m.exit_reason == "repaired"
    # The applicant was told at each step; progress is public by query code, no login.
    titles = list(Notice.objects.filter(user=user).values_list("title", flat=True))
    assert {"信用修复申请已提交", "信用修复申请已受理", "信用修复申请修复通过"} <= set(titles)
    public = client.get(f"/api/v1/repairs/by-code/{repair['query_code']}").json()
    assert public["status"] == "approved" and [s["step"] for s in public["timeline"]] == [
        "提交申请", "受理", "修复通过"]
    again = dept.post_json(f"/api/v1/repairs/{repair['id']}/decision",
                           {"decision": "reject", "reason": "重复"})
    assert again.status_code == 409


def test_only_the_finding_unit_or_office_decides(loaded: Any, unit: Any, users: Any,
                                                 other_unit: Any, make_user: Any,
                                                 api: Callable[..., Any]) -> None:
    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    repair = services.apply(user, record.pk, "x", True, today=D(2026, 8, 1))
    stranger = api(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    url = f"/api/v1/repairs/{repair.pk}/decision"
    body = {"decision": "approve", "reason": "x"}
    assert stranger.post_json(url, body).status_code == 404
    assert api(users[Role.OFFICE]).post_json(url, body).status_code == 200  # office takes over


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_one_wins(unit: Any, users: Any, token_for: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("row locks need a server database; PostgreSQL runs this")
    from conftest import ApiClient
    from xinyong.policies import loader

    loader.load_shipped()
    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    repair = services.apply(user, record.pk, "x", True, today=D(2026, 8, 1))
    tokens = [token_for(users[Role.DEPARTMENT]), token_for(users[Role.OFFICE])]
    statuses: list[int] = []

    def decide(token: str, decision: str) -> None:
        try:
            statuses.append(ApiClient(token).post_json(
                f"/api/v1/repairs/{repair.pk}/decision",
                {"decision": decision, "reason": "并发测试"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(t, d))
               for t, d in zip(tokens * 3, ["approve", "reject"] * 3, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409, 409, 409]
    record.refresh_from_db()
    repair.refresh_from_db()
    assert (repair.status == "approved") == (record.status == "repaired")
    assert record.versions.filter(change="repaired").count() == (1 if repair.status == "approved"
                                                                 else 0)


def test_office_takes_over_through_the_api(loaded: Any, unit: Any, users: Any,
                                           api: Callable[..., Any]) -> None:
    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    repair = services.apply(user, record.pk, "x", True, today=D(2026, 8, 1))
    office, dept = api(users[Role.OFFICE]), api(users[Role.DEPARTMENT])
    url = f"/api/v1/repairs/{repair.pk}"
    assert dept.post_json(f"{url}/take-over", {"reason": "逾期"}).status_code == 403
    taken = office.post_json(f"{url}/take-over", {"reason": "认定单位逾期未办"})
    assert taken.status_code == 200 and taken.json()["taken_over"] is True
    assert taken.json()["timeline"][-1]["step"] == "信用办接办"
    assert office.post_json(f"{url}/take-over", {"reason": "再次"}).status_code == 409
    refused = dept.post_json(f"{url}/decision", {"decision": "approve", "reason": "已履行"})
    assert refused.status_code == 409 and "信用办接办" in refused.json()["detail"]
    assert dept.get(url).json()["status"] == "submitted"  # the unit still reads its case
    assert office.post_json(f"{url}/decision", {"decision": "approve", "reason": "已履行"}).status_code == 200
    assert office.post_json(f"{url}/take-over", {"reason": "已办结"}).status_code == 409


def test_progress_by_code_keeps_a_persons_data_out(loaded: Any, unit: Any, users: Any,
                                                    person: Any, make_user: Any,
                                                    api: Callable[..., Any], client: Any) -> None:
    from conftest import PERSON_CODE

    applicant = make_user("zhang", Role.SUBJECT, subject=person)
    record = record_for(unit, person, decided_on=D(2026, 4, 1), severity="general")
    repair = services.apply(applicant, record.pk, "已缴清罚款", True, today=D(2026, 8, 1))
    reason = f"张三（{PERSON_CODE}）已缴清罚款"
    decided = api(users[Role.DEPARTMENT]).post_json(
        f"/api/v1/repairs/{repair.pk}/decision", {"decision": "approve", "reason": reason})
    assert decided.status_code == 200
    # Stored with the number masked (never kept in plain text); the parties see the name.
    assert decided.json()["timeline"][-1]["note"] == "张三（110105********002X）已缴清罚款"
    public = client.get(f"/api/v1/repairs/by-code/{repair.query_code}")
    assert public.status_code == 200
    typed = f"{repair.query_code[:7].lower()}-{repair.query_code[7:]}"  # as typed from paper
    assert client.get(f"/api/v1/repairs/by-code/{typed}").json() == public.json()
    note = public.json()["timeline"][-1]["note"]
    assert PERSON_CODE not in public.text and "张三" not in public.text
    # One public timeline policy: the steps and the platform's own text, never free text.
    assert note == "" and "已缴清罚款" not in public.text
    assert "个工作日内受理" in public.json()["timeline"][0]["note"]


def test_the_application_signs_the_repair_letter(loaded: Any, unit: Any, users: Any,
                                                 api: Callable[..., Any]) -> None:
    """The 信用承诺书 of a repair is a commitment like any other: the platform-defaults
    letter, filled in with the record, numbered, its PDF kept, on the credit file."""
    from xinyong.commitments.models import Commitment

    user = users[Role.SUBJECT]
    record = record_for(unit, user.subject, decided_on=D(2026, 4, 1), severity="general")
    repair = services.apply(user, record.pk, "已整改", True, today=D(2026, 9, 29))
    letter = Commitment.objects.get(repair=repair)
    assert repair.signed_commitment_id == letter.pk
    assert (letter.template, letter.kind, letter.policy) == ("credit_repair", "repair", "platform-defaults")
    assert letter.subject_id == user.subject_id and letter.signed_by == user
    assert f"申请修复“{record.decision_no}（" in letter.text and letter.number
    assert letter.pdf.read(4) == b"%PDF"
    assert letter.proof_checks_out()
    # One notice (the application's), not one more for the letter.
    assert Notice.objects.filter(user=user).count() == 1
    shown = api(user).get(f"/api/v1/subjects/{user.subject_id}").json()["commitments"]
    assert [c["number"] for c in shown] == [letter.number]
    # A refused application leaves no letter behind.
    with pytest.raises(DomainError):
        services.apply(user, record.pk, "再次申请", True, today=D(2026, 9, 29))
    assert Commitment.objects.filter(subject_id=user.subject_id).count() == 1
