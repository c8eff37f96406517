"""POST /records, GET /records/{id}, rectified, correct, withdraw; idempotency under concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from xinyong.accounts.models import Role
from xinyong.records.models import Record, RecordVersion

BODY: dict[str, Any] = {
    "subject": {"kind": "organization", "name": "太仓娄江纺织进出口有限公司",
                "code": "91320585MA1N000039"},
    "behavior": "tc_order_unfulfilled", "occurred_on": "2026-10-08", "decided_on": "2026-10-20",
    "decision_no": "太市监罚〔2020〕8号", "facts": "受疫情影响订单无法按期交付",
    "severity": "general", "circumstances": {"force_majeure": True, "epidemic_duty": False},
    "rectify_by": "2026-12-31", "external_id": "TC-2026-0008",
}


def body(**changes: Any) -> dict[str, Any]:
    data = {**BODY, **changes}
    return data


@pytest.fixture
def unit(taicang_unit: Any) -> Any:
    """The records here are 太仓 cases: the reporting unit (and `users`' department user)
    is a 太仓 unit."""
    return taicang_unit


@pytest.fixture
def dept(loaded: Any, users: dict[str, Any], api: Callable[..., Any]) -> Any:
    return api(users[Role.DEPARTMENT])


def test_submit_returns_contract_fields(dept: Any) -> None:
    response = dept.post_json("/api/v1/records", body(rectify_by=None, circumstances={}))
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) >= {"id", "subject_id", "status", "publicity", "lists", "trace"}
    assert data["status"] == "published"
    assert data["publicity"] == {"starts_on": "2026-10-20", "repairable_from": "2027-01-20",
                                 "ends_on": "2027-10-19"}
    assert data["trace"][0] == {"policy": "taicang-2020-1", "doc_number": "太信用办〔2020〕1号",
                                "clause": "8", "rule": "behavior:tc_order_unfulfilled",
                                "effect": data["trace"][0]["effect"]}


def test_replay_returns_the_same_record(dept: Any) -> None:
    first = dept.post_json("/api/v1/records", body())
    second = dept.post_json("/api/v1/records", body())
    by_decision = dept.post_json("/api/v1/records", body(external_id="OTHER-ID"))
    assert (first.status_code, second.status_code, by_decision.status_code) == (201, 200, 200)
    assert first.json()["id"] == second.json()["id"] == by_decision.json()["id"]
    assert Record.objects.count() == 1


def test_deferred_then_rectified_is_never_published(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    assert record["status"] == "deferred"
    response = dept.post_json(f"/api/v1/records/{record['id']}/rectified",
                              {"rectified_on": "2026-11-20"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rectified" and response.json()["publicity"] is None
    again = dept.post_json(f"/api/v1/records/{record['id']}/rectified", {})
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["status"]


def test_rectified_too_late_is_refused(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body(rectify_by="2026-11-01")).json()
    response = dept.post_json(f"/api/v1/records/{record['id']}/rectified",
                              {"rectified_on": "2026-11-05"})
    assert response.status_code == 422
    assert "2026-11-02" in response.json()["errors"][0]["msg"]


def test_lapsed_deferral_is_published_even_if_the_task_never_ran(dept: Any, client: Any) -> None:
    record = dept.post_json("/api/v1/records", body(rectify_by="2026-11-10")).json()
    stored = Record.objects.get(pk=record["id"])
    assert stored.status == "deferred"  # the daily task has not run
    data = dept.get(f"/api/v1/records/{record['id']}").json()
    assert data["status"] == "published"  # by the dates, on read
    assert client.get(f"/api/v1/records/{record['id']}").status_code == 200  # public now
    assert Record.objects.published_on(dt.date(2026, 11, 11)).filter(pk=stored.pk).exists()
    assert not Record.objects.published_on(dt.date(2026, 11, 10)).filter(pk=stored.pk).exists()


def test_refresh_statuses_catches_up(dept: Any) -> None:
    from xinyong.records.services import refresh_statuses

    record = dept.post_json("/api/v1/records", body(rectify_by="2026-11-10")).json()
    assert refresh_statuses(dt.date(2026, 11, 10)) == {"published": 0, "expired": 0}
    counts = refresh_statuses(dt.date(2026, 11, 22))  # ran late: still right
    assert counts["published"] == 1
    stored = Record.objects.get(pk=record["id"])
    assert stored.status == "published" and stored.version == 2
    assert stored.trace[-1]["rule"] == "deferral:lapsed"
    assert refresh_statuses(dt.date(2027, 10, 20))["expired"] == 1
    assert refresh_statuses(dt.date(2027, 10, 20)) == {"published": 0, "expired": 0}


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"subject": {"kind": "organization", "name": "x", "code": "91320585MA1N00003X"}},
         ["subject", "code"]),
        ({"behavior": "no_such"}, ["behavior"]),
        ({"severity": "huge"}, ["severity"]),
        ({"decided_on": "2020-02-30"}, ["decided_on"]),
        ({"decided_on": "2026-10-01"}, ["decided_on"]),
        ({"subject": {"kind": "person", "name": "x", "code": "91320585MA1N000039"}},
         ["subject", "code"]),
        ({"rectify_by": "2026-10-15"}, ["rectify_by"]),
    ],
)
def test_bad_input_names_the_field(dept: Any, change: dict[str, Any], loc: list[str]) -> None:
    response = dept.post_json("/api/v1/records", body(**change))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"] == loc
    assert not Record.objects.exists()


def test_only_departments_submit(loaded: Any, users: dict[str, Any], api: Callable[..., Any]
                                 ) -> None:
    for role in (Role.OFFICE, Role.SUBJECT, Role.INSTITUTION):
        assert api(users[role]).post_json("/api/v1/records", body()).status_code == 403
    assert api().post_json("/api/v1/records", body()).status_code == 401


def test_name_mismatch_is_kept_and_flagged(dept: Any, organization: Any) -> None:
    data = dept.post_json("/api/v1/records", body(
        behavior="tc_price_gouging", rectify_by=None, circumstances={},
        subject={"kind": "organization", "name": "康宁医疗", "code": organization.code})).json()
    record = Record.objects.get(pk=data["id"])
    assert record.name_mismatch and record.reported_name == "康宁医疗"
    organization.refresh_from_db()
    assert organization.name == "福州马尾康宁医疗器械有限公司"  # never silently overwritten


def test_correct_keeps_history_and_redetermines(dept: Any) -> None:
    record = dept.post_json("/api/v1/records", body()).json()
    response = dept.post_json(f"/api/v1/records/{record['id']}/correct",
                              {"reason": "整改期限录入错误", "rectify_by": None,
                               "circumstances": {"force_majeure": False}})
    assert response.status_code == 200, response.content
    assert response.json()["status"] != "deferred" and response.json()["version"] == 2
    versions = RecordVersion.objects.filter(record_id=record["id"]).order_by("number")
    assert [v.change for v in versions] == ["created", "corrected"]
    assert versions[0].data["status"] == "deferred" and versions[1].reason == "整改期限录入错误"


def test_withdraw_and_visibility(dept: Any, users: dict[str, Any], api: Callable[..., Any],
                                 other_unit: Any, make_user: Callable[..., Any]) -> None:
    record = dept.post_json("/api/v1/records", body(
        behavior="tc_price_gouging", rectify_by=None, circumstances={},
        decided_on="2026-10-10", occurred_on="2026-10-01")).json()
    assert api().get(f"/api/v1/records/{record['id']}").status_code == 200  # published: public
    stranger = api(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    refused = stranger.post_json(f"/api/v1/records/{record['id']}/withdraw", {"reason": "x"})
    assert refused.status_code == 403
    done = dept.post_json(f"/api/v1/records/{record['id']}/withdraw", {"reason": "决定已撤销"})
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert api().get(f"/api/v1/records/{record['id']}").status_code == 404
    assert api(users[Role.OFFICE]).get(f"/api/v1/records/{record['id']}").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_create_one_record(users: dict[str, Any], token_for: Any) -> None:
    from xinyong.policies import loader

    loader.load_shipped()
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
            ("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite cannot be shared by threads; PostgreSQL runs this")
    from conftest import ApiClient

    token = token_for(users[Role.DEPARTMENT])
    results: list[int] = []

    def submit() -> None:
        try:
            results.append(ApiClient(token).post_json("/api/v1/records", body()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1 and len(results) == 8
    assert set(results) == {200, 201}
    assert Record.objects.count() == 1


# 双公示 penalties (api-v1: penalty on POST /records; severity may be left out).

AUTHORITY_CODE = "11320585MB0000000X"


def penalty_body(**penalty: Any) -> dict[str, Any]:
    from stdnum.cn import uscc

    data = {**BODY, "behavior": "administrative_penalty", "rectify_by": None, "circumstances": {},
            "decision_no": "太市监罚〔2026〕88号", "external_id": "TC-2026-0088"}
    data.pop("severity")
    code = AUTHORITY_CODE[:17] + uscc.calc_check_digit(AUTHORITY_CODE[:17])
    data["penalty"] = {"category": ["罚款", "没收违法所得"], "content": "罚款5万元，没收违法所得1.25万元",
                       "fine_wan": 5, "confiscated_wan": "1.25", "basis": "《价格法》第四十二条",
                       "authority": {"name": "太仓市市场监督管理局", "code": code},
                       "legal_representative": {"name": "王五", "id_number": "11010519491231002X"},
                       **penalty}
    return data


def test_a_penalty_without_severity_is_derived_by_the_packs(dept: Any, client: Any) -> None:
    response = dept.post_json("/api/v1/records", penalty_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["severity"], data["severity_derived"]) == ("general", True)
    assert any(s["rule"] == "penalty_severity:otherwise" for s in data["trace"])
    assert data["penalty"]["category"] == ["罚款", "没收违法所得"]
    assert (data["penalty"]["fine_wan"], data["penalty"]["confiscated_wan"]) == (5.0, 1.25)
    assert data["penalty"]["authority"]["name"] == "太仓市市场监督管理局"
    assert data["penalty"]["legal_representative"] == "王五"
    assert "11010519491231002X" not in response.content.decode()
    replay = dept.post_json("/api/v1/records", penalty_body())
    assert (replay.status_code, replay.json()["id"]) == (200, data["id"])
    public = client.get(f"/api/v1/records/{data['id']}")
    assert public.status_code == 200 and "110105" not in public.content.decode()


def test_one_category_as_a_string_and_a_stated_severity(dept: Any) -> None:
    body_ = penalty_body(category="吊销许可证件", fine_wan=None, confiscated_wan=None)
    body_["severity"] = "general"
    data = dept.post_json("/api/v1/records", body_).json()
    assert (data["severity"], data["severity_derived"]) == ("general", False)
    step = next(s for s in data["trace"] if s["rule"].startswith("penalty_severity:"))
    assert step["rule"] == "penalty_severity:heavy_penalty:stated" and "推定为严重" in step["effect"]


def test_correcting_the_penalty_derives_the_severity_again(dept: Any) -> None:
    data = dept.post_json("/api/v1/records", penalty_body()).json()
    response = dept.post_json(f"/api/v1/records/{data['id']}/correct", {
        "reason": "处罚种类录入错误", "penalty": {**penalty_body()["penalty"], "category": ["责令关闭"]}})
    assert response.status_code == 200, response.content
    corrected = response.json()
    assert (corrected["severity"], corrected["version"]) == ("serious", 2)
    assert corrected["penalty"]["category"] == ["责令关闭"]
    first = RecordVersion.objects.get(record_id=data["id"], number=1)
    assert first.data["penalty"]["category"] == ["罚款", "没收违法所得"]
    assert first.data["severity"] == "general"
    # The legal representative's sealed number survives the correction.
    assert Record.objects.get(pk=data["id"]).penalty["legal_representative"]["id_masked"]


@pytest.mark.parametrize(("change", "loc"), [
    ({"category": ["罚金"]}, ["penalty", "category"]),
    ({"category": []}, ["penalty", "category"]),
    ({"fine_wan": -1}, ["penalty", "fine_wan"]),
    ({"authority": {"name": "x", "code": "11320585MB00000001"}}, ["penalty", "authority", "code"]),
    ({"legal_representative": {"name": "王五", "id_number": "110105194912310021"}},
     ["penalty", "legal_representative", "id_number"]),
])
def test_bad_penalty_input_names_the_field(dept: Any, change: dict[str, Any], loc: list[str]) -> None:
    response = dept.post_json("/api/v1/records", penalty_body(**change))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"][:len(loc)] == loc
    assert "110105194912310021" not in response.content.decode()
    assert not Record.objects.exists()


def test_without_penalty_or_severity_the_severity_is_asked_for(dept: Any) -> None:
    body_ = penalty_body()
    body_.pop("penalty")
    response = dept.post_json("/api/v1/records", body_)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["severity"]
