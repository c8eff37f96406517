"""One answer at any date: when a pack lapses, the memberships its rules created end that
day (政策失效), so lists and checks agree; the office can correct the recorded event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.lib.errors import DomainError
from xinyong.lists.models import Membership
from xinyong.policies import events
from xinyong.policies.models import PolicyEvent

EVENT = "jiangsu_epidemic_response_end"
CODE = "91320585MA1N000039"


def today() -> dt.date:
    return timezone.localdate()


def body(days_ago: int = 30, occurred_days_ago: int | None = None, **changes: Any) -> dict[str, Any]:
    decided = today() - dt.timedelta(days=days_ago)
    occurred = today() - dt.timedelta(days=occurred_days_ago or days_ago + 5)
    data: dict[str, Any] = {
        "subject": {"kind": "organization", "name": "太仓娄江纺织进出口有限公司", "code": CODE},
        "behavior": "tc_wildlife_trade", "occurred_on": occurred.isoformat(),
        "decided_on": decided.isoformat(), "decision_no": "太农罚〔2026〕4号",
        "facts": "非法收购、出售野生动物", "severity": "serious",
    }
    return {**data, **changes}


@pytest.fixture
def dept(loaded: Any, taicang_unit: Unit, make_user: Callable[..., User],
         api: Callable[..., Any]) -> Any:
    return api(make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit))


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


def on_list(client: Any) -> int:
    return client.get("/api/v1/lists/joint_punishment").json()["total"]  # type: ignore[no-any-return]


def measures(dept: Any, as_of: dt.date | None = None) -> list[str]:
    payload: dict[str, Any] = {"scenario": "government_procurement", "subjects": [CODE]}
    if as_of:
        payload["as_of"] = as_of.isoformat()
    result = dept.post_json("/api/v1/checks", payload).json()["results"][0]
    return [m["code"] for m in result["measures"]]


def test_lists_and_checks_agree_the_day_after_a_lapse(dept: Any, office: User, client: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    assert on_list(client) == 1 and measures(dept) == ["tc_joint_punishment"]
    ended = today() - dt.timedelta(days=5)
    events.record_event(EVENT, ended, actor=office)
    # What was seen: every check answered none while the list still named the subject.
    assert on_list(client) == 0
    assert measures(dept) == []
    membership = Membership.objects.get(record_id=record["id"])
    assert (membership.ended_on, membership.exit_reason) == (ended, "policy_lapsed")
    assert membership.get_exit_reason_display() == "政策失效"
    assert "江苏省新冠肺炎疫情防控应急响应结束" in membership.exit_note
    # Before the end, the answer for that day is what it was.
    day_before = ended - dt.timedelta(days=1)
    assert measures(dept, day_before) == ["tc_joint_punishment"]
    assert Membership.objects.active_on(day_before).count() == 1
    # The record keeps the publicity the national periods give it.
    assert client.get(f"/api/v1/records/{record['id']}").json()["status"] == "published"


def test_a_finding_reported_after_the_lapse_never_lists(dept: Any, office: User, client: Any) -> None:
    events.record_event(EVENT, today() - dt.timedelta(days=20), actor=office)
    record = dept.post_json("/api/v1/records", body(days_ago=10, occurred_days_ago=40)).json()
    assert record["status"] == "published"
    membership = Membership.objects.get(record_id=record["id"])
    assert membership.exit_reason == "policy_lapsed"
    assert membership.ended_on is not None and membership.ended_on <= membership.since
    assert on_list(client) == 0


def test_the_office_corrects_or_withdraws_the_event(dept: Any, office: User, client: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    events.record_event(EVENT, today() - dt.timedelta(days=20), actor=office)
    with pytest.raises(DomainError, match="已记录"):
        events.record_event(EVENT, today() - dt.timedelta(days=2), actor=office)
    with pytest.raises(DomainError, match="说明原因"):
        events.correct_event(EVENT, today() - dt.timedelta(days=2), "  ", actor=office)
    later = today() - dt.timedelta(days=2)
    events.correct_event(EVENT, later, "省政府通告日期录入错误", actor=office)
    membership = Membership.objects.get(record_id=record["id"])
    assert (membership.ended_on, membership.exit_reason) == (later, "policy_lapsed")
    audit = AuditEvent.objects.get(action="policy.event_correct")
    assert audit.detail["before"] == (today() - dt.timedelta(days=20)).isoformat()
    assert audit.detail["after"] == later.isoformat() and audit.actor == office
    events.correct_event(EVENT, None, "应急响应尚未结束，误记", actor=office)
    assert not PolicyEvent.objects.exists()
    membership = Membership.objects.get(record_id=record["id"])  # rebuilt from its record
    assert (membership.ended_on, membership.exit_reason) == (None, "")
    assert on_list(client) == 1 and measures(dept) == ["tc_joint_punishment"]


def test_a_lapse_does_not_hide_an_earlier_exit(dept: Any, office: User) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    dept.post_json(f"/api/v1/records/{record['id']}/withdraw", {"reason": "处罚决定已撤销"})
    events.record_event(EVENT, today() + dt.timedelta(days=1), actor=office)
    events.correct_event(EVENT, today() - dt.timedelta(days=3), "日期更正", actor=office)
    membership = Membership.objects.get(record_id=record["id"])
    assert membership.exit_reason == "policy_lapsed"  # the lapse came first
    events.correct_event(EVENT, today() + dt.timedelta(days=5), "日期再更正", actor=office)
    membership = Membership.objects.get(record_id=record["id"])  # rebuilt from its record
    assert (membership.ended_on, membership.exit_reason) == (today(), "withdrawn")


def test_event_correction_from_the_command_line(dept: Any, office: User) -> None:
    events.record_event(EVENT, today() - dt.timedelta(days=20), actor=office)
    with pytest.raises(CommandError, match="说明原因"):
        call_command("policy", "event", EVENT, "--on", today().isoformat(), "--correct")
    out = StringIO()
    call_command("policy", "event", EVENT, "--on", today().isoformat(), "--correct",
                 "--reason", "日期更正", stdout=out)
    assert out.getvalue().strip() == f"corrected {EVENT} to {today().isoformat()}"
    call_command("policy", "event", EVENT, "--withdraw", "--reason", "误记", stdout=out)
    assert not PolicyEvent.objects.exists()


def test_event_correction_page(dept: Any, office: User, web: Callable[..., Any]) -> None:
    events.record_event(EVENT, today() - dt.timedelta(days=20), actor=office)
    client = web(office)
    assert 'data-testid="event-correct"' in client.get("/policies/").content.decode()
    refused = client.post("/policies/events/correct/", {"code": EVENT, "reason": "更正"},
                          follow=True).content.decode()
    assert "请填写更正后的日期" in refused
    done = client.post("/policies/events/correct/", {
        "code": EVENT, "occurred_on": today().isoformat(), "reason": "更正"}, follow=True)
    assert "已更正" in done.content.decode()
    assert PolicyEvent.objects.get().occurred_on == today()
    assert web(dept_user := User.objects.get(username="tc_reporter")).post(
        "/policies/events/correct/", {"code": EVENT, "withdraw": "on", "reason": "x"}
    ).status_code == 403, dept_user


def test_the_office_home_warns_of_packs_awaiting_their_end_event(
        loaded: Any, office: User, web: Callable[..., Any]) -> None:
    client = web(office)
    page = client.get("/").content.decode()
    assert 'data-testid="awaiting-events"' in page
    assert "太信用办〔2020〕1号" in page and "榕发改信用〔2020〕4号" in page
    events.record_event(EVENT, today(), actor=office)
    page = client.get("/").content.decode()
    assert "太信用办〔2020〕1号" not in page.split('data-testid="awaiting-events"')[1].split("</div>")[0]
    assert "榕发改信用〔2020〕4号" in page
