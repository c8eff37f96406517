"""A terminal in Debian's Chromium: enrolled with its token, a code typed on the on-screen
keypad and by a scanner (keys and Enter), the printing screen, back to the start screen.
Screenshots of each screen go to test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.kiosk import services
from xinyong.kiosk.models import PickupCode
from xinyong.kiosk.tests.conftest import PLACE
from xinyong.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"kiosk-{name}")


# Headless Chromium has no printer and its renderer crashes when a PDF frame is printed:
# the frames' print() only counts its calls here (a real terminal runs Chromium with
# --kiosk --kiosk-printing and prints to its default printer).
COUNT_PRINTS = "window.print = function () { window.top.kioskPrints = (window.top.kioskPrints || 0) + 1; };"


def terminal_page(browser: Any, width: int, height: int) -> Any:
    page = new_page(browser, width=width, height=height)
    page.context.add_init_script(COUNT_PRINTS)
    return page


def press(page: Any, digits: str) -> None:
    for digit in digits:
        page.click(f"button[data-key='{digit}']")


def test_a_terminal_prints_a_report_for_a_code_typed_on_its_keypad(
        users: dict[str, User], live_server: Any, browser: Any, settings: Any) -> None:
    settings.KIOSK_IDLE_SECONDS = 12
    owner = users[Role.SUBJECT]
    terminal, token = services.register_terminal("一楼大厅 1 号机", PLACE, actor=users[Role.OFFICE])

    # The subject asks for a code on the platform.
    mine = browser_login(browser, live_server, owner, PASSWORD)
    mine.goto(f"{live_server.url}/kiosk/code/")
    mine.click("#version-public")
    mine.click("[data-testid=get-code]")
    digits = mine.locator("[data-testid=pickup-digits]").inner_text().replace(" ", "")
    assert len(digits) == 8 and digits.isdigit()
    assert mine.locator("[data-testid=pickup-code] svg").count() == 1
    shot(mine, "code")

    # The terminal: refused without a token, enrolled once.
    page = terminal_page(browser, 1920, 1080)
    page.goto(f"{live_server.url}/kiosk/")
    assert page.locator("[data-testid=enrol]").count() == 1
    shot(page, "enrol")
    page.fill("[data-testid=enrol-token]", token)
    page.click("[data-testid=enrol-submit]")
    page.wait_for_url(f"{live_server.url}/kiosk/")
    code_input = page.locator("[data-testid=code-input]")
    assert page.evaluate("document.activeElement.id") == "kiosk-code"  # a scanner types here
    assert page.locator("[data-testid=kiosk-place]").inner_text() == PLACE
    assert page.locator("nav").count() == 0
    heights = page.eval_on_selector_all(
        "button, .kiosk-submit", "els => els.map(e => e.getBoundingClientRect().height)")
    assert len(heights) == 13 and min(heights) >= 64, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920

    # A wrong code from a scanner (digits and Enter) is refused on the screen.
    page.keyboard.type(f"{(int(digits) + 1) % 10 ** 8:08d}")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=code-error]:has-text('取件码不正确或已过期')")
    assert code_input.input_value() == ""
    shot(page, "wrong-code")

    # The keypad: digits, 删除, 清空, then the code and 确认打印.
    press(page, "12")
    assert page.locator("[data-testid=code-error]").inner_text() == ""  # typing again clears it
    page.click("button[data-action=delete]")
    assert code_input.input_value() == "1"
    page.click("button[data-action=clear]")
    assert code_input.input_value() == ""
    press(page, digits + "9")  # a ninth digit does not fit
    assert code_input.input_value() == digits
    assert page.evaluate("document.activeElement.id") == "kiosk-code"
    shot(page, "start")
    page.click("[data-testid=code-submit]")

    printing = page.locator("[data-testid=printing]")
    printing.wait_for(state="visible")
    assert page.locator("[data-testid=printing-subject]").inner_text() == owner.subject.name
    assert page.locator("[data-testid=printing-version]").inner_text() == "公开版"
    shot(page, "printing")
    page.locator("[data-testid=done]").wait_for(state="visible", timeout=30_000)
    assert printing.is_hidden()
    assert page.evaluate("window.kioskPrints") == 1  # the report's frame was printed
    shot(page, "done")
    code = PickupCode.objects.get()
    assert code.printed_at is not None and code.terminal_id == terminal.pk
    report = Report.objects.get()
    assert report.channel == "kiosk" and report.place == PLACE
    # Idle: back to an empty start screen on its own, the frame and its report gone.
    page.wait_for_url(f"{live_server.url}/kiosk/", timeout=30_000)
    page.locator("[data-testid=code-input]").wait_for()
    assert page.locator("iframe").count() == 0
    assert page.locator("[data-testid=code-input]").input_value() == ""

    # A portrait screen, as some terminals have.
    tall = page.context.new_page()
    tall.set_viewport_size({"width": 1080, "height": 1920})
    tall.goto(f"{live_server.url}/kiosk/")
    assert tall.evaluate("document.documentElement.scrollWidth") <= 1080
    shot(tall, "start-portrait")


def test_the_finish_button_and_the_screen_after_printing_once(
        users: dict[str, User], live_server: Any, browser: Any) -> None:
    owner = users[Role.SUBJECT]
    _, token = services.register_terminal("2 号机", PLACE, actor=users[Role.OFFICE])
    digits = services.request_code(owner, "full")[1]
    page = terminal_page(browser, 1280, 1024)
    page.goto(f"{live_server.url}/kiosk/enrol/")
    page.fill("[data-testid=enrol-token]", token)
    page.click("[data-testid=enrol-submit]")
    page.wait_for_url(f"{live_server.url}/kiosk/")
    page.keyboard.type(digits)
    page.keyboard.press("Enter")
    page.locator("[data-testid=printing]").wait_for(state="visible")
    page.locator("[data-testid=done]").wait_for(state="visible", timeout=30_000)
    page.click("[data-testid=finish]")
    page.wait_for_url(f"{live_server.url}/kiosk/")
    page.locator("[data-testid=code-input]").wait_for()
    # The same code again: refused.
    page.keyboard.type(digits)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=code-error]:has-text('取件码不正确或已过期')")
    assert Report.objects.count() == 1
