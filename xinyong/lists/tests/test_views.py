"""Public list pages: the index, a list with search and pages, masking, 404s, query count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from stdnum.cn import uscc

from conftest import PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.records import services
from xinyong.records.models import Record

TC_ORG = "91320585MA1N000039"


@pytest.fixture
def unit(taicang_unit: Unit) -> Unit:
    """These cases are 太仓's findings and lists: the reporting unit is a 太仓 unit."""
    return taicang_unit



def org_code(n: int) -> str:
    body = f"913205850000{n:05d}"
    return body + uscc.calc_check_digit(body)


def punish(unit: Unit, **kw: Any) -> Record:
    """太仓 10: illegal wildlife trade, decided 70 days ago, enters 联合惩戒对象名单 for 3 years."""
    today = timezone.localdate()
    base: dict[str, Any] = dict(
        subject_kind="organization", subject_name="太仓娄江纺织进出口有限公司", subject_code=TC_ORG,
        behavior="tc_wildlife_trade", occurred_on=today - dt.timedelta(80),
        decided_on=today - dt.timedelta(70), decision_no="太农罚〔2026〕1号",
        facts="非法收购野生动物", severity="serious")
    base.update(kw)
    return services.submit(unit, services.Submission(**base))[0]


def punish_person(unit: Unit) -> Record:
    return punish(unit, subject_kind="person", subject_name="李四", subject_code=PERSON_CODE,
                  behavior="tc_epidemic_false_advertising", decision_no="太市监罚〔2026〕3号")


