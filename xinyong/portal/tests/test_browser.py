"""In Chromium, as a member of the public on the demo site: search a company from the home
page, open its credit file, read a typical case and the policies in force; at 1280 px and at
a phone's 390 px. Screenshots: test-artifacts/portal-*.png."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from xinyong.conftest_helpers import new_page, no_english, screenshot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo(loaded: Any, live_server: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_OPERATOR = "福州市马尾区社会信用体系建设工作办公室"
    settings.SITE_CONTACT = "电话 0591-00000000"
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())


def fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("width", [1280, 390])
def test_the_public_finds_a_company_reads_a_case_and_the_policies(
        demo: None, live_server: Any, browser: Any, width: int) -> None:
    from playwright.sync_api import expect

    page = new_page(browser, width=width, height=800 if width > 400 else 844)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="在线服务")).to_be_visible()
    expect(page.get_by_test_id("services").get_by_role("link", name="信用修复", exact=True)).to_be_visible()
    expect(page.get_by_test_id("cases").locator("a").first).to_be_visible()
    expect(page.get_by_test_id("policies")).to_contain_text("太信用办〔2020〕1号")
    expect(page.locator("footer")).to_contain_text("主办单位：福州市马尾区社会信用体系建设工作办公室")
    no_english(page)
    fits(page, width)
    screenshot(page, f"portal-home-{width}")

    # The search box: a company by a fragment of its name.
    box = page.get_by_role("searchbox", name="企业或个体工商户名称、统一社会信用代码")
    box.fill("闽江")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.get_by_test_id("results")
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results).to_contain_text("福州闽江生鲜超市有限公司")
    expect(page.get_by_test_id("result-count")).to_contain_text("找到 1 个信用主体")
    no_english(page)
    fits(page, width)
    screenshot(page, f"portal-search-{width}")
    results.get_by_role("link").first.click()
    page.wait_for_url("**/subjects/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("福州闽江生鲜超市有限公司")
    fits(page, width)
    screenshot(page, f"portal-subject-{width}")

    # A person is not searchable: said plainly, the number not shown back.
    page.goto(f"{live_server.url}/search/")
    box = page.get_by_role("searchbox", name="企业或个体工商户名称、统一社会信用代码")
    box.fill("350105198506123010")
    box.press("Enter")
    expect(page.get_by_text("本页不提供自然人信用信息查询")).to_be_visible()
    expect(box).to_have_value("")
    if width > 400:
        screenshot(page, "portal-search-person-1280")

    # A typical case from the home page.
    page.goto(f"{live_server.url}/")
    case = page.get_by_test_id("cases").locator("a").first
    title = case.locator("span.me-auto").inner_text()
    case.click()
    page.wait_for_url("**/articles/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    fits(page, width)
    screenshot(page, f"portal-case-{width}")

    # A policy in force from the home page.
    page.goto(f"{live_server.url}/")
    policy = page.get_by_test_id("policies").get_by_role("link").first
    name = policy.inner_text()
    policy.click()
    page.wait_for_url("**/policies/*/")
    expect(page.locator("main")).to_contain_text(name)
    fits(page, width)
    screenshot(page, f"portal-policy-{width}")
