"""Credit repair in Debian's Chromium: a subject applies (a refusal first, then with a file),
the department accepts and approves, and anyone follows the case by its 查询码.

Run with `pytest -m browser xinyong/repairs/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from xinyong.accounts.models import Role, Unit, User
from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.records import determination as d
from xinyong.records.models import Record
from xinyong.repairs.models import Repair
from xinyong.repairs.tests.test_repairs import record_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"repairs-{name}")


def log_in(browser: Any, live_server: Any, user: User) -> Any:
    return browser_login(browser, live_server, user, PASSWORD)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_apply_approve_and_track(loaded: Any, unit: Unit, users: dict[str, User], live_server: Any,
                                 browser: Any, media: Path) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    subject_user, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    ready = record_for(unit, subject_user.subject, decided_on=today - dt.timedelta(days=150),
                       severity="general", n=1)
    early = record_for(unit, subject_user.subject, decided_on=today - dt.timedelta(days=30),
                       severity="serious", n=2)
    assert ready.repairable_from and ready.repairable_from <= today
    assert early.repairable_from and early.repairable_from > today

    # The subject: its records, the earliest dates, the apply form.
    page = log_in(browser, live_server, subject_user)
    page.get_by_role("button", name="信用修复").click()
    page.get_by_role("link", name="我的信用修复").click()
    page.wait_for_url(f"{live_server.url}/repairs/mine/")
    early_row = page.locator(f"tr[data-record='{early.pk}']")
    expect(early_row.get_by_role("button", name="申请修复")).to_be_disabled()
    expect(early_row.get_by_test_id("refusal")).to_contain_text(early.repairable_from.isoformat())
    shot(page, "mine")

    page.locator(f"tr[data-record='{ready.pk}']").get_by_test_id("apply").click()
    page.wait_for_url(f"{live_server.url}/repairs/apply/{ready.pk}/")
    page.fill("#id_statement", "已于本月缴清罚款，并完成整改，建立了价格公示制度。")
    evidence = media / "缴款凭证.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("#id_evidence", str(evidence))
    page.click("button:has-text('提交申请')")  # the commitment is not signed
    expect(page.locator("[data-error-for=commitment]")).to_have_text("须签署信用承诺后方可申请信用修复")
    # The chosen file is kept: listed by name, not to be chosen again.
    expect(page.get_by_test_id("pending-files")).to_contain_text("缴款凭证.pdf")
    shot(page, "apply-error")

    page.check("#id_commitment")
    page.get_by_label("受疫情影响较大").check()
    shot(page, "apply")
    page.click("button:has-text('提交申请')")
    page.wait_for_url(f"{live_server.url}/repairs/*/receipt/")
    repair = Repair.objects.get()
    assert repair.channel == "green" and repair.files.count() == 1
    expect(page.locator(".alert-success")).to_contain_text(repair.query_code)
    expect(page.get_by_test_id("receipt-code")).to_have_text(repair.query_code)
    shot(page, "receipt")
    page.get_by_role("link", name="查看办理详情").click()
    expect(page.get_by_test_id("evidence-files")).to_contain_text("缴款凭证.pdf")
    shot(page, "submitted")

    # The department: the queue, then accept and approve.
    page = log_in(browser, live_server, dept)
    page.goto(f"{live_server.url}/repairs/")
    row = page.locator(f"tr[data-case='{repair.pk}']")
    expect(row).to_contain_text("绿色通道")
    expect(row.get_by_test_id("due-text")).to_contain_text("个工作日")
    shot(page, "queue")
    row.get_by_role("link", name=repair.query_code).click()
    page.wait_for_url(f"{live_server.url}/repairs/{repair.pk}/")
    with page.expect_download() as download:
        page.get_by_test_id("evidence-files").get_by_role("link", name="缴款凭证.pdf").click()
    saved = media / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF
    page.get_by_test_id("accept-form").get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    page.get_by_label("修复通过").check()
    page.fill("#id_decide-reason", "已缴清罚款、完成整改并签署信用承诺，准予修复。")
    said: list[str] = []
    page.once("dialog", lambda dialog: (said.append(dialog.message), dialog.accept()))
    page.click("button:has-text('提交决定')")
    expect(page.get_by_test_id("status")).to_have_text("修复通过")
    # The question says what approval does to this record.
    assert said and said[0].startswith("确定作出决定“修复通过”？") and ready.decision_no in said[0]
    shot(page, "decided")
    assert Record.objects.get(pk=ready.pk).status == d.REPAIRED

    # Anyone with the code: no login, no personal data.
    page = new_page(browser)
    page.goto(f"{live_server.url}/repairs/track/")
    page.fill("#id_code", repair.query_code.lower())
    page.click("button:has-text('查询')")
    page.wait_for_url(f"{live_server.url}/repairs/track/{repair.query_code}/")
    expect(page.get_by_test_id("status")).to_have_text("修复通过")
    expect(page.get_by_test_id("timeline").locator("strong")).to_have_text(["提交申请", "受理", "修复通过"])
    assert "已于本月缴清罚款" not in page.content()
    shot(page, "track")
    page.goto(f"{live_server.url}/repairs/guide/")
    expect(page.get_by_test_id("channels")).to_contain_text("信用修复绿色通道")
    shot(page, "guide")


def test_office_queue_with_an_overdue_case(loaded: Any, unit: Unit, users: dict[str, User],
                                           live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    from xinyong.repairs import services

    today = timezone.localdate()
    subject_user = users[Role.SUBJECT]
    record = record_for(unit, subject_user.subject, decided_on=today - dt.timedelta(days=200),
                        severity="general", n=3)
    repair = services.apply(subject_user, record.pk, "已整改", True)
    Repair.objects.filter(pk=repair.pk).update(submitted_on=today - dt.timedelta(days=40),
                                               accept_by=today - dt.timedelta(days=38),
                                               due_by=today - dt.timedelta(days=20))
    page = log_in(browser, live_server, users[Role.OFFICE])
    page.goto(f"{live_server.url}/repairs/")
    expect(page.locator(f"tr[data-case='{repair.pk}']").get_by_test_id("overdue")).to_have_text("已超期")
    # The office's bar stays on one line with its dropdowns.
    nav = page.locator("nav.navbar")
    brand = nav.locator(".navbar-brand").bounding_box()
    logout = nav.get_by_role("button", name="退出登录").bounding_box()
    assert brand and logout and abs(logout["y"] - brand["y"]) < brand["height"]
    nav.get_by_role("button", name="信用修复").click()
    shot(page, "office-queue")
    page.goto(f"{live_server.url}/repairs/{repair.pk}/")
    page.fill("#id_take_over-reason", "认定单位逾期未办结")
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("button:has-text('接办')")
    expect(page.get_by_test_id("taken-over")).to_be_visible()
    assert asked and asked[0].startswith("确定接办？") and unit.name in asked[0]
    expect(page.get_by_test_id("handling-unit")).to_contain_text("办理单位：信用办")
    shot(page, "office-take-over")
