"""The office tries an edited pack, reads the what-if report and adopts it, in Chromium.

Run with `pytest -m browser xinyong/policies/tests/test_whatif_browser.py`; the PNGs land in
test-artifacts/whatif-*.png (not committed).
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from xinyong.accounts.models import Role, User
from xinyong.conftest_helpers import new_page, screenshot
from xinyong.policies.models import PolicyPack
from xinyong.policies.tests.test_whatif import WATCH_SERIOUS, world  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_tries_then_adopts_an_edited_pack(world: dict[str, Any],  # noqa: F811
                                                 users: dict[str, User], live_server: Any,
                                                 browser: Any) -> None:
    page = new_page(browser)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users[Role.OFFICE].username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")  # the login form's (the bar above has a form too)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/policies/upload/")
    page.set_input_files("#id_file", files=[{
        "name": "taicang-2020-1.yaml", "mimeType": "application/x-yaml",
        "buffer": WATCH_SERIOUS.encode()}])
    screenshot(page, "whatif-upload")
    page.click("[data-testid=preview]")
    page.wait_for_url("**/policies/upload/whatif/*/")
    page.wait_for_selector("[data-testid=whatif-lists]")
    watch = page.locator("[data-list=watch]")
    assert watch.locator("[data-count=subjects_left]").inner_text() == "1"
    assert page.locator("[data-count=changed]").inner_text() == "2"
    assert page.locator("[data-count=checks]").inner_text() == "1"
    assert page.locator(f"[data-check='{world['inspection'].pk}']").count() == 1
    assert page.locator(f"[data-record='{world['general'].pk}']").count() >= 1
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]
    screenshot(page, "whatif-preview")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=adopt]")
    page.wait_for_url("**/adopted/")
    assert "已采用" in page.locator("[data-testid=whatif-adopted]").inner_text()
    assert page.locator("[data-list=watch] [data-count=subjects_left]").inner_text() == "1"
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 2  # type: ignore[union-attr]
    screenshot(page, "whatif-adopted")

    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "whatif-adopted-phone")
    assert width <= 390, width
