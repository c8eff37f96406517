"""Articles in Debian's Chromium: the office writes a dishonest typical case in Markdown
(the preview follows the typing), links a record by its decision number, saves and
publishes it; the public finds it under 典型案例 and reads it with its record; once the
record is repaired the public page is gone and the office's list says why.

Run with `pytest -m browser xinyong/articles/tests/test_browser.py`; the PNGs land in
test-artifacts/articles-*.png (not committed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.articles.models import Article
from xinyong.conftest_helpers import new_page, no_english, screenshot
from xinyong.records.models import Record
from xinyong.repairs import services as repairs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """## 基本案情

当事人在疫情防控期间**未按规定明码标价**，经责令改正。

| 事项 | 内容 |
|:--|:--|
| 处罚决定 | 警告 |
| 公示 | 依法公示 |
"""


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"articles-{name}")


def log_in(browser: Any, live_server: Any, user: User) -> Any:
    # The login form's own button: the bar has a submit button too (长者模式).
    page = new_page(browser)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_office_writes_and_publishes_a_case_the_public_reads_it(
        users: dict[str, User], dishonest: Record, live_server: Any, browser: Any,
        make_record: Callable[..., Record]) -> None:
    from playwright.sync_api import expect

    office = users[Role.OFFICE]
    page = log_in(browser, live_server, office)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/office/articles/")
    page.get_by_test_id("new-article").click()
    page.wait_for_url(f"{live_server.url}/office/articles/new/")
    page.select_option("#id_kind", "case")
    page.select_option("#id_polarity", "dishonest")
    page.fill("#id_title", "疫情期间不明码标价被处罚")
    page.fill("#id_summary", "超市未按规定明码标价，被依法处罚并公示。")
    page.fill("#id_records", dishonest.decision_no)
    page.locator("#id_body").fill(BODY)
    page.locator("#id_body").dispatch_event("input")
    preview = page.get_by_test_id("preview")
    expect(preview.locator("table")).to_be_visible()  # HTMX brought the server's rendering
    expect(preview.locator("strong")).to_have_text("未按规定明码标价")
    no_english(page, office)
    shot(page, "editor")
    page.get_by_test_id("save").click()
    article = Article.objects.get()
    page.wait_for_url(f"{live_server.url}/office/articles/{article.pk}/")
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    expect(page.locator("#id_published_on")).to_have_value(timezone.localdate().isoformat())
    page.get_by_test_id("publish").click()
    page.wait_for_url(f"{live_server.url}/office/articles/{article.pk}/")
    expect(page.get_by_test_id("state")).to_have_text("已发布")
    no_english(page, office)
    shot(page, "published")

    # The public: 典型案例 tab, the case, its record with the subject's page.
    public = new_page(browser)
    public.goto(f"{live_server.url}/articles/")
    public.get_by_role("link", name="典型案例", exact=True).last.click()
    public.wait_for_url(f"{live_server.url}/articles/?kind=case")
    no_english(public)
    shot(public, "public-list")
    public.locator(f"[data-article='{article.pk}']").click()
    public.wait_for_url(f"{live_server.url}/articles/{article.pk}/")
    expect(public.locator("h1")).to_have_text("疫情期间不明码标价被处罚")
    expect(public.get_by_test_id("article-body").locator("table")).to_be_visible()
    records = public.get_by_test_id("case-records")
    expect(records).to_contain_text(dishonest.decision_no)
    expect(records.get_by_role("link", name=dishonest.subject.name)).to_have_attribute(
        "href", f"/subjects/{dishonest.subject_id}/")
    no_english(public)
    shot(public, "public-case")
    public.set_viewport_size({"width": 390, "height": 844})
    width = public.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(public, "public-case-phone")

    # The record is repaired: the case is gone for the public, marked for the office.
    applicant, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    repair = repairs.apply(applicant, dishonest.pk, "已整改并缴清罚款", True)
    repairs.workflow.decide(repair.pk, dept, "approve", "已履行法定义务")
    response = public.goto(f"{live_server.url}/articles/{article.pk}/")
    assert response is not None and response.status == 404
    public.goto(f"{live_server.url}/articles/?kind=case")
    expect(public.get_by_test_id("articles")).to_contain_text("目前没有典型案例")
    page.goto(f"{live_server.url}/office/articles/")
    row = page.locator(f"tr[data-article='{article.pk}']")
    expect(row.get_by_test_id("state")).to_have_text("已撤下（关联记录已不再公示）")
    expect(row).to_contain_text("信用修复")
    no_english(page, office)
    shot(page, "office-taken-down")
