"""The draws' API: the office draws (201), everyone reads; the same seed and population give
the same selection; refusals name the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from conftest import ApiClient
from xinyong.accounts.models import Role, User
from xinyong.inspections.models import Draw
from xinyong.subjects.models import Subject

URL = "/api/v1/inspections/draws"
BODY = {"name": "2026年第四季度双随机抽查", "seed": "公开摇号-0042",
        "population": {"region": "350100", "kinds": ["organization", "individual_business"]}}


@pytest.fixture
def office(api: Callable[[User | None], ApiClient], users: dict[str, User]) -> ApiClient:
    return api(users[Role.OFFICE])


def test_draw_then_anyone_reads_it(market: dict[str, Subject], office: ApiClient,
                                   api: Callable[[User | None], ApiClient]) -> None:
    response = office.post_json(URL, BODY)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["seed"] == "公开摇号-0042" and body["name"] == BODY["name"]
    assert body["algorithm"] == "bernoulli" and body["size"] is None
    assert body["population"] == {"kinds": ["organization", "individual_business"],
                                  "region": "350100", "unit": None, "grades": [], "scales": []}
    assert body["population_count"] == 6 and len(body["population_digest"]) == 64
    assert body["selected_count"] == len(body["selected"])
    scheme = body["rates"]["schemes"][0]
    assert scheme["rates"] == {"A": 0.05, "B": 0.2, "C": 0.6, "D": 1.0} and scheme["provisional"]
    for item in body["selected"]:
        assert set(item) == {"rank", "subject_id", "name", "code_masked", "grade", "rate"}
    # 太仓 is outside 福州; the person is never drawn.
    assert market["taicang_d"].pk not in {s["subject_id"] for s in body["selected"]}

    shown = api(None).get(f"{URL}/{body['id']}")
    assert shown.status_code == 200
    assert shown.json() == body


@pytest.mark.parametrize("size", [None, 4])
def test_same_seed_and_population_same_selection(market: dict[str, Subject], office: ApiClient,
                                                 size: int | None) -> None:
    body = {**BODY, "population": {}, "size": size}
    first = office.post_json(URL, body).json()
    second = office.post_json(URL, body).json()
    assert first["id"] != second["id"]
    assert first["selected"] == second["selected"]
    assert first["population_digest"] == second["population_digest"]
    if size:
        assert len(first["selected"]) == size


def test_another_seed_another_selection(market: dict[str, Subject], office: ApiClient,
                                        make_subject: Callable[..., Subject]) -> None:
    for i in range(40):
        make_subject(f"马尾测试{i}号有限公司", scale="large", grade="B")
    picks = {tuple(s["subject_id"] for s in
                   office.post_json(URL, {**BODY, "seed": seed, "size": 10}).json()["selected"])
             for seed in ("甲", "乙")}
    assert len(picks) == 2


def test_seed_made_when_omitted(market: dict[str, Subject], office: ApiClient) -> None:
    body = office.post_json(URL, {"name": "不给种子", "size": 2}).json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["seed"])
    assert body["algorithm"] == "efraimidis-spirakis" and len(body["selected"]) == 2


def test_roles(market: dict[str, Subject], api: Callable[[User | None], ApiClient],
               users: dict[str, User]) -> None:
    assert api(None).post_json(URL, BODY).status_code == 401
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        response = api(users[role]).post_json(URL, BODY)
        assert response.status_code == 403, role
        assert response.json()["detail"]
    assert not Draw.objects.exists()
    assert api(None).get(f"{URL}/999999").status_code == 404
    assert api(None).get(URL).status_code == 200


@pytest.mark.parametrize(("body", "loc"), [
    ({"seed": "x"}, ["name"]),
    ({"name": "   "}, ["name"]),
    ({"name": "抽查", "seed": "y" * 65}, ["seed"]),
    ({"name": "抽查", "seed": "行\n换"}, ["seed"]),
    ({"name": "抽查", "size": 0}, ["size"]),
    ({"name": "抽查", "size": 10001}, ["size"]),
    ({"name": "抽查", "size": "many"}, ["size"]),
    ({"name": "抽查", "population": {"region": "35010"}}, ["population", "region"]),
    ({"name": "抽查", "population": {"kinds": ["person"]}}, ["population", "kinds"]),
    ({"name": "抽查", "population": {"grades": ["A", "E"]}}, ["population", "grades"]),
    ({"name": "抽查", "population": {"scales": ["huge"]}}, ["population", "scales"]),
    ({"name": "抽查", "population": {"unit": 999999}}, ["population", "unit"]),
    ({"name": "抽查", "population": {"regoin": "350100"}}, ["population", "regoin"]),
    ({"name": "抽查", "population": {"region": "110000"}}, ["population"]),
])
def test_refusals_name_the_field(market: dict[str, Subject], office: ApiClient,
                                 body: dict[str, Any], loc: list[str]) -> None:
    response = office.post_json(URL, body)
    assert response.status_code == 422, response.content.decode()
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors] == [loc], errors
    assert all(e["msg"] for e in errors)


def test_list_is_paged(market: dict[str, Subject], office: ApiClient,
                       api: Callable[[User | None], ApiClient]) -> None:
    ids = [office.post_json(URL, {"name": f"第{i}次", "size": 1}).json()["id"] for i in range(3)]
    page = api(None).get(URL, {"page_size": 2}).json()
    assert page["total"] == 3 and page["page"] == 1 and page["page_size"] == 2
    assert [d["id"] for d in page["items"]] == ids[::-1][:2]
    last = api(None).get(URL, {"page_size": 2, "page": 9}).json()
    assert last["page"] == 2 and [d["id"] for d in last["items"]] == [ids[0]]
    assert "selected" not in last["items"][0]
