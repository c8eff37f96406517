"""Screenshots of the 双公示 pages in Debian's Chromium: the public search, a penalty by form,
the timeliness page and the office's exchange page. PNGs land in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.conftest_helpers import browser_login, screenshot
from xinyong.exchange import batches

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_pages_on_a_desktop_and_a_phone(entries: dict[str, Any], live_server: Any,
                                                   browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/publicity/penalties/")
    page.fill("input[name=q]", "甲餐饮")
    page.click("button:has-text('查询')")
    page.wait_for_url("**q=*")
    rows = page.locator("[data-testid=entries] tbody tr")
    assert rows.count() == 1 and "榕马市监罚〔2026〕801号" in rows.first.inner_text()
    screenshot(page, "disclosure-search")
    page.goto(f"{live_server.url}/publicity/penalties/")
    assert "陈*" in page.content() and "陈明" not in page.content()
    page.click("text=榕马发改罚〔2026〕802号")
    assert "吊销许可证件" in page.inner_text("[data-testid=entry]")
    screenshot(page, "disclosure-penalty")
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/publicity/licences/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(phone, "disclosure-licences-phone")


def test_a_penalty_by_form_and_the_office_pages(entries: dict[str, Any], users: dict[str, User],
                                                live_server: Any, browser: Any) -> None:
    page = browser_login(browser, live_server, users[Role.DEPARTMENT], PASSWORD)
    page.goto(f"{live_server.url}/records/new/")
    page.select_option("select[name=subject_kind]", "organization")
    page.fill("input[name=subject_name]", "福州马尾甲餐饮有限公司")
    page.fill("input[name=subject_code]", entries["fined"].subject.code)
    page.select_option("select[name=behavior]", "administrative_penalty")
    day = entries["fined"].decided_on.isoformat()
    page.fill("input[name=occurred_on]", day)
    page.fill("input[name=decided_on]", day)
    page.fill("input[name=decision_no]", "榕马市监罚〔2026〕901号")
    page.check("input[name=penalty_category][value=罚款]")
    page.check("input[name=penalty_category][value=责令停产停业]")
    page.fill("input[name=fine_wan]", "2")
    page.fill("input[name=authority_name]", "福州市马尾区市场监督管理局")
    screenshot(page, "penalty-form")
    page.click("button:has-text('报送')")
    page.wait_for_url("**/records/*/")
    text = page.inner_text("main") if page.locator("main").count() else page.content()
    assert "按处罚种类和数额推定" in text and "严重" in text
    screenshot(page, "penalty-record")
    page.goto(f"{live_server.url}/publicity/timeliness/")
    assert page.locator("[data-testid=timeliness] tbody tr").count() >= 1
    screenshot(page, "timeliness")

    office = browser_login(browser, live_server, users[Role.OFFICE], PASSWORD)
    office.goto(f"{live_server.url}/exchange/")
    office.click("[data-testid=cut]")
    office.wait_for_url("**/exchange/*/")
    batch = batches.Batch.objects.get()
    assert batch.count >= 5 and f"第 {batch.pk} 批" in office.content()
    screenshot(office, "exchange-batch")
