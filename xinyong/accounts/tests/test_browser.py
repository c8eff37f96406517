"""In Debian's Chromium (Playwright): the demo's office user sees the demo-accounts warning on
the home page, deactivates a unit through the confirmation page, and the unit's user, who
was logged in, is sent to the login page and told why on the next try. Screenshots go to
test-artifacts/ for a person to look at."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.demo.data import DEMO_PASSWORD

pytestmark = [pytest.mark.browser]


def test_office_deactivates_a_unit_and_its_user_is_logged_out(
    transactional_db: Any, live_server: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    from xinyong.accounts.models import Unit, User

    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())
    office, scjg = User.objects.get(username="office"), User.objects.get(username="scjg")
    liaison = browser_login(browser, live_server, scjg, DEMO_PASSWORD)
    page = browser_login(browser, live_server, office, DEMO_PASSWORD)

    warning = page.get_by_test_id("demo-accounts")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("演示账号仍可登录")
    for name in ("office", "scjg", "kangning", "bank"):
        expect(warning.locator("code", has_text=name).first).to_be_visible()
    screenshot(page, "home-demo-accounts-warning")

    page.goto(f"{live_server.url}/office/units/")
    row = page.get_by_role("row").filter(has_text="市场监督管理局")
    expect(row.get_by_text("启用中")).to_be_visible()
    row.get_by_role("link", name="停用").click()
    expect(page.get_by_role("heading", name="停用成员单位：市场监督管理局")).to_be_visible()
    expect(page.get_by_test_id("consequences")).to_contain_text("1 个用户不能登录")
    page.get_by_role("button", name="确认停用").click()  # no reason yet
    expect(page.locator(".invalid-feedback")).to_contain_text("这个字段是必填项")
    page.get_by_label("原因").fill("机构改革，职能调整")
    screenshot(page, "unit-deactivate-confirm")
    page.get_by_role("button", name="确认停用").click()
    page.wait_for_url(f"{live_server.url}/office/units/")
    expect(page.get_by_role("alert").filter(has_text="已停用成员单位：市场监督管理局")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="市场监督管理局")
    expect(row.get_by_text("已停用")).to_be_visible()
    expect(row.get_by_role("link", name="启用")).to_be_visible()
    screenshot(page, "units-with-state")
    assert not Unit.objects.get(name="市场监督管理局").is_active

    # The liaison's open session: the next page sends them to log in, and logging in says why.
    liaison.goto(f"{live_server.url}/records/")
    liaison.wait_for_url(f"{live_server.url}/login/**")
    liaison.fill("#id_username", "scjg")
    liaison.fill("#id_password", DEMO_PASSWORD)
    liaison.click("main button[type=submit]")
    expect(liaison.locator(".alert-danger")).to_contain_text("已停用，不能登录")
    screenshot(liaison, "login-unit-deactivated")

    fresh = new_page(browser)
    fresh.goto(f"{live_server.url}/")
    expect(fresh.get_by_test_id("demo-accounts")).to_have_count(0)
