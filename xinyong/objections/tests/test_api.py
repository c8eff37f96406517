"""/api/v1/objections: the contract's fields, errors that name the field, the mark in the
records and lists APIs, upheld taking the record off lists and checks the same day, who may
see and act, the public progress by query code, and two concurrent decisions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.objections import services
from xinyong.objections.models import Objection
from xinyong.records import determination as d
from xinyong.records.models import Record


def test_submit_returns_the_contract_fields_and_the_mark_shows(
    loaded: Any, unit: Any, users: Any, api: Callable[..., Any], client: Any,
    punish: Callable[..., Record]
) -> None:
    record = punish(unit)
    response = api(users[Role.SUBJECT]).post_json("/api/v1/objections", {
        "record_id": record.pk, "reason": "该处罚决定已被撤销", "evidence": "复议决定书"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "query_code", "status", "due_by"} <= set(body)
    assert body["status"] == "submitted" and body["query_code"].startswith("YY")
    assert body["record_id"] == record.pk and body["evidence"] == "复议决定书"
    assert body["unit"] == unit.name and body["overdue"] is False and body["taken_over"] is False
    # The record keeps its status and carries "objection": "open", wherever it is shown.
    shown = client.get(f"/api/v1/records/{record.pk}").json()
    assert shown["status"] == "published" and shown["objection"] == "open"
    item = client.get("/api/v1/lists/joint_punishment").json()["items"][0]
    assert item["objection"] == "open"
    assert {"subject_name", "code_masked", "since", "until", "basis"} <= set(item)


def test_errors_name_the_field(loaded: Any, unit: Any, users: Any, person: Any,
                               api: Callable[..., Any], punish: Callable[..., Record]) -> None:
    record = punish(unit)
    others = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")
    subject = api(users[Role.SUBJECT])

    def post(body: dict[str, Any]) -> Any:
        return subject.post_json("/api/v1/objections", body)

    missing = post({"record_id": record.pk})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"loc": ["reason"], "msg": "必填"}]
    blank = post({"record_id": record.pk, "reason": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["loc"] == ["reason"]
    long = post({"record_id": record.pk, "reason": "x", "evidence": "x" * 5001})
    assert long.status_code == 422 and long.json()["errors"][0]["loc"] == ["evidence"]
    wrong = post({"record_id": record.pk, "reason": "x", "repair_id": 999999})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["repair_id"]
    # Another subject's record: 404, nothing created, no mark.
    assert post({"record_id": others.pk, "reason": "不是我的"}).status_code == 404
    assert not Record.objects.get(pk=others.pk).objection_open
    assert post({"record_id": record.pk, "reason": "有误"}).status_code == 201
    twice = post({"record_id": record.pk, "reason": "再次"})
    assert twice.status_code == 422 and twice.json()["errors"][0]["loc"] == ["record_id"]
    assert "已有正在处理的异议" in twice.json()["detail"]
    assert Objection.objects.count() == 1

    objection = Objection.objects.get()
    dept = api(users[Role.DEPARTMENT])
    url = f"/api/v1/objections/{objection.pk}/decision"
    bad = dept.post_json(url, {"decision": "withdrawn", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["decision"]
    bad = dept.post_json(url, {"decision": "upheld", "reason": "x",
                               "corrections": {"severity": "huge"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["corrections", "severity"]
    bad = dept.post_json(url, {"decision": "upheld", "reason": "x",
                               "corrections": {"behavior": "no_such_behavior"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["corrections", "behavior"]
    refuse = dept.post_json(f"/api/v1/objections/{objection.pk}/accept", {"accept": False})
    assert refuse.status_code == 422 and refuse.json()["errors"][0]["loc"] == ["reason"]
    assert Objection.objects.get().status == "submitted"


def test_upheld_takes_the_record_off_lists_and_checks_the_same_day(
    loaded: Any, unit: Any, users: Any, api: Callable[..., Any], client: Any,
    punish: Callable[..., Record]
) -> None:
    user = users[Role.SUBJECT]
    record = punish(unit)
    office = api(users[Role.OFFICE])
    check = {"scenario": "bidding", "subjects": [user.subject.code]}
    assert office.post_json("/api/v1/checks", check).json()["results"][0]["verdict"] == "restrict"
    assert client.get("/api/v1/lists/joint_punishment").json()["total"] == 1
    created = api(user).post_json("/api/v1/objections",
                                  {"record_id": record.pk, "reason": "该决定已被复议撤销"}).json()
    dept = api(users[Role.DEPARTMENT])
    accepted = dept.post_json(f"/api/v1/objections/{created['id']}/accept", {"accept": True})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_on"] == timezone.localdate().isoformat()
    decided = dept.post_json(f"/api/v1/objections/{created['id']}/decision",
                             {"decision": "upheld", "reason": "经核实，原决定已被撤销"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "upheld" and decided.json()["remedy"] == "withdrawn"
    # Same day: off the public list, no measure in checks, not public; the record is kept.
    assert client.get("/api/v1/lists/joint_punishment").json()["total"] == 0
    assert office.post_json("/api/v1/checks", check).json()["results"][0]["verdict"] == "none"
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 404
    kept = office.get(f"/api/v1/records/{record.pk}").json()
    assert kept["status"] == "withdrawn" and kept["objection"] is None
    again = dept.post_json(f"/api/v1/objections/{created['id']}/decision",
                           {"decision": "dismissed", "reason": "重复"})
    assert again.status_code == 409 and "不能重复决定" in again.json()["detail"]


def test_dismissed_clears_the_mark(loaded: Any, unit: Any, users: Any, api: Callable[..., Any],
                                   client: Any, punish: Callable[..., Record]) -> None:
    record = punish(unit)
    created = api(users[Role.SUBJECT]).post_json(
        "/api/v1/objections", {"record_id": record.pk, "reason": "有误"}).json()
    decided = api(users[Role.OFFICE]).post_json(
        f"/api/v1/objections/{created['id']}/decision", {"decision": "dismissed", "reason": "无误"})
    assert decided.status_code == 200 and decided.json()["status"] == "dismissed"
    shown = client.get(f"/api/v1/records/{record.pk}").json()
    assert shown["objection"] is None and shown["status"] == "published"
    page = client.get("/api/v1/lists/joint_punishment").json()
    assert page["total"] == 1 and page["items"][0]["objection"] is None


def test_corrections_through_the_api(loaded: Any, unit: Any, users: Any, api: Callable[..., Any],
                                     client: Any, punish: Callable[..., Record]) -> None:
    record = punish(unit)
    created = api(users[Role.SUBJECT]).post_json(
        "/api/v1/objections", {"record_id": record.pk, "reason": "情节应为一般"}).json()
    decided = api(users[Role.DEPARTMENT]).post_json(
        f"/api/v1/objections/{created['id']}/decision",
        {"decision": "upheld", "reason": "情节认定有误", "corrections": {"severity": "general"}})
    assert decided.status_code == 200 and decided.json()["remedy"] == "corrected"
    shown = client.get(f"/api/v1/records/{record.pk}").json()
    assert shown["status"] == "published" and shown["severity"] == "general"
    assert shown["lists"] == [] and shown["objection"] is None
    assert client.get("/api/v1/lists/joint_punishment").json()["total"] == 0


def test_who_may_see_and_act(loaded: Any, unit: Any, other_unit: Any, users: Any, person: Any,
                             person_user: Any, make_user: Any, api: Callable[..., Any],
                             punish: Callable[..., Record]) -> None:
    record = punish(unit)
    created = api(users[Role.SUBJECT]).post_json(
        "/api/v1/objections", {"record_id": record.pk, "reason": "有误"}).json()
    url = f"/api/v1/objections/{created['id']}"
    stranger = api(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    for client in (stranger, api(person_user)):
        assert client.get(url).status_code == 404
    assert stranger.post_json(f"{url}/accept", {"accept": True}).status_code == 404
    assert stranger.post_json(f"{url}/decision", {"decision": "upheld", "reason": "x"}).status_code == 404
    assert api(person_user).post_json(f"{url}/decision",
                                      {"decision": "upheld", "reason": "x"}).status_code == 403
    assert api(users[Role.SUBJECT]).get(url).json()["reason"] == "有误"
    assert api(users[Role.DEPARTMENT]).get(url).status_code == 200
    assert Objection.objects.get().status == "submitted"
    assert Record.objects.get(pk=record.pk).status == d.PUBLISHED

    # Lists: the subject its own, a unit its own, the office all.
    theirs = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")
    api(person_user).post_json("/api/v1/objections", {"record_id": theirs.pk, "reason": "冒用"})
    assert api(users[Role.SUBJECT]).get("/api/v1/objections").json()["total"] == 1
    assert api(person_user).get("/api/v1/objections").json()["total"] == 1
    assert api(users[Role.DEPARTMENT]).get("/api/v1/objections").json()["total"] == 2
    assert stranger.get("/api/v1/objections").json()["total"] == 0
    office = api(users[Role.OFFICE])
    assert office.get("/api/v1/objections").json()["total"] == 2
    assert office.get("/api/v1/objections?status=closed").json()["total"] == 0
    assert office.get("/api/v1/objections?status=open").json()["total"] == 2
    Objection.objects.filter(record=theirs).update(accept_by="2020-01-01")
    late = office.get("/api/v1/objections?overdue=true").json()
    assert late["total"] == 1 and late["items"][0]["record_id"] == theirs.pk
    assert late["items"][0]["overdue"] is True

    # The office takes the first case over; the unit then gets 409.
    taken = office.post_json(f"{url}/take-over", {"reason": "认定单位逾期"})
    assert taken.status_code == 200 and taken.json()["taken_over"] is True
    blocked = api(users[Role.DEPARTMENT]).post_json(f"{url}/accept", {"accept": True})
    assert blocked.status_code == 409 and "信用办接办" in blocked.json()["detail"]
    assert office.post_json(f"{url}/accept", {"accept": True}).status_code == 200


def test_progress_by_query_code_shows_no_personal_data(
    loaded: Any, unit: Any, users: Any, person: Any, person_user: Any,
    api: Callable[..., Any], client: Any, punish: Callable[..., Record]
) -> None:
    record = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")
    created = api(person_user).post_json("/api/v1/objections", {
        "record_id": record.pk, "reason": "本人张三从未经营该店铺", "evidence": "身份证复印件"}).json()
    services.workflow.accept(created["id"], users[Role.DEPARTMENT], False, "张三的材料不全，请补正后重新提出")
    response = client.get(f"/api/v1/objections/by-code/{created['query_code'].lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "refused" and body["status_label"] == "不予受理"
    assert [s["step"] for s in body["timeline"]] == ["提交异议", "不予受理"]
    assert body["timeline"][1]["by"] == unit.name
    text = response.content.decode()
    for private in ("张三", "身份证", "材料不全", record.decision_no, person.code_masked):
        assert private not in text
    assert client.get("/api/v1/objections/by-code/YYNOSUCHCODE").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_one_wins(unit: Any, users: Any, token_for: Any,
                                       punish: Callable[..., Record]) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("row locks need a server database; PostgreSQL runs this")
    from conftest import ApiClient
    from xinyong.policies import loader

    loader.load_shipped()
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    tokens = [token_for(users[Role.DEPARTMENT]), token_for(users[Role.OFFICE])]
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(6)

    def decide(token: str, decision: str) -> None:
        try:
            start.wait()
            response = ApiClient(token).post_json(f"/api/v1/objections/{objection.pk}/decision",
                                                  {"decision": decision, "reason": "并发测试"})
            answers.append((response.status_code, response.json().get("detail", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(t, choice))
               for t, choice in zip(tokens * 3, ["upheld", "dismissed"] * 3, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _ in answers) == [200, 409, 409, 409, 409, 409]
    assert all("不能重复决定" in detail for status, detail in answers if status == 409)
    objection.refresh_from_db()
    record.refresh_from_db()
    assert objection.status in ("upheld", "dismissed") and not record.objection_open
    upheld = objection.status == "upheld"
    assert (record.status == d.WITHDRAWN) == upheld
    assert record.versions.filter(change="objection_upheld").count() == (1 if upheld else 0)
    assert sum(1 for s in objection.timeline if s["step"].startswith("异议")) == 1
