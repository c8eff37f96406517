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


def browser_login(browser: Any, live_server: Any, user: Any, password: str) -> Any:
    """A new page logged in through the login form, on the home page."""
    page = new_page(browser)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (not committed) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
