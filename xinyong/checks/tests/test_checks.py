"""Checks: every measure of both notices reachable in its scenario; dates; mixed batches; auth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from stdnum.cn import uscc

from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent
from xinyong.checks.models import Check, Feedback
from xinyong.lib.errors import DomainError
from xinyong.policies.rulebook import current
from xinyong.records import determination as d
from xinyong.records import services

D = dt.date
TODAY = D(2026, 11, 22)


def org_code(n: int) -> str:
    body = f"913205850000{n:05d}"
    return body + uscc.calc_check_digit(body)


def trigger_record(book: Any, pack: Any, measure: Any, kind: str) -> d.Facts | None:
    """Facts of a record that sets `measure` off: a behaviour of its pack entering its list."""
    start = max(pack.effective_from, D(2026, 9, 1))
    for behavior in pack.behaviors:
        if kind not in behavior.subject_kinds:
            continue
        facts = d.Facts(behavior=behavior.code, subject_kind=kind, occurred_on=start,
                        decided_on=start + dt.timedelta(days=5), severity="serious",
                        region=pack.regions[0])
        try:
            result = d.determine(book, facts, TODAY)
        except DomainError:
            continue
        lists = {e.code for e in result.lists}
        t = measure.triggers
        if (lists & set(t.lists) or behavior.code in t.behaviors
                or (t.polarity and t.polarity == behavior.polarity)):
            if result.status in (d.PUBLISHED,):
                return facts
    return None


def test_every_measure_of_both_notices_is_reachable(loaded: Any, unit: Any, users: Any,
                                                    other_unit: Any, make_user: Any,
                                                    api: Callable[..., Any]) -> None:
    book = current()
    # Each notice's findings are reported, and checked, by a unit of its own area.
    reporters = {"fuzhou-2020-4": other_unit, "taicang-2020-1": unit}
    clients = {"fuzhou-2020-4": api(make_user("mawei_checker", Role.DEPARTMENT, unit=other_unit)),
               "taicang-2020-1": api(users[Role.DEPARTMENT])}
    n = 0
    checked = 0
    for pack_id in ("fuzhou-2020-4", "taicang-2020-1"):
        client = clients[pack_id]
        pack = book.entry(pack_id).pack  # type: ignore[union-attr]
        for measure in pack.measures:
            kind = measure.subject_kinds[0]
            facts = trigger_record(book, pack, measure, kind)
            assert facts is not None, f"no behaviour of {pack_id} triggers {measure.code}"
            n += 1
            code = org_code(n) if kind != "person" else "11010519491231002X"
            if kind == "individual_business":
                body = f"923205850000{n:05d}"
                code = body + uscc.calc_check_digit(body)
            services.submit(reporters[pack_id], services.Submission(
                subject_kind=kind, subject_name=f"主体{n}", subject_code=code,
                behavior=facts.behavior, occurred_on=facts.occurred_on,
                decided_on=facts.decided_on, decision_no=f"测试〔2026〕{n}号", facts="",
                severity=facts.severity), today=TODAY)
            for scenario in measure.scenarios:
                response = client.post_json("/api/v1/checks", {"scenario": scenario,
                                                               "subjects": [code]})
                assert response.status_code == 200, response.content
                result = response.json()["results"][0]
                codes = {m["code"] for m in result["measures"]}
                assert measure.code in codes, (pack_id, measure.code, scenario, result)
                hit = next(m for m in result["measures"] if m["code"] == measure.code)
                assert (hit["policy"], hit["clause"]) == (pack_id, measure.clause)
                checked += 1
    assert checked >= 30


def test_fuzhou_incentives_do_not_reach_taicang_honours(loaded: Any, unit: Any, users: Any,
                                                       api: Callable[..., Any]) -> None:
    services.submit(unit, services.Submission(
        subject_kind="organization", subject_name="捐赠企业", subject_code=org_code(99),
        behavior="tc_donation", occurred_on=D(2026, 9, 1), decided_on=D(2026, 9, 5),
        decision_no="太表彰〔2026〕1号", facts="", severity="minor"), today=TODAY)
    result = api(users[Role.DEPARTMENT]).post_json("/api/v1/checks", {
        "scenario": "honors", "subjects": [org_code(99)]}).json()["results"][0]
    assert {m["policy"] for m in result["measures"]} == {"taicang-2020-1"}
    assert result["verdict"] == "incentive"


@pytest.fixture
def punished(loaded: Any, unit: Any) -> Any:
    return services.submit(unit, services.Submission(
        subject_kind="organization", subject_name="野生动物经营公司", subject_code=org_code(1),
        behavior="tc_wildlife_trade", occurred_on=D(2026, 9, 1), decided_on=D(2026, 9, 10),
        decision_no="太农罚〔2026〕1号", facts="", severity="serious"), today=TODAY)[0]


@pytest.mark.parametrize(("as_of", "verdict"), [
    ("2026-09-09", "none"), ("2026-09-10", "restrict"), ("2029-09-09", "restrict"),
    ("2029-09-10", "none"),
])
def test_as_of_before_during_after(punished: Any, users: Any, api: Callable[..., Any],
                                   as_of: str, verdict: str) -> None:
    result = api(users[Role.OFFICE]).post_json("/api/v1/checks", {
        "scenario": "government_procurement", "subjects": [org_code(1)], "as_of": as_of,
    }).json()["results"][0]
    assert result["verdict"] == verdict
    assert (result["lists"] == ["joint_punishment"]) == (verdict == "restrict")


def test_withdrawn_record_no_longer_restricts(punished: Any, users: Any,
                                              api: Callable[..., Any]) -> None:
    services.withdraw(punished, "复议撤销", actor=None)
    result = api(users[Role.OFFICE]).post_json("/api/v1/checks", {
        "scenario": "bidding", "subjects": [org_code(1)]}).json()["results"][0]
    assert result["verdict"] == "none" and result["lists"] == []


def test_mixed_batch(punished: Any, users: Any, api: Callable[..., Any], person: Any) -> None:
    response = api(users[Role.DEPARTMENT]).post_json("/api/v1/checks", {
        "scenario": "bidding",
        "subjects": [org_code(1), org_code(2), "91350100M000100Y4X", "11010519491231002X",
                     "11010519491231003X"],
    })
    assert response.status_code == 200
    r = response.json()["results"]
    assert [x["verdict"] for x in r] == ["restrict", "none", "none", "none", "none"]
    assert r[0]["subject_id"] == punished.subject_id and r[0]["known"]
    assert r[1]["subject_id"] is None and not r[1]["known"] and r[1]["error"] is None
    assert "校验位错误" in r[2]["error"]
    assert r[3]["known"] and r[3]["code_masked"] == "110105********002X"
    assert r[4]["error"] and r[4]["code_masked"] == "110105********003X"
    assert "11010519491231003X" not in response.content.decode()
    check = Check.objects.get()
    assert (check.subject_count, check.restricted, check.unit_id) == (5, 1, users[
        Role.DEPARTMENT].unit_id)


@pytest.mark.parametrize("typed", ["110105491231002", "11010519491231O02X", "1101051949123100"])
def test_mistyped_id_numbers_are_masked_in_answer_and_log(loaded: Any, users: Any,
                                                          api: Callable[..., Any], typed: str) -> None:
    response = api(users[Role.DEPARTMENT]).post_json("/api/v1/checks", {
        "scenario": "bidding", "subjects": [typed]})
    result = response.json()["results"][0]
    assert result["error"] and result["code_masked"].startswith("110105")
    assert "*" in result["code_masked"] and typed not in response.content.decode()
    assert typed not in str(Check.objects.get().results)


def test_request_errors_name_the_field(loaded: Any, users: Any, api: Callable[..., Any]) -> None:
    client = api(users[Role.OFFICE])
    bad = client.post_json("/api/v1/checks", {"scenario": "moon", "subjects": [org_code(1)]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["scenario"]
    empty = client.post_json("/api/v1/checks", {"scenario": "bidding", "subjects": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["subjects"]
    many = client.post_json("/api/v1/checks", {"scenario": "bidding",
                                                "subjects": [org_code(1)] * 10_001})
    assert many.status_code == 422


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.INSTITUTION, 403),
                                              (Role.SUBJECT, 403)])
def test_public_and_banks_cannot_check(loaded: Any, users: Any, api: Callable[..., Any],
                                       role: Any, status: int) -> None:
    client = api(users[role] if role else None)
    body = {"scenario": "bidding", "subjects": [org_code(1)]}
    assert client.post_json("/api/v1/checks", body).status_code == status


def test_feedback(punished: Any, users: Any, api: Callable[..., Any], other_unit: Any,
                  make_user: Callable[..., Any]) -> None:
    dept = api(users[Role.DEPARTMENT])
    check = dept.post_json("/api/v1/checks", {"scenario": "bidding",
                                              "subjects": [org_code(1)]}).json()
    measure = check["results"][0]["measures"][0]["code"]
    url = f"/api/v1/checks/{check['id']}/feedback"
    body = {"subject_id": punished.subject_id, "measure": measure, "applied": True,
            "note": "取消投标资格"}
    first = dept.post_json(url, body)
    assert first.status_code == 201 and first.json()["corrected"] is False
    assert [v["applied"] for v in first.json()["history"]] == [True]
    # A second answer for the same measure corrects the first, and only with a reason.
    again = dept.post_json(url, {**body, "applied": False})
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["reason"]
    assert "更正理由" in again.json()["errors"][0]["msg"]
    same = dept.post_json(url, {**body, "reason": "重复提交"})
    assert same.status_code == 422 and same.json()["errors"][0]["loc"] == ["applied"]
    corrected = dept.post_json(url, {**body, "applied": False, "note": "",
                                     "reason": "误点“已执行”，实际尚未开标"})
    assert corrected.status_code == 200, corrected.content
    out = corrected.json()
    assert out["applied"] is False and out["corrected"] is True and out["id"] == first.json()["id"]
    assert [(v["applied"], v["note"], v["reason"]) for v in out["history"]] == [
        (True, "取消投标资格", ""), (False, "", "误点“已执行”，实际尚未开标")]
    wrong = dept.post_json(url, {**body, "measure": "fz_priority_handling"})
    assert wrong.status_code == 422
    missing = dept.post_json(url, {key: v for key, v in body.items() if key != "applied"})
    assert missing.status_code == 422 and "applied" in str(missing.json()["errors"])
    stranger = api(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    assert stranger.post_json(url, body).status_code == 404
    given = Feedback.objects.get()
    assert (given.applied, given.note) == (False, "") and given.changes.count() == 2
    assert AuditEvent.objects.filter(action="check.feedback_correct").count() == 1
