"""Each role's home page: the public's search and services, the clerk's work due, the
office's view across units, the subject's own credit at a glance, the institution's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import User
from xinyong.conftest_helpers import login
from xinyong.front import home


def page(users: dict[str, User] | None, who: str | None) -> str:
    client = Client()
    if who:
        assert users is not None
        login(client, users[who])
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, testid: str, until: str = 'data-testid="') -> str:
    """From the element with `testid` to the next one (or to `until`)."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find(until, start + len(testid) + 14)
    return html[start:end if end > 0 else None]


def test_the_public_gets_a_search_box_and_the_services(demo_site: dict[str, User]) -> None:
    html = page(None, None)
    assert 'action="/subjects/search/"' in section(html, "search-box")
    services = section(html, "services")
    for name in ("信用查询", "信用名单", "政策规则", "信用修复指南", "办理进度查询"):
        assert name in services
    assert "待办事项" not in html and "我的信用概况" not in html


def test_a_department_sees_its_own_cases_due_and_checks_without_feedback(
        demo_site: dict[str, User]) -> None:
    html = page(demo_site, "scjg")
    todo = section(html, "todo", until="在线服务")
    # The demo's repair and objection are both with the market regulator, each due soon;
    # the force-majeure certificates are the office's.
    assert todo.count("正在办理 <strong>1</strong> 件") == 2
    assert todo.count("正在办理 <strong>0</strong> 件") == 1
    # The 复工复产 commitment it approved waits for its post-verification.
    assert "告知承诺待核查 <strong>1</strong> 件，无逾期" in section(html, "commitment-checks")
    assert "福州马尾康宁医疗器械有限公司" in section(html, "due")
    assert "1 次核查命中了措施，尚未反馈执行情况" in section(html, "checks-without-feedback")
    assert "报送信用记录" in section(html, "services")
    # Another unit's clerk sees none of it.
    other = page(demo_site, "tcny")
    assert section(other, "todo", until="在线服务").count("正在办理 <strong>0</strong> 件") == 3
    assert "告知承诺待核查 <strong>0</strong> 件" in section(other, "commitment-checks")
    assert "命中措施的核查都已反馈" in other


def test_the_office_sees_overdue_cases_by_unit(demo_site: dict[str, User]) -> None:
    office = demo_site["office"]
    later = timezone.localdate() + dt.timedelta(days=60)
    kinds = home.case_work(office, later)
    # Repair, objection, and the exporter's certificate application waiting for the office.
    assert [k["overdue"] for k in kinds] == [1, 1, 1]
    assert all(case.overdue_now for k in kinds for case in k["due"])
    assert home.overdue_by_unit(later) == [{"unit": "市场监督管理局", "overdue": 2},
                                           {"unit": "信用办", "overdue": 1}]
    assert home.overdue_by_unit(timezone.localdate()) == []
    assert "各单位超期案件" not in page(demo_site, "office")  # none overdue today


def test_a_subject_sees_its_own_credit_at_a_glance(demo_site: dict[str, User]) -> None:
    html = page(demo_site, "kangning")
    overview = section(html, "overview", until="我的信用档案")
    assert 'data-testid="dishonest-count">2<' in overview
    assert "重点监管对象" in html  # the list it is on
    repairable = section(html, "repairable")
    assert "修复申请办理中" in repairable and "起可以申请修复" in repairable
    assert "查询码" in html and "我的信用档案" in section(html, "services")
    assert "待办事项" not in html


def test_an_institution_is_told_plainly_what_it_may_do(demo_site: dict[str, User]) -> None:
    html = page(demo_site, "bank")
    assert "尚未开通" in section(html, "institution-scope")


def test_the_home_page_search_finds_an_enterprise(demo_site: dict[str, User], client: Any) -> None:
    html = Client().post("/subjects/search/", {"code": "康宁医疗"}).content.decode()
    assert "福州马尾康宁医疗器械有限公司" in section(html, "matches")
