"""补正 in Debian's Chromium, for every kind of case: the office asks for material, the
applicant sees what is missing, supplies a file and the case runs again.

Run with `pytest -m browser xinyong/casework/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.tests.conftest import Kind
from xinyong.conftest_helpers import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_material_asked_for_and_supplied(kind: Kind, case: Case, users: dict[str, User],
                                         live_server: Any, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url = f"{live_server.url}/{kind.path}/{case.pk}/"
    office = browser_login(browser, live_server, users[Role.OFFICE], PASSWORD)
    office.goto(url)
    office.fill("#id_material-reason", "请补充缴清罚款的银行回单")
    office.get_by_test_id("material-form").get_by_role("button", name="要求补正").click()
    expect(office.get_by_test_id("status")).to_have_text("待补正材料")
    expect(office.get_by_test_id("due-text")).to_contain_text("期限暂停计算")
    screenshot(office, f"casework-{kind.name}-awaiting")

    applicant = browser_login(browser, live_server, users[Role.SUBJECT], PASSWORD)
    applicant.goto(url)
    expect(applicant.get_by_test_id("material-request")).to_contain_text("请补充缴清罚款的银行回单")
    receipt = tmp_path / "银行回单.pdf"
    receipt.write_bytes(b"%PDF-1.4\n%receipt\n")
    applicant.fill("#id_supply-note", "已补充银行回单")
    applicant.set_input_files("#id_supply-evidence", str(receipt))
    applicant.get_by_test_id("supply-form").get_by_role("button", name="提交补正").click()
    expect(applicant.get_by_test_id("status")).to_have_text("已提交")
    expect(applicant.get_by_test_id("evidence-files")).to_contain_text("银行回单.pdf")
    expect(applicant.get_by_test_id("timeline")).to_contain_text("补正材料")
    screenshot(applicant, f"casework-{kind.name}-supplied")
    assert type(case).objects.get(pk=case.pk).status == c.SUBMITTED


def test_the_receipt_on_a_phone(kind: Kind, case: Case, users: dict[str, User], live_server: Any,
                                browser: Any) -> None:
    """The receipt at 390x844: nothing runs off the screen, the code reads whole, and the
    print version drops the site's bars and the buttons."""
    from playwright.sync_api import expect

    from xinyong.conftest_helpers import new_page

    page = new_page(browser, 390, 844)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users[Role.SUBJECT].username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/{kind.path}/mine/")
    page.get_by_test_id("receipt-link").first.click()
    page.wait_for_url(f"{live_server.url}/{kind.path}/{case.pk}/receipt/")
    expect(page.get_by_test_id("receipt-code")).to_have_text(case.query_code)
    expect(page.get_by_test_id("receipt-kind")).to_have_text(case.NOUN)
    expect(page.get_by_test_id("print")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_test_id("receipt-code").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, f"casework-{kind.name}-receipt-390")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    screenshot(page, f"casework-{kind.name}-receipt-print")
