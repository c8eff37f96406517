"""In Debian's Chromium: an enterprise downloads its report, a bank scans the QR code on
the printed page and sees it is genuine, and a forged copy is caught on upload. The report's
first page is rendered to PNG beside the screenshots of the pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import User
from xinyong.conftest_helpers import ARTIFACTS, browser_login, new_page, screenshot
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_download_scan_and_catch_a_forgery(
        history: dict[str, Any], organization: Subject, owner: User, live_server: Any,
        browser: Any, settings: Any, tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    settings.SITE_ROOT = live_server.url  # what the QR code leads to
    page = browser_login(browser, live_server, owner, PASSWORD)
    page.goto(f"{live_server.url}/reports/mine/")
    screenshot(page, "report-mine")
    page.check("#v-public")
    with page.expect_download() as download:
        page.click("[data-testid=download-form] button")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The printed first page, as a bank's phone camera would see it.
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "110", "-f", "1", "-l", "1", "-png", "-singlefile",  # noqa: S603,S607
                    str(pdf), str(ARTIFACTS / "report-pdf-page1")], check=True)
    codes = zxingcpp.read_barcodes(Image.open(ARTIFACTS / "report-pdf-page1.png"))
    assert len(codes) == 1 and codes[0].text.startswith(f"{live_server.url}/reports/verify/")

    bank = new_page(browser)
    bank.goto(codes[0].text)
    verdict = bank.locator("[data-testid=verdict]")
    assert verdict.get_attribute("data-verdict") == "genuine"
    assert organization.name in verdict.inner_text()
    screenshot(bank, "report-verified")

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% edited"))
    bank.goto(f"{live_server.url}/reports/verify/")
    bank.set_input_files("#id_file", str(forged))
    bank.click("form[enctype] button")
    bank.wait_for_selector("[data-testid=verdict]")
    assert bank.locator("[data-testid=verdict]").get_attribute("data-verdict") == "altered"
    screenshot(bank, "report-forged")
