"""Each role's home page: the public's search and services, the clerk's work due, the
office's view across units, the subject's own credit at a glance, the institution's work
(信易贷: grants received, needs waiting and taken, products)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from conftest import BANK2_CODE
from xinyong.accounts.models import Institution, User
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
    assert 'action="/search/"' in section(html, "search-box")  # the portal's search (GET)
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


def count(html: str, testid: str) -> int:
    return int(re.search(rf'data-testid="{testid}">(\d+)<', html).group(1))  # type: ignore[union-attr]


def test_an_institution_sees_its_grants_needs_and_products(demo_site: dict[str, User]) -> None:
    from xinyong.financing import services as financing
    from xinyong.grants import services as grants

    bank, loujiang = demo_site["bank"], demo_site["loujiang"]
    before = section(page(demo_site, "bank"), "institution-work", until="在线服务")
    assert "示例农商银行马尾支行" in page(demo_site, "bank")  # 所属机构
    grant = grants.grant(loujiang, bank.institution, ["profile", "report"], "申请出口信用贷款")
    financing.publish_product(bank, name="信易贷·诚信贷", amount_min_wan=10, amount_max_wan=300,
                              term_min_months=6, term_max_months=36, rate_min="3.45",
                              rate_max="4.35")
    need = financing.submit(loujiang, 100, 12, "购买原材料", open_to_all=True)
    work = section(page(demo_site, "bank"), "institution-work", until="在线服务")
    assert count(work, "live-grants") == count(before, "live-grants") + 1
    latest = section(work, "latest-grants", until="</ul>")
    assert f'href="/subjects/{loujiang.subject_id}/"' in latest and f'href="/grants/{grant.pk}/"' in latest
    assert count(work, "waiting") == count(before, "waiting") + 1
    assert f'href="/financing/needs/{need.pk}/"' in work
    assert "信易贷·诚信贷" in section(work, "products")
    assert 'href="/checks/new/"' in work and 'href="/financing/needs/"' in work
    # Taken: counted as its own, listed with its deadline.
    financing.workflow.accept(need.pk, bank)
    after = section(page(demo_site, "bank"), "institution-work", until="在线服务")
    assert count(after, "waiting") == count(before, "waiting")
    assert count(after, "taken") == count(before, "taken") + 1
    assert "娄江" in section(after, "due", until="</ul>")
    # Another bank's user sees none of it.
    other = User.objects.create(username="bank2", role="institution", institution=Institution.objects.create(
        code=BANK2_CODE, name="太仓示例村镇银行", region="320585"))
    mine = section(page({"x": other}, "x"), "institution-work", until="在线服务")
    assert count(mine, "live-grants") == 0 and count(mine, "taken") == 0
    assert f'href="/financing/needs/{need.pk}/"' not in mine  # taken by the other bank


def test_a_subject_sees_its_grants_and_needs(demo_site: dict[str, User]) -> None:
    from xinyong.grants import services as grants

    html = page(demo_site, "loujiang")
    card = section(html, "financing", until="</div></div>")
    live = count(card, "live-grants")
    assert 'href="/grants/"' in card and 'href="/financing/needs/mine/"' in card
    grants.grant(demo_site["loujiang"], demo_site["bank"].institution, ["profile"], "申请贷款")
    card = section(page(demo_site, "loujiang"), "financing", until="</div></div>")
    assert count(card, "live-grants") == live + 1


def test_the_menus_of_institutions_and_subjects(demo_site: dict[str, User]) -> None:
    from xinyong.front.navigation import menu_for

    def labels(user: User) -> dict[str, list[str]]:
        return {item["label"]: [c["label"] for c in item.get("children", [])]
                for item in menu_for(user)}

    bank = labels(demo_site["bank"])
    assert "授权查询" in bank and "信用核查" in bank
    assert {"融资需求", "产品管理", "诚信中小企业名单"} <= set(bank["信易贷"])
    subject = labels(demo_site["kangning"])
    assert {"授权管理", "发布融资需求", "我的融资需求"} <= set(subject["信易贷"])
    office = labels(demo_site["office"])
    assert "金融机构" in office["系统管理"] and "信易贷统计" in office["信用记录"]
    assert "信易贷" not in office and "授权查询" not in office
    assert "信易贷" not in labels(demo_site["scjg"])


def test_the_home_page_search_finds_an_enterprise(demo_site: dict[str, User], client: Any) -> None:
    html = Client().post("/subjects/search/", {"code": "康宁医疗"}).content.decode()
    assert "福州马尾康宁医疗器械有限公司" in section(html, "matches")
