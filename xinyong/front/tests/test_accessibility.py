"""Accessibility (issue 18): the elder-friendly mode (长者模式, 适老化), keyboard use, and
axe-core's WCAG 2.1 A/AA rules on the public, list, subject and service pages and the
logged-in homes, in the standard and the elder mode.

axe-core is vendored for these tests only (vendor/axe-core, never served): it is injected
into each page by Playwright.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from xinyong.accounts.models import User
from xinyong.conftest_helpers import ARTIFACTS, login, new_page
from xinyong.front.a11y import COOKIE, ELDER, YEAR
from xinyong.front.tests.walk import links, walk

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    count: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
      data: (n.any[0] || n.all[0] || n.none[0] || {}).data || null}))}));
}"""
MODES = ["standard", ELDER]
# Pages other parts of issue 18 add; checked once their URL names exist (and the office's
# dashboard, dashboard:index, below).
LATER = ["portal:search", "articles:list"]


# --- the mode switch, without a browser ------------------------------------------------------

def test_the_switch_sets_a_cookie_for_a_year_and_goes_back(db: Any) -> None:
    client = Client()
    response = client.post("/display-mode/", {"mode": ELDER, "next": "/lists/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/lists/?page=2"
    cookie = response.cookies[COOKIE]
    assert cookie.value == ELDER
    assert cookie["max-age"] == YEAR
    assert cookie["samesite"] == "Lax"
    html = client.get("/").content.decode()
    assert '<html lang="zh-CN" class="mode-elder">' in html
    assert 'name="mode" value="standard"' in html and ">标准模式<" in html

    response = client.post("/display-mode/", {"mode": "standard", "next": "/policies/"})
    assert response["Location"] == "/policies/"
    assert response.cookies[COOKIE]["max-age"] == 0  # deleted
    html = client.get("/").content.decode()
    assert 'class="mode-elder"' not in html
    assert 'name="mode" value="elder"' in html and ">长者模式<" in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "", "javascript:alert(1)",
                                    "http://testserver.evil.example/"])
