"""The contract: POST /api/v1/force-majeure (subject) → 201 {id, query_code, status:
submitted}; POST /{id}/decision (office) {decision: issue|refuse, reason} → {status,
certificate_number?}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.policies import events

URL = "/api/v1/force-majeure"
BODY = {"contract_no": "TC-EX-2020-017", "counterparty": "Müller Medizintechnik GmbH",
        "event": "新冠肺炎疫情", "facts": "按政府通知延迟复工，船期取消"}


def test_apply_and_issue(exporter: User, office: User, api: Callable[..., Any]) -> None:
    created = api(exporter).post_json(URL, {**BODY, "counterparty_region": "德国"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "submitted" and body["query_code"].startswith("BK") and body["id"]
    assert body["certificate_number"] is None and body["unit"] == "信用办"
    decided = api(office).post_json(f"{URL}/{body['id']}/decision",
                                    {"decision": "issue", "reason": "材料属实"})
    assert decided.status_code == 200, decided.content
    result = decided.json()
    assert result["status"] == "issued" and len(result["certificate_number"]) == 22
    check = api(None).get(f"{URL}/certificates/{result['certificate_number']}").json()
    assert check["valid"] is True
    mine = api(exporter).get(URL).json()
    assert mine["total"] == 1 and mine["items"][0]["certificate_number"] == result["certificate_number"]
    public = api(None).get(f"{URL}/by-code/{body['query_code']}").json()
    assert public["status"] == "issued" and "facts" not in public


def test_refuse_needs_a_reason(exporter: User, office: User, api: Callable[..., Any]) -> None:
    case = api(exporter).post_json(URL, BODY).json()
    missing = api(office).post_json(f"{URL}/{case['id']}/decision", {"decision": "refuse"})
    assert missing.status_code == 422
    wrong = api(office).post_json(f"{URL}/{case['id']}/decision", {"decision": "approve", "reason": "x"})
    assert wrong.status_code == 422
    refused = api(office).post_json(f"{URL}/{case['id']}/decision",
                                    {"decision": "refuse", "reason": "材料不能证明所述事实"})
    assert refused.json()["status"] == "not_issued" and refused.json()["certificate_number"] is None
    assert refused.json()["reason"] == "材料不能证明所述事实"


def test_refusals_name_the_field(exporter: User, users: dict[str, User], api: Callable[..., Any]) -> None:
    blank = api(exporter).post_json(URL, {**BODY, "facts": " "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["loc"][-1] == "facts"
    # A unit that is not named by the rules does not see the office's applications.
    case = api(exporter).post_json(URL, BODY).json()
    dept = api(users[Role.DEPARTMENT]).post_json(f"{URL}/{case['id']}/decision",
                                                 {"decision": "issue", "reason": "x"})
    assert dept.status_code == 404
    # 太仓's notice (the only pack offering the service) ends the day the response ends.
    events.record_event("jiangsu_epidemic_response_end", timezone.localdate())
    ended = api(exporter).post_json(URL, {**BODY, "contract_no": "TC-2"})
    assert ended.status_code == 422
    assert ended.json()["errors"][0]["loc"][-1] == "service" and "不提供" in ended.json()["detail"]
    assert AuditEvent.objects.filter(action="certificate.submit").count() == 1
