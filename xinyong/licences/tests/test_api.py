"""POST /api/v1/licences (api-v1: 201 {id}, replay 200), GET, correct, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role
from xinyong.licences.models import Licence
from xinyong.licences.tests.conftest import AUTHORITY_CODE, SHOP_CODE

BODY: dict[str, Any] = {
    "subject": {"kind": "individual_business", "name": "马尾丁记小吃店", "code": SHOP_CODE},
    "decision_no": "榕马市监许〔2026〕501号", "decision_name": "食品经营许可决定书", "kind": "普通",
    "licence_name": "食品经营许可证", "licence_no": "JY23501050012345", "content": "热食类食品制售",
    "decided_on": "2026-11-10", "valid_from": "2026-11-10", "valid_to": "2031-11-09",
    "authority": {"name": "福州市马尾区市场监督管理局", "code": AUTHORITY_CODE},
    "external_id": "XK-501",
}


@pytest.fixture
def dept(users: dict[str, Any], api: Callable[..., Any]) -> Any:
    return api(users[Role.DEPARTMENT])


def test_submit_replay_and_read(dept: Any, api: Callable[..., Any]) -> None:
    response = dept.post_json("/api/v1/licences", BODY)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id"] and data["status"] == "valid" and data["kind"] == "普通"
    assert data["authority"] == BODY["authority"] and data["code_masked"] == SHOP_CODE
    replay = dept.post_json("/api/v1/licences", BODY)
    assert (replay.status_code, replay.json()["id"]) == (200, data["id"])
    public = api().get(f"/api/v1/licences/{data['id']}")
    assert public.status_code == 200 and public.json()["licence_no"] == "JY23501050012345"


def test_a_persons_licence_is_hidden_from_the_public(dept: Any, api: Callable[..., Any]) -> None:
    body = {**BODY, "subject": {"kind": "person", "name": "陈明", "code": "350105198506123010"},
            "external_id": "XK-502", "decision_no": "榕马市监许〔2026〕502号"}
    data = dept.post_json("/api/v1/licences", body).json()
    assert data["code_masked"] == "350105********3010"
    assert api().get(f"/api/v1/licences/{data['id']}").status_code == 404


@pytest.mark.parametrize(("change", "loc"), [
    ({"kind": "临时"}, ["kind"]),
    ({"decided_on": "2026-02-30"}, ["decided_on"]),
    ({"valid_to": "2020-01-01"}, ["valid_to"]),
    ({"authority": {"name": "x", "code": "11350105MB00000001"}}, ["authority", "code"]),
    ({"subject": {"kind": "organization", "name": "x", "code": "91350105MA2Y00001X"}},
     ["subject", "code"]),
    ({"legal_representative": {"name": "丁一", "id_number": "110105194912310021"}},
     ["legal_representative", "id_number"]),
])
def test_bad_input_names_the_field(dept: Any, change: dict[str, Any], loc: list[str]) -> None:
    response = dept.post_json("/api/v1/licences", {**BODY, **change})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"][:len(loc)] == loc
    assert not Licence.objects.exists()


def test_only_departments_submit(users: dict[str, Any], api: Callable[..., Any]) -> None:
    assert api(users[Role.OFFICE]).post_json("/api/v1/licences", BODY).status_code == 403
    assert api().post_json("/api/v1/licences", BODY).status_code == 401


def test_correct_and_withdraw(dept: Any, api: Callable[..., Any]) -> None:
    licence_id = dept.post_json("/api/v1/licences", BODY).json()["id"]
    corrected = dept.post_json(f"/api/v1/licences/{licence_id}/correct",
                               {"reason": "有效期录入错误", "valid_to": "2031-11-10"})
    assert corrected.status_code == 200, corrected.content
    assert (corrected.json()["valid_to"], corrected.json()["version"]) == ("2031-11-10", 2)
    empty = dept.post_json(f"/api/v1/licences/{licence_id}/correct", {"reason": "无"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["body"]
    gone = dept.post_json(f"/api/v1/licences/{licence_id}/withdraw", {"reason": "许可已被撤销"})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert api().get(f"/api/v1/licences/{licence_id}").status_code == 404
    assert dept.get(f"/api/v1/licences/{licence_id}").status_code == 200  # the unit still sees it
