"""Commitments in Debian's Chromium: a 马尾 enterprise signs the 复工复产 letter (告知承诺)
to a 马尾区 unit, sees it filled in first and downloads the PDF; the unit records the
approval and, from the verification queue, finds it breached (a dishonest record, linked
both ways); anyone finds it on the public list and checks its number; the enterprise may
not sign the letter again while the breach is published. The main pages at phone width.

Run with `pytest -m browser xinyong/commitments/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from xinyong.accounts.models import Role, Unit, User
from xinyong.commitments import choices, services
from xinyong.commitments.models import Commitment
from xinyong.conftest_helpers import browser_login, new_page, no_english, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATTER = "复工复产备案（马尾区快安厂区）"
PHONE = 390


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"commitments-{name}")


def log_in(browser: Any, live_server: Any, user: User) -> Any:
    return browser_login(browser, live_server, user, PASSWORD)



@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_sign_approve_breach_and_check(loaded: Any, unit: Unit, users: dict[str, User],
                                       live_server: Any, browser: Any, media: Path) -> None:
    from playwright.sync_api import expect

    owner, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    accept = lambda dialog: dialog.accept()  # noqa: E731

    # (a) The enterprise: the menu, the letter chosen, the matter and the unit, the preview.
    page = log_in(browser, live_server, owner)
    page.on("dialog", accept)
    page.get_by_role("button", name="信用承诺").click()
    page.get_by_role("link", name="签署承诺").click()
    page.wait_for_url(f"{live_server.url}/commitments/sign/")
    shot(page, "sign-start")
    page.select_option("#id_template", "fz_work_resumption")
    page.fill("#id_matter", MATTER)
    page.select_option("#id_accepting_unit", value=str(unit.pk))
    assert unit.region == "350105"
    page.click("button:has-text('预览承诺书')")
    letter = page.get_by_test_id("preview").get_by_test_id("letter")
    expect(letter).to_contain_text(owner.subject.name)
    expect(letter).to_contain_text(f"就“{MATTER}”向{unit.name}申请办理")
    assert "{" not in letter.inner_text()  # every blank filled
    assert not Commitment.objects.exists()  # nothing signed by looking
    no_english(page, owner)
    shot(page, "sign-preview")
    page.get_by_test_id("confirm-form").get_by_role("button", name="确认签署").click()
    c = Commitment.objects.get()
    page.wait_for_url(f"{live_server.url}/commitments/{c.pk}/")
    assert c.number
    expect(page.locator(".alert-success")).to_contain_text(c.number)
    expect(page.get_by_test_id("status")).to_have_text("正常履约")
    shot(page, "signed")
    with page.expect_download() as download:
        page.get_by_test_id("pdf-link").click()
    saved = media / "commitment.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    # (b) The department of the accepting unit: the approval, then verification from the queue.
    page = log_in(browser, live_server, dept)
    page.on("dialog", accept)
    page.goto(f"{live_server.url}/commitments/{c.pk}/")
    today = timezone.localdate().isoformat()
    form = page.get_by_test_id("approval-form")
    form.locator("#id_approval_no").fill("榕马复工〔2026〕9号")
    form.locator("#id_approved_on").fill(today)
    form.locator("#id_materials_replaced").fill("复工复产方案、疫情防控应急预案")
    shot(page, "approval")
    form.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("approval")).to_contain_text("榕马复工〔2026〕9号")
    c.refresh_from_db()
    assert c.verify_by is not None

    page.goto(f"{live_server.url}/commitments/queue/")
    row = page.locator(f"tr[data-commitment='{c.pk}']")
    expect(row).to_contain_text(MATTER)
    expect(row).to_contain_text("剩余")
    shot(page, "queue")
    row.get_by_role("link", name=c.name).click()
    page.wait_for_url(f"{live_server.url}/commitments/{c.pk}/")
    verify = page.get_by_test_id("verify-form")
    # The breach behaviour by its words, not its code; the results as radio buttons, one a line.
    card = page.locator(".card", has=verify)
    expect(card).to_contain_text("默认失信行为：不服从相关复工复产等管理规定")
    assert "fz_work_resumption_breach" not in card.inner_text()
    fulfilled = verify.get_by_label("已履约（核查通过）").bounding_box()
    breached = verify.get_by_label("未履约（记为失信）").bounding_box()
    assert fulfilled and breached and breached["y"] > fulfilled["y"] + fulfilled["height"] / 2
    no_english(page, dept)
    verify.get_by_label("未履约（记为失信）").check()
    verify.locator("#id_method").select_option("实地调查")
    verify.locator("#id_note").fill("现场检查发现未落实消杀和测温措施，与承诺不符。")
    shot(page, "verify")
    verify.get_by_role("button", name="登记核查结果").click()
    expect(page.get_by_test_id("status")).to_have_text("未履约")
    expect(page.get_by_test_id("verification")).to_contain_text("实地调查")
    c.refresh_from_db()
    assert c.status == choices.BREACHED and c.breach_record is not None
    link = page.get_by_test_id("breach-record")
    expect(link).to_have_text(c.breach_record.decision_no)
    shot(page, "breached")
    link.click()
    page.wait_for_url(f"{live_server.url}/records/{c.breach_record_id}/")
    back = page.get_by_test_id("breached-commitment")
    expect(back).to_contain_text(c.number)
    shot(page, "breach-record")
    back.click()
    page.wait_for_url(f"{live_server.url}/commitments/{c.pk}/")

    # (c) Anyone: the public list, the check by number (typed in lower case, with spaces).
    page = new_page(browser)
    page.goto(f"{live_server.url}/commitments/")
    row = page.locator(f"tr[data-commitment='{c.pk}']")
    expect(row).to_contain_text(c.name)
    expect(row.get_by_test_id("status")).to_have_text("未履约")
    no_english(page)
    shot(page, "public")
    page.goto(f"{live_server.url}/commitments/check/")
    typed = " ".join(c.number[i:i + 4] for i in range(0, len(c.number), 4)).lower()
    page.fill("#id_number", typed)
    shot(page, "check")
    page.get_by_role("button", name="核验").click()
    page.wait_for_url(f"{live_server.url}/commitments/check/{c.number}/")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-genuine", "1")
    expect(page.get_by_test_id("verdict")).to_contain_text("由本平台出具")
    expect(page.get_by_test_id("status")).to_have_text("未履约")
    no_english(page)
    shot(page, "check-result")

    # (d) The enterprise again: the 告知承诺 route is barred while the breach is published.
    page = log_in(browser, live_server, owner)
    page.goto(f"{live_server.url}/commitments/sign/?template=fz_work_resumption")
    page.fill("#id_matter", "复工复产备案（马尾区二号厂区）")
    page.select_option("#id_accepting_unit", value=str(unit.pk))
    page.click("button:has-text('预览承诺书')")
    error = page.locator("[data-error-for=template]")
    expect(error).to_contain_text(c.breach_record.decision_no)
    expect(error).to_contain_text("不适用审批替代型（告知承诺）")
    expect(page.get_by_test_id("preview")).to_have_count(0)
    shot(page, "barred")
    assert Commitment.objects.count() == 1


def test_the_main_pages_fit_a_phone(loaded: Any, unit: Unit, users: dict[str, User],
                                    live_server: Any, browser: Any, media: Path) -> None:
    """The sign form (with its preview), the queue, the public list and the check pages are
    no wider than a 390 px screen."""
    owner, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    c = services.sign(owner, "fz_work_resumption", matter=MATTER, accepting_unit=unit)
    services.record_approval(dept, c.pk, "榕马复工〔2026〕9号", timezone.localdate(),
                             "复工复产方案、疫情防控应急预案")

    def fits(page: Any, path: str, name: str) -> None:
        if path:
            page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        shot(page, f"phone-{name}")
        assert width <= PHONE, f"{path or page.url}: {width}px"

    def phone_login(user: User) -> Any:
        return browser_login(browser, live_server, user, PASSWORD, width=PHONE, height=844)

    page = phone_login(owner)
    fits(page, "/commitments/sign/", "sign")
    page.goto(f"{live_server.url}/commitments/sign/?template=fz_work_resumption")
    page.fill("#id_matter", "复工复产备案（马尾区二号厂区）")
    page.select_option("#id_accepting_unit", value=str(unit.pk))
    page.click("button:has-text('预览承诺书')")
    page.get_by_test_id("preview").wait_for()
    fits(page, "", "sign-preview")
    fits(page, "/commitments/mine/", "mine")
    fits(page, f"/commitments/{c.pk}/", "detail")
    page = phone_login(dept)
    fits(page, "/commitments/queue/", "queue")
    fits(page, f"/commitments/{c.pk}/", "detail-department")
    page = new_page(browser, width=PHONE, height=844)
    fits(page, "/commitments/", "public")
    fits(page, "/commitments/check/", "check")
    fits(page, f"/commitments/check/{c.number}/", "check-result")
