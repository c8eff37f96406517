"""GET /api/v1/policies, /policies/{id}, and policy events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xinyong.accounts.models import Role


def test_list_policies(shipped: Any, client: Any) -> None:
    response = client.get("/api/v1/policies")
    assert response.status_code == 200
    by_id = {p["id"]: p for p in response.json()}
    assert {"fuzhou-2020-4", "taicang-2020-1", "cn-ndrc-2019-527", "cn-2025-22"} <= set(by_id)
    taicang = by_id["taicang-2020-1"]
    assert taicang["doc_number"] == "太信用办〔2020〕1号"
    assert taicang["effective_from"] == "2020-02-26"
    assert taicang["status"] == "in_force"  # no ending event recorded
    assert by_id["cn-ndrc-2019-527"]["status"] == "expired"
    assert set(taicang) >= {"id", "doc_number", "title", "issuer", "jurisdiction",
                            "effective_from", "effective_until", "status"}
    assert taicang["regions"] == ["320585"] and by_id["cn-2025-22"]["regions"] == []


def test_policy_detail_has_behaviors_and_measures(shipped: Any, client: Any) -> None:
    body = client.get("/api/v1/policies/fuzhou-2020-4").json()
    dishonest = [b for b in body["behaviors"] if b["polarity"] == "dishonest"]
    good = [b for b in body["behaviors"] if b["polarity"] == "good"]
    # Every numbered item has a behaviour (二.9 names two distinct ones).
    assert {b["clause"] for b in dishonest} == {f"二.{i}" for i in range(1, 13)}
    assert {b["clause"] for b in good} == {f"三.{i}" for i in range(1, 9)}
    assert {"restrict", "incentive"} == {m["kind"] for m in body["measures"]}
    measure = body["measures"][0]
    assert set(measure) >= {"code", "kind", "scenarios", "clause", "text"}
    assert body["versions"][0]["number"] == 1


def test_unknown_policy_404(db: Any, client: Any) -> None:
    response = client.get("/api/v1/policies/nope")
    assert response.status_code == 404 and "nope" in response.json()["detail"]


def test_event_recorded_by_office_expires_pack(
    shipped: Any, users: dict[str, Any], api: Callable[..., Any]
) -> None:
    body = {"code": "jiangsu_epidemic_response_end", "occurred_on": "2023-01-08",
            "note": "疫情防控转入常态化"}
    assert api(users[Role.DEPARTMENT]).post_json("/api/v1/policies/events", body
                                                  ).status_code == 403
    response = api(users[Role.OFFICE]).post_json("/api/v1/policies/events", body)
    assert response.status_code == 201, response.content
    detail = api().get("/api/v1/policies/taicang-2020-1").json()
    assert detail["status"] == "expired" and detail["effective_until"] == "2023-01-07"
    again = api(users[Role.OFFICE]).post_json("/api/v1/policies/events", body)
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["code"]


def test_unknown_event_named(shipped: Any, users: dict[str, Any], api: Callable[..., Any]
                             ) -> None:
    response = api(users[Role.OFFICE]).post_json(
        "/api/v1/policies/events", {"code": "x", "occurred_on": "2023-01-08"})
    assert response.status_code == 422
    assert "没有规则包以事件“x”结束" in response.json()["errors"][0]["msg"]
