"""整改完成 for watch-list records (太仓 3): the department records the rectification, the
subject leaves the 重点关注名单 with that reason, the record stays published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.lists.models import Membership

TODAY = timezone.localdate


def body(**changes: Any) -> dict[str, Any]:
    decided = TODAY() - dt.timedelta(days=30)
    data: dict[str, Any] = {
        "subject": {"kind": "organization", "name": "太仓娄江纺织进出口有限公司",
                    "code": "91320585MA1N000039"},
        "behavior": "tc_work_resumption_not_as_required",
        "occurred_on": (decided - dt.timedelta(days=3)).isoformat(),
        "decided_on": decided.isoformat(), "decision_no": "太工信责改〔2026〕3号",
        "facts": "未按复工复产方案落实防控措施", "severity": "general",
    }
    return {**data, **changes}


@pytest.fixture
def reporter(loaded: Any, taicang_unit: Unit, make_user: Callable[..., User]) -> User:
    return make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit)


@pytest.fixture
def dept(reporter: User, api: Callable[..., Any]) -> Any:
    return api(reporter)


def check(client: Any, scenario: str = "inspection") -> dict[str, Any]:
    response = client.post_json("/api/v1/checks", {"scenario": scenario,
                                                   "subjects": ["91320585MA1N000039"]})
    assert response.status_code == 200, response.content
    return response.json()["results"][0]  # type: ignore[no-any-return]


def test_watch_list_entry_ends_by_rectification(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    assert record["status"] == "published" and record["lists"] == ["watch"]
    assert "tc_differentiated_supervision" in [m["code"] for m in check(dept)["measures"]]
    done_on = TODAY() - dt.timedelta(days=2)
    # What was seen: 422 because the record is not deferred.
    response = dept.post_json(f"/api/v1/records/{record['id']}/rectified", {
        "rectified_on": done_on.isoformat(), "note": "复查合格，复查意见书 太工信复〔2026〕3号"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "published"  # the finding itself keeps its publicity
    assert data["rectified_on"] == done_on.isoformat()
    membership = Membership.objects.get(record_id=record["id"], list_code="watch")
    assert (membership.ended_on, membership.exit_reason) == (done_on, "rectified")
    assert membership.get_exit_reason_display() == "整改完成"
    assert "复查意见书" in membership.exit_note
    assert "tc_differentiated_supervision" not in [m["code"] for m in check(dept)["measures"]]
    assert AuditEvent.objects.filter(action="record.rectified", object_id=str(record["id"])).exists()


def test_rectification_needs_a_note_and_happens_once(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    url = f"/api/v1/records/{record['id']}/rectified"
    missing = dept.post_json(url, {"rectified_on": TODAY().isoformat()})
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["note"]
    early = dept.post_json(url, {"rectified_on": "2020-01-01", "note": "已整改"})
    assert early.status_code == 422 and early.json()["errors"][0]["loc"] == ["rectified_on"]
    assert dept.post_json(url, {"note": "已整改"}).status_code == 200
    again = dept.post_json(url, {"note": "再次整改"})
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["rectified_on"]


def test_a_record_on_no_rectifiable_list_is_refused(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body(
        behavior="tc_price_gouging", decision_no="太市监罚〔2026〕9号")).json()
    assert record["status"] == "published"
    response = dept.post_json(f"/api/v1/records/{record['id']}/rectified", {"note": "已整改"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["status"]
    assert "重点关注名单" in response.json()["errors"][0]["msg"]


def test_a_correction_keeps_the_rectified_exit(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    dept.post_json(f"/api/v1/records/{record['id']}/rectified", {"note": "已整改"})
    dept.post_json(f"/api/v1/records/{record['id']}/correct",
                   {"reason": "事实补充", "facts": "未按复工复产方案落实防控措施，已责令整改"})
    membership = Membership.objects.get(record_id=record["id"], list_code="watch")
    assert (membership.ended_on, membership.exit_reason) == (TODAY(), "rectified")


def test_the_record_page_offers_rectification_to_the_unit(
        dept: Any, reporter: User, web: Callable[..., Any]) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    client = web(reporter)
    page = client.get(f"/records/{record['id']}/").content.decode()
    assert "登记整改完成" in page and "重点关注名单" in page
    refused = client.post(f"/records/{record['id']}/", {
        "action": "rectified", "rectified-rectified_on": TODAY().isoformat(),
        "rectified-note": ""})
    assert refused.status_code == 422 and "请说明整改情况" in refused.content.decode()
    done = client.post(f"/records/{record['id']}/", {
        "action": "rectified", "rectified-rectified_on": TODAY().isoformat(),
        "rectified-note": "复查合格"}, follow=True)
    assert "已登记整改完成" in done.content.decode()
    assert Membership.objects.get(record_id=record["id"]).exit_reason == "rectified"
