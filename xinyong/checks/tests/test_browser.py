"""Screenshots of a public list page and a check's result page in Debian's Chromium.

Run with `pytest -m browser xinyong/checks/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD, PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.checks.models import Feedback
from xinyong.checks.tests.test_views import BAD_PERSON, BAD_USCC, org_code, punish
from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.records.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"checks-{name}")


@pytest.fixture
def members(loaded: Any, unit: Unit) -> list[Record]:
    made = [
        punish(unit, org_code(1), name="太仓娄江纺织进出口有限公司"),
        punish(unit, org_code(2), name="太仓沙溪野味餐饮有限公司", no="太农罚〔2026〕2号"),
        punish(unit, PERSON_CODE, name="李四", kind="person",
               behavior="tc_epidemic_false_advertising", no="太市监罚〔2026〕3号"),
    ]
    Record.objects.filter(pk=made[1].pk).update(objection_open=True)
    return made


def test_public_list_page(members: list[Record], live_server: Any, browser: Any) -> None:
    page = new_page(browser)
    page.goto(f"{live_server.url}/lists/")
    assert page.locator("[data-count=joint_punishment]").inner_text() == "3"
    shot(page, "lists-index")
    page.click("text=联合惩戒对象名单")
    page.wait_for_url(f"{live_server.url}/lists/joint_punishment/")
    assert page.locator("[data-testid=members] tbody tr").count() == 3
    assert "110105********002X" in page.content() and PERSON_CODE not in page.content()
    assert page.locator("text=异议处理中").count() == 1
    shot(page, "list-page")
    page.fill("input[name=q]", PERSON_CODE)
    page.click("button:has-text('查询')")
    page.wait_for_selector("[data-error-for=q]")
    assert PERSON_CODE not in page.content()
    shot(page, "list-search-refused")


def test_check_result_page(members: list[Record], users: dict[str, User], live_server: Any,
                           browser: Any) -> None:
    page = browser_login(browser, live_server, users[Role.DEPARTMENT], PASSWORD)
    page.goto(f"{live_server.url}/checks/new/")
    page.click("button:has-text('开始核查')")  # nothing chosen: errors beside the fields
    page.wait_for_selector("[data-error-for=scenario]")
    assert page.locator("[data-error-for=codes]").count() == 1
    shot(page, "form-errors")

    page.select_option("#id_scenario", "bidding")
    page.fill("#id_codes", "\n".join([org_code(1), org_code(3), BAD_USCC, PERSON_CODE, BAD_PERSON,
                                      org_code(2)]))
    page.click("button:has-text('开始核查')")
    page.wait_for_selector("[data-testid=results]")
    assert page.locator("[data-testid=results] tbody tr").count() == 6
    assert page.locator("[data-count=restricted]").inner_text() == "3"
    assert PERSON_CODE not in page.content() and BAD_PERSON not in page.content()
    shot(page, "result")

    row = page.locator("#r1")
    row.get_by_test_id("feedback-new").locator("summary").click()
    new = row.get_by_test_id("feedback-new")
    new.locator("input[name=note]").fill("取消投标资格")
    new.locator("button:has-text('提交反馈')").click()  # nothing chosen: the browser asks
    assert not Feedback.objects.exists()
    new.get_by_label("已执行").check()
    new.locator("button:has-text('提交反馈')").click()
    page.wait_for_selector("#r1 [data-testid=feedback-given]")
    assert Feedback.objects.get().note == "取消投标资格"
    assert page.locator("[data-testid=feedback] tbody tr").first.inner_text().count("取消投标资格") == 1
    assert page.locator("#r1 [data-testid=feedback-saved]").count() == 1
    shot(page, "result-feedback")

    fix = page.locator("#r1").get_by_test_id("feedback-correct")
    fix.locator("summary").click()
    fix.get_by_label("未执行").check()
    fix.locator("input[name=reason]").fill("误点“已执行”，尚未开标")
    fix.locator("button:has-text('提交更正')").click()
    page.wait_for_selector("#r1 [data-testid=feedback-saved]:has-text('已更正反馈')")
    history = page.get_by_test_id("feedback-history").first
    history.locator("summary").click()
    assert "更正理由：误点“已执行”，尚未开标" in history.inner_text()
    assert [c.applied for c in Feedback.objects.get().changes.all()] == [True, False]
    shot(page, "result-feedback-corrected")

    office = browser_login(browser, live_server, users[Role.OFFICE], PASSWORD)
    office.goto(f"{live_server.url}/office/checks/")
    assert office.locator("[data-testid=checks] tbody tr").count() == 1
    shot(office, "office-overview")


def test_a_file_is_checked_by_the_worker_and_the_page_moves_to_the_result(
        members: list[Record], users: dict[str, User], live_server: Any, browser: Any,
        tmp_path: Path, settings: Any) -> None:
    from xinyong.checks import services
    from xinyong.checks.models import CheckFile

    settings.MEDIA_ROOT = tmp_path / "media"
    codes = tmp_path / "待核查.csv"
    codes.write_text(f"统一社会信用代码\n{org_code(1)}\n{org_code(2)}\n{org_code(3)}\n", encoding="utf-8")
    page = browser_login(browser, live_server, users[Role.DEPARTMENT], PASSWORD)
    page.goto(f"{live_server.url}/checks/new/")
    page.select_option("#id_scenario", "bidding")
    page.set_input_files("#id_file", str(codes))
    page.click("button:has-text('开始核查')")
    page.wait_for_selector("[data-testid=file-status][data-status=queued]")
    assert page.locator("[data-testid=stalled]").count() == 1  # no worker runs in this test
    shot(page, "file-waiting")
    services.run_check_file(CheckFile.objects.get().pk)  # what the worker does
    page.wait_for_selector("[data-testid=results]")  # the poll moved the page to the result
    assert page.locator("[data-testid=results] tbody tr").count() == 3
    shot(page, "file-result")
