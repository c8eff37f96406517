"""Every kind of page, as every demo role, on a 390×844 phone in Chromium: no page is wider
than the screen (tables become cards). One screenshot per page goes to
test-artifacts/phone/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from xinyong.accounts.models import User
from xinyong.conftest_helpers import ARTIFACTS, login, new_page
from xinyong.front.tests.walk import walk

pytestmark = [pytest.mark.browser]

ROLES = ["anonymous", "office", "scjg", "kangning", "bank", "tcny"]
WIDTH = 390


@pytest.mark.parametrize("who", ROLES)
def test_no_page_is_wider_than_a_phone(transactional_db: Any, demo_site: dict[str, User],
                                       live_server: Any, browser: Any, who: str) -> None:
    client = Client()
    if who != "anonymous":
        login(client, demo_site[who])
    # One page of each URL pattern this role reaches.
    paths = [v.path for v in walk(client, per_route=1) if v.status == 200]
    page = new_page(browser, width=WIDTH, height=844)
    if who != "anonymous":
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    shots = ARTIFACTS / "phone"
    shots.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=str(shots / f"{who}-{name[:80]}.png"), full_page=True)
        if width > WIDTH:
            culprit = page.evaluate("""(w) => { const seen = [];
                for (const el of document.querySelectorAll('body *')) {
                  const r = el.getBoundingClientRect();
                  if (r.right > w + 1 && el.children.length === 0) seen.push(
                    el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 30));
                  if (seen.length > 3) break; }
                return seen; }""", WIDTH)
            too_wide.append(f"{path}: {width}px {culprit}")
    assert len(paths) > 3
    assert not too_wide, "\n".join(too_wide)
