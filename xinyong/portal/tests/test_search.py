"""The public search (信用查询): organisations and individual businesses by a name fragment,
a code prefix or a whole code, by the API and the page; persons never; paging and the cap."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import PERSON_CODE
from xinyong.conftest_helpers import uscc_of
from xinyong.portal import search
from xinyong.subjects.models import Subject, get_or_create_subject

ORG = uscc_of("91350105MA2Y0XD01")
SHOP = uscc_of("92350105MA2Y0XD02")
OTHER = uscc_of("91320585MA1N0HT03")


@pytest.fixture
def market(db: Any) -> dict[str, Subject]:
    """Two 鑫达 enterprises, one other, and a person whose name holds 鑫达 too."""
    return {
        "org": get_or_create_subject("organization", ORG, "福州鑫达贸易有限公司")[0],
        "shop": get_or_create_subject("individual_business", SHOP, "马尾鑫达小吃店")[0],
        "other": get_or_create_subject("organization", OTHER, "太仓华盛科技有限公司")[0],
        "person": get_or_create_subject("person", PERSON_CODE, "陈鑫达")[0],
    }


def api_search(api: Callable[..., Any], q: str, **params: Any) -> Any:
    return api(None).get("/api/v1/search", {"q": q, **params})


def names(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_a_name_fragment_finds_organisations_and_individual_businesses(
        market: dict[str, Subject], api: Callable[..., Any]) -> None:
    response = api_search(api, "鑫达")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["q"] == "鑫达" and body["count"] == 2 and body["count_capped"] is False
    org, shop = market["org"], market["shop"]
    # The closest first: the shorter name.
    assert body["items"] == [
        {"id": shop.pk, "kind": "individual_business", "name": "马尾鑫达小吃店",
         "code_masked": SHOP, "url": f"/subjects/{shop.pk}/"},
        {"id": org.pk, "kind": "organization", "name": "福州鑫达贸易有限公司",
         "code_masked": ORG, "url": f"/subjects/{org.pk}/"},
    ]
    assert names(api_search(api, "鑫达贸易").json()) == ["福州鑫达贸易有限公司"]
    assert names(api_search(api, " 华盛 ").json()) == ["太仓华盛科技有限公司"]
    assert api_search(api, "鑫达物流").json()["count"] == 0


def test_a_code_prefix_or_a_whole_code(market: dict[str, Subject], api: Callable[..., Any]) -> None:
    # In code order: 91320585… (太仓) before 91350105… (马尾).
    assert names(api_search(api, "350105").json()) == []  # a prefix is the code's start
    assert names(api_search(api, "91").json()) == ["太仓华盛科技有限公司", "福州鑫达贸易有限公司"]
    assert names(api_search(api, "9135").json()) == ["福州鑫达贸易有限公司"]
    assert names(api_search(api, "92350105ma").json()) == ["马尾鑫达小吃店"]  # any case
    assert names(api_search(api, "9132 0585").json()) == ["太仓华盛科技有限公司"]  # spaces
    whole = api_search(api, ORG.lower()).json()
    assert whole["count"] == 1 and names(whole) == ["福州鑫达贸易有限公司"]
    assert api_search(api, uscc_of("91350105MA2Y0XD99")).json()["count"] == 0
    # A whole code with a wrong check digit says so.
    wrong = ORG[:-1] + ("1" if ORG[-1] != "1" else "2")
    response = api_search(api, wrong)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["q"], "msg": "统一社会信用代码校验位错误（第 18 位与前 17 位不符）"}]


def test_a_person_is_never_found(market: dict[str, Subject], api: Callable[..., Any]) -> None:
    person = market["person"]
    for q in ("鑫达", "陈鑫达", "陈鑫"):
        body = api_search(api, q).json()
        assert person.pk not in [item["id"] for item in body["items"]], q
        assert "陈鑫达" not in names(body)
        html = Client().get("/search/", {"q": q}).content.decode()
        results = html[html.index('data-testid="results"'):]  # (the query itself is echoed)
        assert "陈鑫达" not in results and f"/subjects/{person.pk}/" not in html
    assert api_search(api, "陈鑫").json()["count"] == 0


@pytest.mark.parametrize("typed", [
    PERSON_CODE, PERSON_CODE.lower(), "110105 19491231 002X", PERSON_CODE[:-1] + "3",  # mistyped
    PERSON_CODE[:15], f"陈鑫达{PERSON_CODE}",
])
def test_an_id_number_is_refused_without_its_digits(
        market: dict[str, Subject], api: Callable[..., Any], typed: str) -> None:
    response = api_search(api, typed)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [{"loc": ["q"], "msg": search.PERSON_REFUSED}]
    assert "自然人" in body["detail"]
    digits = re.sub(r"\D", "", PERSON_CODE)
    assert digits[6:14] not in response.content.decode()  # the birth date, at least
    page = Client().get("/search/", {"q": typed})
    # base.html's display-mode form carries the page's own address back (the user's own
    # URL, as typed); nothing else on the page may repeat it.
    html = re.sub(r'<input type="hidden" name="next" value="[^"]*">', "", page.content.decode())
    assert page.status_code == 422 and search.PERSON_REFUSED in html
    assert digits[6:14] not in html and "陈鑫达" not in html


def test_staff_still_look_a_person_up_by_id_number(
        market: dict[str, Subject], web: Callable[..., Client], users: dict[str, Any]) -> None:
    html = web(users["office"]).post("/subjects/search/", {"code": PERSON_CODE}).content.decode()
    assert f'href="/subjects/{market["person"].pk}/"' in html


@pytest.mark.parametrize(("q", "says"), [
    ("", "至少两个字"), ("   ", "至少两个字"), ("鑫", "至少两个字"), ("鑫 达", "至少两个字"),
    ("9", "至少输入前两位"), ("——", "至少两个字"), ("鑫" * 61, "不能超过 60 个字符"),
])
def test_a_query_too_short_or_too_long_is_422_naming_q(
        db: Any, api: Callable[..., Any], q: str, says: str) -> None:
    response = api_search(api, q)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["loc"] == ["q"] and says in body["errors"][0]["msg"]
    assert body["detail"].startswith("q：")
    page = Client().get("/search/", {"q": q})
    assert page.status_code == 422 and says in page.content.decode()
    assert 'data-error-for="q"' in page.content.decode()


def test_the_page_lists_results_with_links_to_the_credit_file(
        market: dict[str, Subject], client: Client) -> None:
    empty = client.get("/search/")
    assert empty.status_code == 200 and 'data-testid="results"' not in empty.content.decode()
    html = client.get("/search/", {"q": "鑫达"}).content.decode()
    results = html[html.index('data-testid="results"'):]
    for key in ("org", "shop"):
        assert f'href="/subjects/{market[key].pk}/"' in results
    assert "个体工商户" in results and "法人及非法人组织" in results
    assert "找到 2 个信用主体" in html
    # The credit file it links to is the public one.
    detail = client.get(f"/subjects/{market['org'].pk}/")
    assert detail.status_code == 200 and "福州鑫达贸易有限公司" in detail.content.decode()


@pytest.fixture
def many(db: Any) -> list[Subject]:
    """25 enterprises whose names hold 诚信, and their codes start 91350102."""
    return [get_or_create_subject("organization", uscc_of(f"91350102MA2Y{n:05d}"),
                                  f"福州诚信测试{n:02d}有限公司")[0] for n in range(25)]


def test_paging(many: list[Subject], api: Callable[..., Any], client: Client) -> None:
    expected = [f"福州诚信测试{n:02d}有限公司" for n in range(25)]
    seen = []
    for page in (1, 2, 3):
        body = api_search(api, "诚信", page=page, page_size=10).json()
        assert body["count"] == 25 and body["page"] == page and body["page_size"] == 10
        seen += names(body)
    assert seen == expected
    # Past the end: the last page; the page size held to 1 … 100.
    assert api_search(api, "诚信", page=99, page_size=10).json()["page"] == 3
    assert api_search(api, "诚信", page_size=1000).json()["page_size"] == search.MAX_PAGE_SIZE
    assert api_search(api, "诚信", page=0).json()["page"] == 1
    assert api_search(api, "诚信", page="二").status_code == 422
    by_code = api_search(api, "91350102", page=2, page_size=20).json()
    assert names(by_code) == expected[20:]
    html = client.get("/search/", {"q": "诚信", "page": "2"}).content.decode()
    assert "第 2 / 2 页，共 25 个" in html and "福州诚信测试20有限公司" in html
    assert "福州诚信测试19有限公司" not in html
    assert 'href="?q=%E8%AF%9A%E4%BF%A1&amp;page=1"' in html  # 上一页


def test_the_count_stops_at_the_cap(many: list[Subject], api: Callable[..., Any], client: Client,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 20)
    body = api_search(api, "诚信", page_size=10).json()
    assert body["count"] == 20 and body["count_capped"] is True
    # More than the cap: in the order they were registered (here also the names' order).
    assert names(body) == [f"福州诚信测试{n:02d}有限公司" for n in range(10)]
    assert api_search(api, "诚信", page=5, page_size=10).json()["page"] == 2
    assert api_search(api, "测试05").json() | {"items": []} == {
        "q": "测试05", "count": 1, "count_capped": False, "page": 1, "page_size": 20, "items": []}
    html = client.get("/search/", {"q": "诚信"}).content.decode()
    assert "找到超过 20 个信用主体，请输入更完整的名称或代码以缩小范围" in html


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize(("q", "index"), [
    ("9135", "portal_subject_code"), ("有限", "subjects_subject_pkey"),
])
def test_a_page_reads_its_rows_in_index_order(many: list[Subject], q: str, index: str) -> None:
    """More matches than the cap: the page reads an index in its own order and sorts
    nothing, whatever the planner would prefer on a table this small."""
    rows = search.matches(search.parse(q), many=True)[:20]
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = rows.query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert f"Index Scan using {index}" in plan and "Sort" not in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_fragment_most_names_hold_is_counted_by_a_plain_scan(
        many: list[Subject], monkeypatch: pytest.MonkeyPatch) -> None:
    """有限 (in every name here, by the statistics): the count does not list every match
    through a GIN index; 测试05 (in one name) does."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cur:
        cur.execute("ANALYZE subjects_subject")
    monkeypatch.setattr(search, "_shares", None)
    for q, common in (("有限", True), ("测试05", False), ("诚信", True)):
        with CaptureQueriesContext(connection) as queries:
            page = search.search_page(q)
        count_sql = next(x["sql"] for x in queries.captured_queries if "COUNT(*)" in x["sql"])
        through_gin = "disclosure_bigrams(" in count_sql or " LIKE " in count_sql
        assert through_gin != common, (q, count_sql)
        assert page["count"] == (1 if q == "测试05" else 25)
