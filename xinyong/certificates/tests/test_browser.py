"""Force-majeure certificates in Debian's Chromium: an exporter applies with its contract,
the event, the facts and a PDF, and lands on the receipt with its 查询码; the office accepts
and issues (after a confirmation) and downloads the certificate; anyone verifies it by
number; a second application is refused with a reason the applicant reads. The main
pages at phone width.

Run with `pytest -m browser xinyong/certificates/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.certificates import choices, services
from xinyong.certificates.models import Certificate
from xinyong.conftest_helpers import browser_login, new_page, no_english, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BUYER = "Müller Medizintechnik GmbH"
PHONE = 390


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"certificates-{name}")


def log_in(browser: Any, live_server: Any, user: User) -> Any:
    return browser_login(browser, live_server, user, PASSWORD)



def test_apply_issue_verify_and_refuse(users: dict[str, User], loaded: Any, live_server: Any,
                                       browser: Any, media: Path) -> None:
    from playwright.sync_api import expect

    exporter, office = users[Role.SUBJECT], users[Role.OFFICE]

    # The exporter: the form, a PDF as evidence, the receipt with the 查询码.
    page = log_in(browser, live_server, exporter)
    page.goto(f"{live_server.url}/force-majeure/mine/")
    page.get_by_test_id("apply-link").click()
    page.wait_for_url(f"{live_server.url}/force-majeure/apply/")
    expect(page.get_by_test_id("limits")).to_contain_text("个工作日")
    page.fill("#id_contract_no", "TC-EX-2020-017")
    page.fill("#id_contract_date", "2020-01-06")
    page.fill("#id_goods", "医用防护口罩 20 万只")
    page.fill("#id_counterparty", BUYER)
    page.fill("#id_counterparty_region", "德国")
    page.fill("#id_event", "新冠肺炎疫情防控：延迟复工及国际航运中断")
    page.fill("#id_facts", "2020 年 2 月 10 日前按政府通知延迟复工；\n原定 2 月 20 日的船期被船公司取消。")
    evidence = media / "运输取消通知.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("#id_evidence", str(evidence))
    no_english(page, exporter)
    shot(page, "apply")
    page.click("button:has-text('提交申请')")
    page.wait_for_url(f"{live_server.url}/force-majeure/*/receipt/")
    cert = Certificate.objects.get()
    assert cert.files.count() == 1 and cert.counterparty == BUYER
    expect(page.get_by_test_id("receipt-code")).to_have_text(cert.query_code)
    expect(page.locator(".alert-success")).to_contain_text(cert.query_code)
    expect(page.get_by_test_id("receipt")).to_contain_text("TC-EX-2020-017")
    no_english(page, exporter)
    shot(page, "receipt")

    # The office: the queue, the file, accept, issue (confirmed), the PDF.
    page = log_in(browser, live_server, office)
    page.goto(f"{live_server.url}/force-majeure/")
    row = page.locator(f"tr[data-case='{cert.pk}']")
    expect(row).to_contain_text(BUYER)
    no_english(page, office)
    shot(page, "queue")
    row.get_by_role("link", name=cert.query_code).click()
    page.wait_for_url(f"{live_server.url}/force-majeure/{cert.pk}/")
    expect(page.get_by_test_id("evidence-files")).to_contain_text("运输取消通知.pdf")
    page.get_by_test_id("accept-form").get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    page.get_by_test_id("decide-form").get_by_label("出具证明").check()
    page.fill("#id_decide-reason", "经核对运输取消通知和政府通知，所述事实属实。")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    no_english(page, office)
    shot(page, "decide")
    page.click("button:has-text('提交决定')")
    expect(page.get_by_test_id("status")).to_have_text("已出具")
    assert asked and "出具证明" in asked[0]
    cert.refresh_from_db()
    assert cert.status == choices.ISSUED and cert.number
    expect(page.get_by_test_id("certificate-number")).to_contain_text(cert.number)
    shot(page, "issued")
    with page.expect_download() as download:
        page.get_by_test_id("pdf-link").click()
    saved = media / "certificate.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # Anyone: the verification page, the number as printed (spaces, lower case).
    page = new_page(browser)
    page.goto(f"{live_server.url}/force-majeure/certificates/")
    shot(page, "verify")
    page.fill("#id_number", " ".join(cert.number[i:i + 4] for i in range(0, 22, 4)).lower())
    page.get_by_test_id("verify-form").get_by_role("button", name="核验").click()
    page.wait_for_url(f"{live_server.url}/force-majeure/certificates/{cert.number}/")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "genuine")
    expect(verdict).to_contain_text("真实有效")
    expect(page.get_by_test_id("holder")).to_have_text(exporter.subject.name)
    expect(page.get_by_test_id("certificate")).to_contain_text(BUYER)
    shot(page, "check")

    # A second application, refused after review: the applicant reads 不予出具 and why.
    second = services.submit(exporter, "TC-EX-2020-031", "Acme Trading Ltd.",
                             "新冠肺炎疫情防控：港口停运", "港口停运，船期取消。",
                             counterparty_region="英国")
    page = log_in(browser, live_server, office)
    page.goto(f"{live_server.url}/force-majeure/{second.pk}/")
    page.get_by_test_id("decide-form").get_by_label("不予出具").check()
    reason = "所附材料不能证明港口停运与合同履行的关系，请补充船公司的取消通知后重新申请。"
    page.fill("#id_decide-reason", reason)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('提交决定')")
    expect(page.get_by_test_id("status")).to_have_text("不予出具")
    second.refresh_from_db()
    assert second.status == choices.NOT_ISSUED and not second.number

    page = log_in(browser, live_server, exporter)
    page.goto(f"{live_server.url}/force-majeure/mine/")
    row = page.locator(f"tr[data-certificate='{second.pk}']")
    expect(row.get_by_test_id("status")).to_have_text("不予出具")
    expect(page.locator(f"tr[data-certificate='{cert.pk}']").get_by_test_id("status")).to_have_text("已出具")
    no_english(page, exporter)
    shot(page, "mine")
    row.get_by_role("link", name=second.query_code).click()
    page.wait_for_url(f"{live_server.url}/force-majeure/{second.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("不予出具")
    expect(page.get_by_test_id("decision")).to_have_text(reason)
    expect(page.get_by_test_id("pdf-link")).to_have_count(0)
    no_english(page, exporter)
    shot(page, "refused")


def test_the_main_pages_fit_a_phone(users: dict[str, User], loaded: Any, live_server: Any,
                                    browser: Any, media: Path) -> None:
    """The apply form, the receipt, the queue, the case page and the verification pages are
    no wider than a 390 px screen."""
    exporter, office = users[Role.SUBJECT], users[Role.OFFICE]
    cert = services.submit(exporter, "TC-EX-2020-017", BUYER, "新冠肺炎疫情防控：延迟复工及国际航运中断",
                           "按政府通知延迟复工，原定船期取消。", counterparty_region="德国",
                           goods="医用防护口罩 20 万只")
    services.workflow.accept(cert.pk, office)
    services.workflow.decide(cert.pk, office, "issue", "材料齐全，事实属实")
    cert.refresh_from_db()

    def fits(page: Any, path: str, name: str) -> None:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        shot(page, f"phone-{name}")
        assert width <= PHONE, f"{path}: {width}px"

    def phone_login(user: User) -> Any:
        return browser_login(browser, live_server, user, PASSWORD, width=PHONE, height=844)

    page = phone_login(exporter)
    fits(page, "/force-majeure/apply/", "apply")
    fits(page, f"/force-majeure/{cert.pk}/receipt/", "receipt")
    fits(page, "/force-majeure/mine/", "mine")
    page = phone_login(office)
    fits(page, "/force-majeure/", "queue")
    fits(page, f"/force-majeure/{cert.pk}/", "detail")
    page = new_page(browser, width=PHONE, height=844)
    fits(page, "/force-majeure/certificates/", "verify")
    fits(page, f"/force-majeure/certificates/{cert.number}/", "check")
