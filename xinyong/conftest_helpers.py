"""Small helpers for tests (imported by test modules; kept out of the shipped code paths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def login(client: Any, user: Any) -> None:
    """Log a test client in without going through the login form (and its lock-out)."""
    client.force_login(user, backend="xinyong.accounts.backends.UnitAwareBackend")


def close_response(response: Any) -> None:
    """Close a response as the server does at the end of a request (or when the client has
    gone), keeping the test's database connection: Django's request_finished would close
    it inside the test's transaction, so this mutes that one receiver, as the test client does."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


# --- files that attack the readers -----------------------------------------------------

def far_cell_xlsx(path: Path, lying: bool = False) -> Path:
    """An XLSX with one cell at XFD1048576 (1.6 KB; a dimension bomb), or one whose sheet
    claims A1:B2 while that cell is there (`lying`)."""
    import re
    import zipfile

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["subject_name", "decision_no"])
    sheet.write(1_048_575, 16_383, "x")
    book.close()
    if lying:  # the sheet says A1:B2, its one far cell says otherwise
        honest = path.with_suffix(".honest.xlsx")
        path.rename(honest)
        with zipfile.ZipFile(honest) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', data)
                out.writestr(info, data)
    return path


# --- browser tests (Playwright in Debian's Chromium) --------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def new_page(browser: Any, width: int = 1366, height: int = 900) -> Any:
    """A page in a fresh context (own cookies), in Chinese, with a patient default timeout."""
    page = browser.new_context(viewport={"width": width, "height": height},
                               locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    return page


def browser_login(browser: Any, live_server: Any, user: Any, password: str, *,
                  width: int = 1366, height: int = 900) -> Any:
    """A new page (of this viewport) logged in through the login form, on the home page."""
    page = new_page(browser, width=width, height=height)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")  # not the display-mode switch above the bar
    page.wait_for_url(f"{live_server.url}/")
    return page


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (not committed) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- 双公示 entries and files (penalties, licences) -------------------------------------

def uscc_of(body: str) -> str:
    """A valid USCC from its first 17 characters."""
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


MARKET_CODE = "11350105MB0000000"  # + check digit: a 马尾 market regulator's USCC
ORG_A_CODE, ORG_B_CODE = "91350105MA2Y00041", "91350105MA2Y00042"
SHOP_BODY = "92350105MA2Y00021"
PERSON_ID = "350105198506123010"


def licence_submission(**changes: Any) -> Any:
    """A 食品经营许可 of a 马尾 shop, as a unit reports it."""
    import datetime as dt

    from xinyong.licences.services import LicenceSubmission

    data: dict[str, Any] = dict(
        subject_kind="individual_business", subject_name="马尾丁记小吃店",
        subject_code=uscc_of(SHOP_BODY), decision_no="榕马市监许〔2026〕501号",
        decision_name="食品经营许可决定书", kind="普通", licence_name="食品经营许可证",
        licence_no="JY23501050012345", content="热食类食品制售", decided_on=dt.date(2026, 11, 10),
        valid_to=dt.date(2031, 11, 9), authority_name="福州市马尾区市场监督管理局",
        authority_code=uscc_of(MARKET_CODE))
    data.update(changes)
    return LicenceSubmission(**data)


def penalty_submission(name: str, number: str, categories: tuple[str, ...], *,
                       subject_code: str = "", kind: str = "organization",
                       fine: str | None = None, days_ago: int = 5) -> Any:
    """A 双公示 penalty decided `days_ago`, with its details; severity left to the packs."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from xinyong.records.penalties import Penalty
    from xinyong.records.services import Submission

    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return Submission(
        subject_kind=kind, subject_name=name, subject_code=subject_code or uscc_of(ORG_A_CODE),
        behavior="administrative_penalty", occurred_on=day, decided_on=day, decision_no=number,
        facts="未按规定明码标价", severity="",
        penalty=Penalty(category=categories, content=f"{'、'.join(categories)}",
                        fine_wan=Decimal(fine) if fine else None, authority_name="马尾区市场监管局"))


def write_csv(path: Path, header: list[str], data: list[list[Any]], encoding: str) -> Path:
    """A CSV as units' systems write it (CRLF), in `encoding` (gbk, utf-8, utf-8-sig)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(data)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], data: list[list[Any]]) -> Path:
    """As an office suite saves it: real date cells, numbers as numbers."""
    import datetime as dt

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    dates = book.add_format({"num_format": "yyyy/m/d"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(data, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            else:
                sheet.write(r, c, value)
    book.close()
    return path


def no_english(page: Any, user: Any = None) -> None:
    """A person reads no English word on the page (codes, names and numbers aside; the
    logged-in user's name is data)."""
    from xinyong.front.tests.walk import english_words

    words = english_words(page.content()) - ({user.username} if user else set())
    assert not words, f"{page.url}: {sorted(words)}"


def qr_codes_on_first_page(data: bytes, folder: Any) -> list[str]:
    """What the QR codes on a PDF's first page say, as a phone would read them: the page
    drawn by poppler's pdftoppm at 150 dpi, decoded by zxing-cpp (the test is skipped
    where either is missing)."""
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils not installed")
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    pdf = Path(folder) / "document.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf),  # noqa: S603,S607
                    str(Path(folder) / "page")], check=True)
    image = Image.open(next(Path(folder).glob("page*.png")))
    return [r.text for r in zxingcpp.read_barcodes(image)]
