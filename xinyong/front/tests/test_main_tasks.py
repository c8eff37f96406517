"""On a 390×844 phone, in Chromium, each kind of user does their main task from the home
page: a member of the public looks an enterprise up, a department's clerk reports a record,
an enterprise follows its own repair application, the office opens a record from its list.
No step is wider than the screen; a screenshot of each step goes to test-artifacts/tasks/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from xinyong.accounts.models import User
from xinyong.conftest_helpers import ARTIFACTS, new_page
from xinyong.demo.data import DEMO_PASSWORD

pytestmark = [pytest.mark.browser]

WIDTH = 390


class Phone:
    def __init__(self, browser: Any, live_server: Any, who: str) -> None:
        self.page = new_page(browser, width=WIDTH, height=844)
        self.url = live_server.url
        self.who = who
        self.steps = 0
        (ARTIFACTS / "tasks").mkdir(parents=True, exist_ok=True)

    def log_in(self) -> None:
        self.page.goto(f"{self.url}/login/")
        self.page.get_by_label("用户名").fill(self.who)
        self.page.get_by_label("密码").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{self.url}/")
        self.step("home")

    def step(self, name: str) -> None:
        """The page as it is now fits the screen; keep a picture of it."""
        self.page.wait_for_load_state("load")
        self.steps += 1
        self.page.screenshot(path=str(ARTIFACTS / "tasks" / f"{self.who}-{self.steps}-{name}.png"),
                             full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{self.who} {name}: {width}px"


def test_the_public_looks_up_an_enterprise(transactional_db: Any, demo_site: dict[str, User],
                                           live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    phone = Phone(browser, live_server, "public")
    phone.page.goto(f"{live_server.url}/")
    phone.step("home")
    phone.page.get_by_placeholder("企业名称或信用代码").fill("闽江生鲜")
    phone.page.get_by_role("button", name="查询").click()
    phone.step("results")
    phone.page.get_by_role("link", name="福州闽江生鲜超市有限公司").click()
    expect(phone.page.get_by_role("heading", name="福州闽江生鲜超市有限公司")).to_be_visible()
    phone.step("credit-file")


def test_a_clerk_reports_a_record(transactional_db: Any, demo_site: dict[str, User],
                                  live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    phone = Phone(browser, live_server, "scjg")
    phone.log_in()
    expect(phone.page.get_by_test_id("todo")).to_be_visible()
    phone.page.get_by_role("link", name="报送信用记录").click()
    phone.step("form")
    page = phone.page
    page.select_option("#id_subject_kind", "organization")
    page.fill("#id_subject_name", "福州闽江生鲜超市有限公司")
    page.fill("#id_subject_code", "91350105MA2Y00002W")
    page.select_option("#id_behavior", "administrative_penalty")
    page.fill("#id_occurred_on", "2026-10-20")
    page.fill("#id_decided_on", "2026-11-02")
    page.fill("#id_decision_no", "榕马市监罚〔手机〕1号")
    page.fill("#id_facts", "未按规定明码标价")
    # A penalty says what it was; the packs derive its severity (情节 left to them).
    page.check("input[name=penalty_category][value=罚款]")
    page.fill("#id_fine_wan", "0.5")
    page.click("button:has-text('报送')")
    expect(page.get_by_text("榕马市监罚〔手机〕1号").first).to_be_visible()
    expect(page.get_by_text("按处罚种类和数额推定").first).to_be_visible()
    phone.step("record")


def test_an_enterprise_follows_its_repair(transactional_db: Any, demo_site: dict[str, User],
                                          live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    phone = Phone(browser, live_server, "kangning")
    phone.log_in()
    expect(phone.page.get_by_test_id("overview")).to_be_visible()
    phone.page.get_by_role("link", name="信用修复申请").first.click()
    expect(phone.page.get_by_role("heading", name=re.compile("^信用修复申请 XF"))).to_be_visible()
    phone.step("repair")


def test_the_office_opens_a_record(transactional_db: Any, demo_site: dict[str, User],
                                   live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    phone = Phone(browser, live_server, "office")
    phone.log_in()
    phone.page.get_by_role("link", name="信用记录", exact=True).click()
    phone.step("records")
    phone.page.get_by_role("link", name="榕马市监罚〔演示〕9号").click()
    expect(phone.page.get_by_test_id("trace")).to_be_visible()
    phone.step("record")