def test_index_lists_public_lists_with_counts(loaded: Any, unit: Unit, client: Client) -> None:
    punish(unit)
    punish(unit, decision_no="太农罚〔2026〕2号")  # the same subject twice: counted once
    punish(unit, subject_name="另一家公司", subject_code=org_code(7), decision_no="太农罚〔2026〕3号")
    response = client.get("/lists/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "联合惩戒对象名单" in html and "重点监管对象" in html and "守信激励对象" in html
    assert "重点关注名单" not in html  # 太仓's watch list is not public
    assert 'data-count="joint_punishment">2<' in html
    assert 'href="/lists/joint_punishment/"' in html


def test_anonymous_navigation_has_the_lists(loaded: Any, client: Client) -> None:
    assert 'href="/lists/"' in client.get("/").content.decode()


def test_list_page_rows_basis_and_masking(loaded: Any, unit: Unit, client: Client) -> None:
    record = punish(unit)
    punish_person(unit)
    Record.objects.filter(pk=record.pk).update(objection_open=True)
    response = client.get("/lists/joint_punishment/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "太仓娄江纺织进出口有限公司" in html and TC_ORG in html
    assert "李四" in html and "110105********002X" in html
    assert PERSON_CODE not in html
    assert "太农罚〔2026〕1号" in html and "太信用办〔2020〕1号 第10条" in html
    assert 'href="/policies/taicang-2020-1/#clause-10"' in html
    assert html.count("异议处理中") == 1


def test_search_by_name_and_uscc(loaded: Any, unit: Unit, client: Client) -> None:
    punish(unit)
    punish(unit, subject_name="沙溪粮油有限公司", subject_code=org_code(3), decision_no="太农罚〔2026〕5号")
    punish_person(unit)
    by_name = client.get("/lists/joint_punishment/", {"q": "娄江"}).content.decode()
    assert "太仓娄江纺织进出口有限公司" in by_name and "沙溪粮油" not in by_name and "李四" not in by_name
    by_code = client.get("/lists/joint_punishment/", {"q": org_code(3).lower()}).content.decode()
    assert "沙溪粮油有限公司" in by_code and "娄江" not in by_code
    nothing = client.get("/lists/joint_punishment/", {"q": "不存在的公司"}).content.decode()
    assert "没有名称或代码与“不存在的公司”相符的在列主体" in nothing
    blank = client.get("/lists/joint_punishment/", {"q": "   "}).content.decode()
    assert "沙溪粮油有限公司" in blank and "李四" in blank


@pytest.mark.parametrize("typed", [PERSON_CODE, PERSON_CODE.lower(), "110105491231002",
                                   "11010519491231O02X", "110105 1949 1231 002X",
                                   "11010549123100", "1101051949123100211"])  # a digit short, one over
def test_search_by_id_number_is_refused_and_not_echoed(loaded: Any, unit: Unit, client: Client,
                                                       typed: str) -> None:
    punish_person(unit)
    response = client.get("/lists/joint_punishment/", {"q": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "不支持按身份证号码查询" in html
    assert typed not in html and typed.replace(" ", "").upper() not in html
    assert "李四" in html  # the search was dropped, the list is shown whole


def test_pages(loaded: Any, unit: Unit, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xinyong.lists.views.PAGE_SIZE", 2)
    for n in range(5):
        punish(unit, subject_name=f"公司{n}", subject_code=org_code(n), decision_no=f"太农罚〔2026〕{n}号",
               decided_on=timezone.localdate() - dt.timedelta(70 - n))
    first = client.get("/lists/joint_punishment/").content.decode()
    assert "第 1 / 3 页" in first and "公司4" in first and "公司3" in first and "公司2" not in first
    assert "page=2" in first
    last = client.get("/lists/joint_punishment/", {"page": 3}).content.decode()
    assert "公司0" in last and "公司1" not in last and "上一页" in last and "下一页" not in last
    past_end = client.get("/lists/joint_punishment/", {"page": 99}).content.decode()
    assert "第 3 / 3 页" in past_end
    junk = client.get("/lists/joint_punishment/", {"page": "x"}).content.decode()
    assert "第 1 / 3 页" in junk
    searched = client.get("/lists/joint_punishment/", {"q": "公司", "page": 2}).content.decode()
    assert "q=%E5%85%AC%E5%8F%B8&amp;page=3" in searched


@pytest.mark.parametrize("code", ["watch", "no_such_list"])
def test_non_public_or_unknown_list_is_a_polite_404(loaded: Any, unit: Unit, client: Client,
                                                     code: str) -> None:
    response = client.get(f"/lists/{code}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有这个公开名单" in html and 'href="/lists/"' in html


@pytest.mark.parametrize("role", [None, Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_every_role_sees_the_lists(loaded: Any, users: dict[str, User], web: Callable[..., Client],
                                   role: str | None) -> None:
    client = web(users[role] if role else None)
    assert client.get("/lists/").status_code == 200
    assert client.get("/lists/joint_punishment/").status_code == 200


def test_no_n_plus_one(loaded: Any, unit: Unit, client: Client,
                       django_assert_max_num_queries: Any) -> None:
    client.get("/lists/joint_punishment/")  # the rulebook is cached after its first build
    for n in range(12):
        record = punish(unit, subject_name=f"公司{n}", subject_code=org_code(n),
                        decision_no=f"太农罚〔2026〕{n}号")
        if n % 3 == 0:
            Record.objects.filter(pk=record.pk).update(objection_open=True)
    with django_assert_max_num_queries(8):
        response = client.get("/lists/joint_punishment/")
    assert response.content.decode().count("<tr>") == 13
    with django_assert_max_num_queries(8):
        assert client.get("/lists/").status_code == 200


def test_api_search_blank_or_spaced_query(loaded: Any, unit: Unit, client: Client) -> None:
    punish(unit)
    punish_person(unit)
    everyone = client.get("/api/v1/lists/joint_punishment", {"q": "   "}).json()
    assert everyone["total"] == 2  # a blank search is no search: nobody is filtered out
    spaced = client.get("/api/v1/lists/joint_punishment", {"q": f"  {TC_ORG.lower()} "}).json()
    assert [i["code_masked"] for i in spaced["items"]] == [TC_ORG]
