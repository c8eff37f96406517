"""Objections in Debian's Chromium: a subject disputes a record (a form error first), the
mark shows on the public list, the unit accepts and upholds it, the record leaves the list,
and anyone follows the case by its 查询码.

Run with `pytest -m browser xinyong/objections/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, Unit, User
from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.objections.models import Objection
from xinyong.records import determination as d
from xinyong.records.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"objections-{name}")


def test_dispute_uphold_and_track(loaded: Any, unit: Unit, users: dict[str, User],
                                  live_server: Any, browser: Any,
                                  punish: Callable[..., Record]) -> None:
    from playwright.sync_api import expect

    record = punish(unit)
    name = users[Role.SUBJECT].subject.name
    public = new_page(browser)
    public.goto(f"{live_server.url}/lists/joint_punishment/")
    expect(public.get_by_text(name)).to_be_visible()

    page = browser_login(browser, live_server, users[Role.SUBJECT], PASSWORD)
    page.goto(f"{live_server.url}/records/{record.pk}/")
    page.click("text=对本记录提出异议")
    page.click("[data-testid=objection-form] button[type=submit]")  # no reason given
    expect(page.locator("[data-error-for=reason]")).to_contain_text("请写明异议理由")
    shot(page, "form-error")
    page.fill("#id_reason", "行为发生时本公司尚未成立，该处罚对象有误")
    page.fill("#id_evidence_text", "营业执照（成立日期晚于处罚所认定的行为日期）")
    page.click("[data-testid=objection-form] button[type=submit]")
    objection = Objection.objects.get()
    page.wait_for_url(f"{live_server.url}/objections/{objection.pk}/receipt/")
    expect(page.locator(".alert-success")).to_contain_text(f"查询码 {objection.query_code}")
    expect(page.get_by_test_id("receipt-code")).to_have_text(objection.query_code)
    shot(page, "submitted")

    # While open, the public list carries the mark.
    public.reload()
    expect(public.locator("text=异议处理中")).to_have_count(1)
    shot(public, "list-mark")

    dept = browser_login(browser, live_server, users[Role.DEPARTMENT], PASSWORD)
    dept.goto(f"{live_server.url}/objections/")
    expect(dept.get_by_text(objection.query_code)).to_be_visible()
    shot(dept, "queue")
    dept.click(f"text={objection.query_code}")
    dept.check("[data-testid=accept-form] input[name=accept-decision][value=accept]")
    dept.click("[data-testid=accept-form] button[type=submit]")
    expect(dept.locator("[data-testid=accept-form]")).to_have_count(0)
    dept.check("[data-testid=decide-form] input[name=decide-decision][value=upheld]")
    dept.fill("#id_decide-reason", "营业执照显示成立于行为发生之后，撤销该记录")
    dept.on("dialog", lambda dialog: dialog.accept())  # "提交后不能更改" confirmation
    dept.click("[data-testid=decide-form] button[type=submit]")
    expect(dept.get_by_text("已办结：异议成立")).to_be_visible()
    shot(dept, "upheld")
    assert Record.objects.get(pk=record.pk).status == d.WITHDRAWN

    # The same day the record has left the public list; progress is public by query code.
    public.reload()
    expect(public.get_by_text(name)).to_have_count(0)
    public.goto(f"{live_server.url}/objections/track/")
    public.fill("#id_code", objection.query_code.lower())
    public.click("main button[type=submit]")
    public.wait_for_url(f"{live_server.url}/objections/track/{objection.query_code}/")
    expect(public.locator("body")).to_contain_text("异议成立")
    assert name not in public.content()  # no personal data on the public progress page
    shot(public, "track")
