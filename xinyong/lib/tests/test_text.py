"""NUL characters and lone surrogates are refused with 422 naming the field, everywhere;
page numbers past the end (or too large for the database) show the last page.

Before (issue 9, finding 6) each of these was a 500 with an HTML page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import ApiClient
from xinyong.accounts.models import Role, User
from xinyong.lib.text import bad_characters, find_bad
from xinyong.policies import loader

RECORD = {
    "subject": {"kind": "organization", "name": "福州马尾康宁医疗器械有限公司",
                "code": "91350105MA2Y00001R"},
    "behavior": "administrative_penalty", "occurred_on": "2026-03-20", "decided_on": "2026-04-01",
    "decision_no": "边界测试〔2026〕1号", "facts": "无证经营", "severity": "general",
}


@pytest.fixture
def packs(db: Any) -> None:
    loader.load_shipped()


def test_bad_characters() -> None:
    assert bad_characters("正常文字") is None
    assert "NUL" in (bad_characters("a\x00b") or "")
    assert "代理项" in (bad_characters("a\ud800b") or "")
    assert list(find_bad({"a": ["ok", {"b": "\x00"}], "\ud800": 1})) == [
        (("a", 1, "b"), bad_characters("\x00")), (("\ud800",), f"字段名{bad_characters(chr(0xD800))}")]


@pytest.mark.parametrize(("body", "loc"), [
    ({**RECORD, "facts": "无证\x00经营"}, ["facts"]),
    ({**RECORD, "subject": {**RECORD["subject"], "name": "康宁\x00公司"}}, ["subject", "name"]),
    ({**RECORD, "decision_no": "边界\ud800测试"}, ["decision_no"]),
])
def test_api_body_refused_naming_the_field(packs: None, users: dict[str, User],
                                           api: Callable[..., ApiClient], body: dict[str, Any],
                                           loc: list[str]) -> None:
    response = api(users[Role.DEPARTMENT]).post_json("/api/v1/records", body)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["loc"] == loc


def test_lone_surrogate_as_json_escape(packs: None, users: dict[str, User],
                                       api: Callable[..., ApiClient]) -> None:
    raw = '{"scenario": "bidding", "subjects": ["\\ud800abc"]}'
    response = api(users[Role.DEPARTMENT]).post("/api/v1/checks", raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["subjects", 0]


def test_api_query_and_path(packs: None) -> None:
    anonymous = ApiClient()
    response = anonymous.get("/api/v1/lists/joint_punishment", {"q": "康宁\x00"})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["q"]
    response = anonymous.get("/api/v1/lists/joint%00punishment")
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["path"]


def test_web_form_and_query(packs: None, users: dict[str, User],
                            web: Callable[..., Client]) -> None:
    response = Client().post("/login/", {"username": "bob\x00", "password": "x"})
    assert response.status_code == 422
    assert "username" in response.content.decode() and "NUL" in response.content.decode()
    response = web(users[Role.DEPARTMENT]).get("/records/", {"q": "\x00"})
    assert response.status_code == 422 and "q" in response.content.decode()


@pytest.mark.parametrize("page", ["99999999999999999999999", "-3", "0"])
def test_huge_page_numbers_show_a_page(packs: None, page: str) -> None:
    response = ApiClient().get("/api/v1/lists/joint_punishment", {"page": page})
    assert response.status_code == 200 and response.json()["page"] == 1
    assert Client().get("/lists/joint_punishment/", {"page": page}).status_code == 200


def test_huge_page_in_the_objections_api(packs: None, users: dict[str, User],
                                         api: Callable[..., ApiClient]) -> None:
    response = api(users[Role.OFFICE]).get("/api/v1/objections", {"page": "99999999999999999999"})
    assert response.status_code == 200 and response.json()["page"] == 1
