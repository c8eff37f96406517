"""In Debian's Chromium (Playwright): an office user logs in through the login form, lands on
the home page, and the Chinese text renders as glyphs. Full-page screenshots of the home and
units pages go to test-artifacts/ for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, Unit, User
from xinyong.conftest_helpers import new_page

pytestmark = [pytest.mark.browser]

# Draws each character on its own canvas in the page's font; tofu boxes (no CJK font) are
# all the same picture, real glyphs are not. Returns the number of distinct pictures.
DISTINCT_GLYPHS = """
(text) => {
  const font = getComputedStyle(document.body).fontFamily;
  const seen = new Set();
  for (const ch of text) {
    const canvas = document.createElement("canvas");
    canvas.width = 40; canvas.height = 40;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.font = `32px ${font}`;
    ctx.fillText(ch, 2, 32);
    seen.add(canvas.toDataURL());
  }
  return seen.size;
}
"""


@pytest.fixture
def page(browser: Any) -> Any:
    return new_page(browser, width=1280, height=800)


@pytest.fixture
def artifacts(pytestconfig: pytest.Config) -> Path:
    path = pytestconfig.rootpath / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def test_office_logs_in_and_sees_chinese(
    transactional_db: Any, live_server: Any, make_user: Callable[..., User], page: Any,
    artifacts: Path,
) -> None:
    from playwright.sync_api import expect

    Unit.objects.create(code="113501050030000041", name="市场监督管理局", region="350105")
    make_user("alice", Role.OFFICE, display_name="信用办管理员")

    page.goto(f"{live_server.url}/office/units/")
    # Not logged in: the office page sends us to the login form, which brings us back.
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/office/units/")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("whoami")).to_have_text("信用办管理员 · 信用办")
    expect(page.get_by_text("您的角色是信用办")).to_be_visible()
    nav = page.locator("nav")
    for item in ("首页", "政策规则", "信用查询"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    # The office sees many pages: they are grouped so that the bar stays on one line.
    brand = nav.locator(".navbar-brand").bounding_box()
    logout = nav.get_by_role("button", name="退出登录").bounding_box()
    assert brand and logout and abs(logout["y"] - brand["y"]) < brand["height"], (brand, logout)
    # ... and within the screen: nothing pushes the page wider than the window.
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert logout["x"] + logout["width"] <= width, (logout, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # 修改密码 is in the account menu under the user's name.
    nav.get_by_role("button", name="我的账号").click()
    expect(nav.get_by_role("link", name="修改密码")).to_be_visible()
    page.screenshot(path=str(artifacts / "home-office-account-menu.png"))
    nav.get_by_role("button", name="系统管理").click()
    for item in ("成员单位", "用户", "接口令牌", "审计日志", "通知发件箱"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect(page.get_by_test_id("unit-count")).to_have_text("1")
    # The stylesheet was served (the brand colour is on the navigation bar).
    assert page.locator("nav").evaluate(
        "n => getComputedStyle(n).backgroundColor") == "rgb(178, 34, 34)"
    text = "公共信用信息平台成员单位信用办"
    assert page.evaluate(DISTINCT_GLYPHS, text) == len(set(text))
    page.screenshot(path=str(artifacts / "home-office.png"), full_page=True)

    nav.get_by_role("link", name="成员单位", exact=True).click()
    page.wait_for_url(f"{live_server.url}/office/units/")
    expect(page.get_by_role("heading", name="成员单位", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="市场监督管理局")).to_be_visible()
    # Create a unit with a bad code: the error shows beside the field.
    page.get_by_label("单位名称").fill("发展和改革局")
    page.get_by_label("统一社会信用代码").fill("11350105003000001Q")
    page.get_by_role("button", name="新建").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("校验位错误")
    page.screenshot(path=str(artifacts / "office-units.png"), full_page=True)

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/login/")
