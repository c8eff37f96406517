"""信易贷 in Debian's Chromium, as issue 17's "done when" tells it: a bank finds an honest
small firm that needs a loan, reads its credit file because the firm allowed it, lends and
reports it; the firm sees who read what and revokes a grant; the office sees how much
credit the platform helped extend. The main pages at phone width.

Run with `pytest -m browser xinyong/financing/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.casework import choices as c
from xinyong.conftest_helpers import browser_login, no_english, screenshot
from xinyong.financing import choices, services
from xinyong.financing.models import FinancingNeed, HonestListing
from xinyong.grants import choices as grant_choices
from xinyong.grants.models import Grant, GrantRead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 390
PURPOSE = "采购医用防护材料原料，保障复工复产"
NOTE = "主营医疗器械批发，拟融资 200 万元用于扩大产能"


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"financing-{name}")


def log_in(browser: Any, live_server: Any, user: User, **size: int) -> Any:
    page = browser_login(browser, live_server, user, PASSWORD, **size)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def small_firm(firm: User) -> None:
    """The enterprise is a small one (the honest-SME list leaves large ones out)."""
    subject = firm.subject
    assert subject is not None
    subject.scale = "small"
    subject.save(update_fields=["scale"])


def test_a_bank_finds_reads_lends_and_the_firm_and_office_see_it(
        users: dict[str, User], loaded: Any, live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    firm, bank, office = users[Role.SUBJECT], users[Role.INSTITUTION], users[Role.OFFICE]
    small_firm(firm)
    subject, lender = firm.subject, bank.institution
    assert subject is not None and lender is not None
    today = timezone.localdate()
    url = live_server.url

    # 1. The enterprise joins the honest-SME list, then posts a need open to all, sharing
    # its profile and records, declaring it was hit hard by the epidemic.
    page = log_in(browser, live_server, firm)
    page.goto(f"{url}/financing/honest-smes/")
    expect(page.get_by_test_id("not-joined")).to_contain_text("尚未加入名单")
    page.fill("#id_note", NOTE)
    page.get_by_role("button", name="自愿加入名单").click()
    expect(page.get_by_test_id("shown")).to_contain_text("金融机构现在可以在名单上看到本企业")
    expect(page.locator(".alert-success")).to_contain_text("已加入诚信中小企业名单")
    listing = HonestListing.objects.get(subject=subject)
    assert listing.opted_out_at is None and listing.note == NOTE
    no_english(page, firm)
    shot(page, "honest-joined")

    page.goto(f"{url}/financing/needs/mine/")
    page.get_by_test_id("apply-link").click()
    page.wait_for_url(f"{url}/financing/needs/new/")
    expect(page.get_by_test_id("limits")).to_contain_text("个工作日内受理")
    share_until = today + dt.timedelta(days=90)
    page.fill("#id_amount_wan", "200")
    page.fill("#id_term_months", "12")
    page.fill("#id_purpose", PURPOSE)
    page.get_by_label("向所有金融机构开放").check()
    scope = page.locator("[data-field=share_scope]")
    scope.get_by_label("基本信息与名单").check()
    scope.get_by_label("全部信用记录").check()
    page.fill("#id_share_until", share_until.isoformat())
    page.locator("[data-field=priority_flags]").get_by_label("受疫情影响较大").check()
    no_english(page, firm)
    shot(page, "apply")
    page.get_by_role("button", name="发布需求").click()
    need = FinancingNeed.objects.get()
    page.wait_for_url(f"{url}/financing/needs/{need.pk}/")
    assert need.status == c.SUBMITTED and need.open_to_all and need.priority
    assert (need.amount_wan, need.term_months) == (Decimal("200"), 12)
    assert need.share_scope == ["profile", "records"] and need.share_until == share_until
    assert need.priority_flags == ["epidemic_hit"]
    need_grant = Grant.objects.get(need=need, institution=lender)
    assert need_grant.revoked_at is None and need_grant.scope == ["profile", "records"]
    expect(page.locator(".alert-success")).to_contain_text(need.query_code)
    expect(page.locator("h1")).to_contain_text(need.query_code)
    expect(page.get_by_test_id("amount")).to_have_text("200 万元")
    expect(page.get_by_test_id("share")).to_contain_text("基本信息与名单、全部信用记录")
    expect(page.get_by_test_id("flags")).to_contain_text("受疫情影响较大")
    expect(page.get_by_test_id("priority")).to_have_text("重点支持")
    no_english(page, firm)
    shot(page, "need-posted")

    # 2. The bank: its home lists the waiting need; the honest-SME list shows the firm with
    # its open need; the need page links to the credit file, read under the grant.
    page = log_in(browser, live_server, bank)
    work = page.get_by_test_id("institution-work")
    expect(work.get_by_test_id("waiting")).to_have_text("1")
    waiting = work.get_by_test_id("waiting-list")
    expect(waiting).to_contain_text(subject.name)
    expect(waiting).to_contain_text("待金融机构受理")
    expect(waiting.get_by_test_id("need-ask")).to_have_text("200 万元 · 12 个月")
    no_english(page, bank)
    shot(page, "bank-home")

    page.get_by_role("button", name="信易贷").click()
    page.get_by_role("link", name="诚信中小企业名单").click()
    page.wait_for_url(f"{url}/financing/honest-smes/")
    row = page.locator(f"tr[data-subject='{subject.pk}']")
    expect(row).to_contain_text(subject.name)
    expect(row).to_contain_text("小型")
    expect(row).to_contain_text(NOTE)
    expect(row.locator("td").nth(4)).to_have_text("1")  # 待受理需求
    no_english(page, bank)
    shot(page, "honest-bank")

    page.goto(f"{url}/")
    page.get_by_test_id("waiting-list").get_by_role("link", name=subject.name).click()
    page.wait_for_url(f"{url}/financing/needs/{need.pk}/")
    expect(page.get_by_test_id("grant")).to_contain_text("该企业已授权本机构查询：基本信息与名单、全部信用记录")
    expect(page.get_by_test_id("accept-form")).to_be_visible()
    no_english(page, bank)
    shot(page, "bank-need")
    assert not GrantRead.objects.exists()
    page.get_by_test_id("credit-file").click()
    page.wait_for_url(f"{url}/subjects/{subject.pk}/")
    note = page.get_by_test_id("grant-note")
    expect(note).to_contain_text(f"#{need_grant.pk}")
    expect(note).to_contain_text("基本信息与名单")
    read = GrantRead.objects.get()
    assert read.grant_id == need_grant.pk and read.user_id == bank.pk
    assert read.parts == ["profile", "records"] and read.channel == "web"
    no_english(page, bank)
    shot(page, "bank-credit-file")

    # Take the need (a confirmation), then report the loan (another).
    page.go_back()
    page.wait_for_url(f"{url}/financing/needs/{need.pk}/")
    page.get_by_test_id("accept-form").get_by_role("button", name="受理（接单）").click()
    expect(page.get_by_test_id("status")).to_have_text("对接中")
    need.refresh_from_db()
    assert need.status == c.ACCEPTED and need.institution_id == lender.pk
    decide = page.get_by_test_id("decide-form")
    decide.get_by_label("已放款").check()
    decide.locator("#id_decide-amount_wan").fill("180")
    decide.locator("#id_decide-rate").fill("3.85")
    decide.locator("#id_decide-reason").fill("信用良好，按诚信贷流程发放")
    no_english(page, bank)
    shot(page, "bank-decide")
    decide.get_by_role("button", name="提交决定").click()
    expect(page.get_by_test_id("lent")).to_contain_text("放款 180 万元，年利率 3.85%")
    need.refresh_from_db()
    assert need.status == choices.LENT
    assert (need.lent_amount_wan, need.rate) == (Decimal("180"), Decimal("3.85"))
    need_grant.refresh_from_db()
    assert need_grant.revoked_at is None  # the lender keeps reading until share_until
    no_english(page, bank)
    shot(page, "bank-lent")

    # 3. The enterprise: the need lent; its grants; who read what under the need's grant;
    # a grant of its own to the bank (the report), made and then revoked.
    page = log_in(browser, live_server, firm)
    page.goto(f"{url}/financing/needs/mine/")
    row = page.locator(f"tr[data-need='{need.pk}']")
    expect(row.get_by_test_id("status")).to_have_text("已放款")
    expect(row.get_by_test_id("outcome")).to_contain_text("已放款 180 万元，年利率 3.85%")
    expect(row).to_contain_text(lender.name)
    no_english(page, firm)
    shot(page, "mine-lent")

    page.get_by_role("button", name="信易贷").click()
    page.get_by_role("link", name="授权管理").click()
    page.wait_for_url(f"{url}/grants/")
    row = page.locator(f"tr[data-grant='{need_grant.pk}']")
    expect(row).to_contain_text(lender.name)
    expect(row.get_by_test_id("state")).to_have_text("有效")
    expect(row.get_by_test_id("reads")).to_contain_text("1 次")
    no_english(page, firm)
    shot(page, "grants-mine")
    row.get_by_role("link", name=f"#{need_grant.pk}").click()
    page.wait_for_url(f"{url}/grants/{need_grant.pk}/")
    read_row = page.locator(f"tr[data-read='{read.pk}']")
    expect(read_row).to_contain_text(bank.username)  # who
    expect(read_row).to_contain_text(timezone.localtime(read.at).strftime("%Y-%m-%d %H:%M"))  # when
    expect(read_row).to_contain_text("基本信息与名单、全部信用记录")  # what
    expect(read_row).to_contain_text("网页")
    expect(page.get_by_test_id("grant")).to_contain_text("随融资需求授权")
    no_english(page, firm)
    shot(page, "grant-reads")

    page.get_by_role("link", name="授权管理").click()
    page.wait_for_url(f"{url}/grants/")
    page.get_by_test_id("new-grant").click()
    page.wait_for_url(f"{url}/grants/new/")
    page.select_option("#id_institution", label=lender.name)
    page.get_by_label("信用报告").check()
    page.fill("#id_purpose", "申请续贷")
    no_english(page, firm)
    shot(page, "grant-new")
    page.get_by_role("button", name="确认授权").click()
    own = Grant.objects.get(need__isnull=True)
    page.wait_for_url(f"{url}/grants/{own.pk}/")
    assert own.scope == [grant_choices.REPORT] and own.institution_id == lender.pk
    assert own.expires_on > today and own.revoked_at is None
    expect(page.get_by_test_id("state")).to_have_text("有效")

    page.goto(f"{url}/grants/")
    row = page.locator(f"tr[data-grant='{own.pk}']")
    expect(row).to_contain_text("信用报告")
    row.locator("summary", has_text="撤销授权").click()
    row.locator(f"#reason-{own.pk}").fill("已不需要")
    row.get_by_role("button", name="确认撤销").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已撤销对 {lender.name} 的授权 #{own.pk}")
    page.wait_for_url(f"{url}/grants/")
    row = page.locator(f"tr[data-grant='{own.pk}']")
    expect(row.get_by_test_id("state")).to_have_text("已撤销")
    expect(row.get_by_role("button", name="确认撤销")).to_have_count(0)
    own.refresh_from_db()
    assert own.revoked_at is not None and own.revoke_reason == "已不需要"
    need_grant.refresh_from_db()
    assert need_grant.revoked_at is None  # the need's grant stands
    no_english(page, firm)
    shot(page, "grant-revoked")

    # 4. The office: the amount lent, in all and by the bank.
    page = log_in(browser, live_server, office)
    page.get_by_role("button", name="信用记录").click()
    page.get_by_role("link", name="信易贷统计").click()
    page.wait_for_url(f"{url}/financing/stats/")
    totals = page.get_by_test_id("totals-all")
    expect(totals.locator("[data-stat=posted]")).to_have_text("1")
    expect(totals.locator("[data-stat=lent]")).to_have_text("1")
    expect(page.locator("p:has([data-stat=amount_lent_wan])").first).to_contain_text(
        "需求金额合计 200 万元，放款金额合计 180 万元；从发布到放款")
    expect(page.get_by_test_id("totals-priority").locator("[data-stat=lent]")).to_have_text("1")
    by_bank = page.locator(f"tr[data-institution='{lender.pk}']")
    expect(by_bank.locator("[data-stat=amount_lent_wan]")).to_have_text("180")
    no_english(page, office)
    shot(page, "stats")


def test_the_main_pages_fit_a_phone(users: dict[str, User], loaded: Any, live_server: Any,
                                    browser: Any) -> None:
    """信易贷's front page, the need form and the bank's home are no wider than 390 px."""
    firm, bank = users[Role.SUBJECT], users[Role.INSTITUTION]
    small_firm(firm)
    services.publish_product(bank, name="诚信贷", amount_min_wan="10", amount_max_wan="500",
                             term_min_months=3, term_max_months=36, rate_min="3.45",
                             rate_max="4.35", targets=[choices.SME])
    services.submit(firm, "200", 12, PURPOSE, open_to_all=True,
                    share_scope=["profile", "records"], priority_flags=["epidemic_hit"])

    def fits(page: Any, path: str, name: str) -> None:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        shot(page, f"phone-{name}")
        assert width <= PHONE, f"{path}: {width}px"

    page = log_in(browser, live_server, firm, width=PHONE, height=844)
    fits(page, "/financing/", "index")
    fits(page, "/financing/needs/new/", "apply")
    page = log_in(browser, live_server, bank, width=PHONE, height=844)
    fits(page, "/", "bank-home")
