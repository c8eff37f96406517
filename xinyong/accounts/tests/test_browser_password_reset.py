"""In Debian's Chromium (Playwright), on a telephone's screen (390×844): the office finds a
user, resets the password (a confirmation dialog first), reads the temporary password; the
user logs in with it, is held on the password change page until a new password is set,
then goes on. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.conftest_helpers import new_page, screenshot

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "Fresh-pass-2026-xy"


def phone_login(browser: Any, live_server: Any, username: str, password: str) -> Any:
    page = new_page(browser, **PHONE)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    return page


def test_reset_and_forced_change_on_a_phone(transactional_db: Any, live_server: Any,
                                            browser: Any) -> None:
    from playwright.sync_api import expect

    from xinyong.accounts.models import Role, Unit, User

    unit = Unit.objects.create(code="113501050030000041", name="市场监督管理局", region="350105")
    for username, role, extra in [("alice", Role.OFFICE, {}),
                                  ("bob", Role.DEPARTMENT, {"unit": unit, "display_name": "李四"})]:
        user = User(username=username, role=role, **extra)
        user.set_password(PASSWORD)
        user.save()

    office = phone_login(browser, live_server, "alice", PASSWORD)
    office.wait_for_url(f"{live_server.url}/")
    office.goto(f"{live_server.url}/office/users/?q=李四")
    office.get_by_role("link", name="管理用户 李四").click()
    expect(office.get_by_role("heading", name=re.compile("用户：bob"))).to_be_visible()
    office.get_by_role("link", name="重置密码").click()
    expect(office.get_by_test_id("consequences")).to_contain_text("必须先设置新密码")
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    office.on("dialog", accept)
    office.get_by_role("button", name="确认重置密码").click()
    shown = office.get_by_test_id("temporary-password")
    expect(shown).to_contain_text("临时密码只显示这一次")
    assert dialogs and "确定重置用户 bob 的密码" in dialogs[0]
    temporary = shown.locator("code").inner_text().strip()
    screenshot(office, "user-password-reset-phone")

    user = phone_login(browser, live_server, "bob", temporary)
    user.wait_for_url(re.compile(r"/password/change/"))
    expect(user.get_by_test_id("must-change")).to_be_visible()
    screenshot(user, "password-change-forced-phone")
    user.goto(f"{live_server.url}/records/")  # every page leads back here
    user.wait_for_url(re.compile(r"/password/change/\?next=/records/"))
    user.get_by_label("当前密码").fill(temporary)
    user.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    user.get_by_label("再次输入新密码").fill(NEW_PASSWORD + "x")
    user.get_by_role("button", name="保存新密码").click()
    expect(user.locator(".invalid-feedback")).to_contain_text("两次输入的新密码不一致")
    screenshot(user, "password-change-mismatch-phone")
    user.get_by_label("当前密码").fill(temporary)
    user.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    user.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    user.get_by_role("button", name="保存新密码").click()
    user.wait_for_url(f"{live_server.url}/records/")
    expect(user.get_by_role("alert").filter(has_text="密码已修改")).to_be_visible()
    assert not User.objects.get(username="bob").must_change_password

    office.goto(f"{live_server.url}/office/audit/")
    expect(office.get_by_test_id("events")).to_contain_text("重置密码")
    expect(office.get_by_test_id("events")).to_contain_text("修改密码")
    screenshot(office, "audit-log-phone")