def test_the_switch_never_leaves_the_site(db: Any, target: str) -> None:
    response = Client().post("/display-mode/", {"mode": ELDER, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_switch_takes_posts_only(db: Any) -> None:
    assert Client().get("/display-mode/?mode=elder&next=/").status_code == 405


def test_the_switch_is_in_every_page_for_everyone(users: dict[str, User]) -> None:
    for user in [None, *users.values()]:
        client = Client()
        if user:
            login(client, user)
        html = client.get("/policies/?x=1").content.decode()
        form = html[html.index('data-testid="display-mode"'):]
        form = form[:form.index("</form>")]
        assert 'name="csrfmiddlewaretoken"' in form
        # No address in the page: the switch goes back by the Referer.
        assert 'name="next"' not in form and "x=1" not in form


def test_the_switch_goes_back_by_the_referer(db: Any) -> None:
    response = Client().post("/display-mode/", {"mode": ELDER},
                             headers={"Referer": "http://testserver/lists/?page=2"})
    assert response["Location"] == "http://testserver/lists/?page=2"
    response = Client().post("/display-mode/", {"mode": ELDER},
                             headers={"Referer": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_skip_link_comes_first_and_leads_to_main(db: Any) -> None:
    html = Client().get("/").content.decode()
    body = html[html.index("<body"):]
    first = body[body.index(">") + 1:].lstrip()
    assert first.startswith('<a class="skip-link visually-hidden-focusable" href="#main">跳到主要内容</a>')
    assert '<main id="main" class="container my-4" tabindex="-1">' in html


def test_the_bar_says_which_page_is_open(db: Any) -> None:
    html = Client().get("/policies/").content.decode()
    assert 'class="nav-link active" aria-current="page" href="/policies/"' in html
    assert html.count('aria-current="page"') == 1


# --- in Chromium ----------------------------------------------------------------------------

def _page(browser: Any, live_server: Any, client: Client | None, mode: str,
          width: int = 1280, height: int = 900) -> Any:
    page = new_page(browser, width=width, height=height)
    cookies = []
    if client is not None:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})
    if mode == ELDER:
        cookies.append({"name": COOKIE, "url": live_server.url, "value": ELDER})
    if cookies:
        page.context.add_cookies(cookies)
    return page


def _public_paths(client: Client) -> list[tuple[str, str]]:
    """(name, path) of the pages the check covers, with the demo's data."""
    from xinyong.lists.models import Membership
    from xinyong.policies import rulebook
    from xinyong.subjects.models import Subject

    market = Subject.objects.get(code="91350105MA2Y00002W")  # has records and a list entry
    list_code = (Membership.objects.filter(public=True).values_list("list_code", flat=True)
                 .first() or next(iter(rulebook.current().lists())))
    names = [
        ("home", "/"),
        ("lists", reverse("lists:index")),
        ("list", reverse("lists:detail", args=[list_code])),
        ("subject", reverse("subjects:detail", args=[market.pk])),
        ("repair-guide", reverse("repairs:guide")),
        ("track", reverse("casework:track")),
        ("report-verify", reverse("reports:verify")),
        ("search", reverse("subjects:search")),
        ("commitments", reverse("commitments:index")),
        ("certificate-verify", reverse("certificates:verify")),
        ("financing", reverse("financing:index")),
        ("policies", reverse("policies:list")),
        ("penalties", reverse("disclosure:penalties")),
        ("login", reverse("accounts:login")),
    ]
    # One policy: the first the policy list links to.
    policies = [h for h in links(client.get(reverse("policies:list")).content.decode())
                if h.startswith("/policies/") and _route(h) == "policies:detail"]
    assert policies
    names.append(("policy", policies[0]))
    for name in LATER:
        try:
            names.append((name.replace(":", "-"), reverse(name)))
        except NoReverseMatch:
            continue
    if any(n == "portal-search" for n, _ in names):  # with results
        names.append(("portal-results", reverse("portal:search") + "?q=闽江"))
    # One article, when the article list links to one.
    if any(n == "articles-list" for n, _ in names):
        html = client.get(reverse("articles:list")).content.decode()
        found = [h for h in links(html) if _route(h) == "articles:detail"]
        if found:
            names.append(("article", found[0]))
    return names


def _route(href: str) -> str:
    try:
        return resolve(href.split("?")[0]).view_name
    except Resolver404:  # not a page of ours
        return ""


def _axe(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AXE_RUN))


def _describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']} [{v['count']}×] {v['targets']}"
            for v in violations]


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
def test_axe_finds_nothing_on_the_public_and_home_pages(
    transactional_db: Any, demo_site: dict[str, User], live_server: Any, browser: Any, mode: str,
) -> None:
    anonymous = Client()
    pages: list[tuple[Client | None, str, str]] = [
        (None, name, path) for name, path in _public_paths(anonymous)]
    for who in ("kangning", "office"):
        client = Client()
        login(client, demo_site[who])
        pages.append((client, f"home-{who}", "/"))
        if who == "office":
            try:
                pages.append((client, "dashboard-office", reverse("dashboard:index")))
            except NoReverseMatch:
                pass
    covered = [name for _, name, _ in pages]
    print("axe covers", mode, covered)  # which of the later pages were found (with -s)

    found: list[str] = []
    details: list[dict[str, Any]] = []
    too_wide: list[str] = []
    browsers: dict[int, Any] = {}
    for client, name, path in pages:
        key = id(client)
        if key not in browsers:
            browsers[key] = _page(browser, live_server, client, mode)
        page = browsers[key]
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (name, path)
        page.wait_for_load_state("load")
        violations = _axe(page)
        found += _describe(f"{name} {path} [{mode}]", violations)
        details += [{"page": name, **v} for v in violations]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 1280:
            too_wide.append(f"{name}: {width}px")
        assert (page.evaluate("document.documentElement.classList.contains('mode-elder')")
                == (mode == ELDER))
    if found:  # every node, with axe's data (colours and ratio), for whoever fixes them
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"a11y-violations-{mode}.json").write_text(
            json.dumps(details, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not found, "\n".join(found)
    assert not too_wide, too_wide


WIDE = """(w) => { const seen = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && el.children.length === 0) seen.push(
      el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 30));
    if (seen.length > 3) break; }
  return seen; }"""


@pytest.mark.browser
@pytest.mark.parametrize("who", ["anonymous", "office", "scjg", "kangning", "bank", "loujiang"])
def test_every_page_in_elder_mode(transactional_db: Any, demo_site: dict[str, User],
                                  live_server: Any, browser: Any, who: str) -> None:
    """In 长者模式 one page of every URL pattern each role reaches is no wider than a 390 px
    phone (tables still become cards) nor a 1280 px screen (the bar wraps), and axe finds
    nothing on it at 1280 px. (loujiang: a user name long enough to be cut.)"""
    client = Client()
    if who != "anonymous":
        login(client, demo_site[who])
    paths = [v.path for v in walk(client, per_route=1) if v.status == 200]
    too_wide: list[str] = []
    found: list[str] = []
    for width, height in ((390, 844), (1280, 900)):
        page = _page(browser, live_server, None if who == "anonymous" else client, ELDER,
                     width=width, height=height)
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            if page.evaluate("document.documentElement.scrollWidth") > width:
                too_wide.append(f"{width}px {path}: {page.evaluate(WIDE, width)}")
            if width == 1280:
                found += _describe(f"{who} {path} [{ELDER}]", _axe(page))
        page.context.close()
    assert len(paths) > 3
    assert not too_wide, "\n".join(too_wide)
    assert not found, "\n".join(found)


@pytest.mark.browser
def test_elder_mode_is_larger_and_underlines_links(transactional_db: Any, live_server: Any,
                                                   browser: Any) -> None:
    sizes = {}
    for mode in MODES:
        page = _page(browser, live_server, None, mode)
        page.goto(live_server.url + "/")
        sizes[mode] = page.evaluate("""() => {
          const style = e => getComputedStyle(document.querySelector(e));
          return {body: parseFloat(style('body').fontSize),
            line: parseFloat(style('body').lineHeight) / parseFloat(style('body').fontSize),
            h1: parseFloat(style('main h1').fontSize),
            link: style('main a:not(.btn):not(.nav-link)').textDecorationLine,
            button: document.querySelector('form[role=search] button')
              .getBoundingClientRect().height}; }""")
        page.context.close()
    elder, standard = sizes[ELDER], sizes["standard"]
    assert elder["body"] == 20 and standard["body"] == 16, sizes
    assert abs(elder["line"] - 1.7) < 0.01, sizes
    assert elder["h1"] >= standard["h1"] * 1.2, sizes
    assert elder["link"] == "underline", sizes
    assert elder["button"] > standard["button"], sizes


@pytest.mark.browser
def test_screenshots_of_both_modes(transactional_db: Any, demo_site: dict[str, User],
                                   live_server: Any, browser: Any) -> None:
    """Home and a list page, standard and elder, 1280 and 390 px: for a person to look at;
    none wider than its screen."""
    paths = dict(_public_paths(Client()))
    ARTIFACTS.mkdir(exist_ok=True)
    for mode in MODES:
        for width, height in ((1280, 900), (390, 844)):
            page = _page(browser, live_server, None, mode, width=width, height=height)
            for name in ("home", "list"):
                page.goto(live_server.url + paths[name])
                page.wait_for_load_state("load")
                page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{mode}-{width}.png"),
                                full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (
                    name, mode, width)
            page.context.close()


@pytest.mark.browser
def test_the_switch_works_without_javascript(transactional_db: Any, demo_site: dict[str, User],
                                             live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("lists:index"))
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="长者模式").click()
    page.wait_for_url(live_server.url + reverse("lists:index"))
    expect(page.locator("html")).to_have_class("mode-elder")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > base
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    assert cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    page.get_by_role("button", name="标准模式").click()
    page.wait_for_url(live_server.url + reverse("lists:index"))
    expect(page.locator("html")).not_to_have_class("mode-elder")
    assert not [c for c in context.cookies() if c["name"] == COOKIE]
    context.close()


FOCUS = """() => { const e = document.activeElement;
  return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 20),
          search: !!(e.closest('form[role=search]') && e.tagName === 'INPUT'),
          outline: getComputedStyle(e).outlineStyle,
          outlineWidth: parseFloat(getComputedStyle(e).outlineWidth),
          outlineColor: getComputedStyle(e).outlineColor,
          toggle: e.classList.contains('dropdown-toggle'),
          item: e.classList.contains('dropdown-item')}; }"""


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
def test_keyboard_from_the_top_to_a_search(transactional_db: Any, demo_site: dict[str, User],
                                           live_server: Any, browser: Any, mode: str) -> None:
    """Tab from the top: the skip link first, which moves focus to the main content; on to
    the search box (each stop with a visible outline), type and press Enter."""
    from playwright.sync_api import expect

    page = _page(browser, live_server, None, mode)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    assert focus["text"] == "跳到主要内容", focus
    assert page.get_by_role("link", name="跳到主要内容").is_visible()
    page.keyboard.press("Enter")
    focus = page.evaluate(FOCUS)
    assert focus["id"] == "main", focus

    page.goto(live_server.url + "/")
    for _ in range(60):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["outline"] != "none" and focus["outlineWidth"] >= 2, focus
        if focus["search"]:
            break
    else:
        raise AssertionError("the search box is not reachable by Tab")
    page.keyboard.type("闽江生鲜")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="福州闽江生鲜超市有限公司")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"a11y-keyboard-search-{mode}.png"))


@pytest.mark.browser
def test_keyboard_opens_the_navigation_dropdowns(transactional_db: Any,
                                                 demo_site: dict[str, User],
                                                 live_server: Any, browser: Any) -> None:
    """The office's bar: Tab to a group, Enter opens it, arrows move through its pages,
    Escape closes it and gives focus back, Enter on an entry opens that page."""
    client = Client()
    login(client, demo_site["office"])
    page = _page(browser, live_server, client, "standard")
    page.goto(live_server.url + "/")
    # A bar too long now wraps (rather than widening the page), so "on one line" is counted:
    # the office's entries all share one row at 1280 px.
    rows = page.evaluate("""() => new Set([...document.querySelectorAll('#nav > ul:first-child > li')]
      .map(li => Math.round(li.getBoundingClientRect().top))).size""")
    assert rows == 1, rows
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS)["toggle"]:
            break
    else:
        raise AssertionError("no dropdown reachable by Tab")
    toggle = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    menu = page.locator(".dropdown-menu.show")
    assert menu.count() == 1 and menu.is_visible()
    page.keyboard.press("ArrowDown")
    focus = page.evaluate(FOCUS)
    assert focus["item"], focus
    # The bar's white ring would vanish on the white menu: items get the dark one.
    assert focus["outlineWidth"] >= 3 and focus["outlineColor"] != "rgb(255, 255, 255)", focus
    page.keyboard.press("Escape")
    assert page.locator(".dropdown-menu.show").count() == 0
    assert page.evaluate("document.activeElement.textContent.trim()") == toggle
    page.keyboard.press(" ")  # a button opens on Space too
    assert page.locator(".dropdown-menu.show").count() == 1
    page.keyboard.press("ArrowDown")
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + target)
