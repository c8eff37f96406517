"""The dashboard in Chromium as the office, on the demo's data plus a check with feedback:
every chart is drawn (an ECharts instance with series data on a canvas), no script error,
nothing wider than the screen at 1280 px and at 390 px. Screenshots:
test-artifacts/dashboard-desktop.png and dashboard-phone.png."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import User
from xinyong.checks import services as checks
from xinyong.conftest_helpers import login, new_page, screenshot
from xinyong.dashboard import queries

pytestmark = [pytest.mark.browser]

DRAWN = """() => Array.from(document.querySelectorAll('.dash-chart')).map((el) => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  const canvas = el.querySelector('canvas');
  return {chart: el.dataset.chart, plot: el.dataset.plot, instance: !!chart,
          series: series.length, points: series.reduce((n, s) => n + (s.data || []).length, 0),
          canvas: !!canvas && canvas.width > 0 && canvas.height > 0,
          width: el.getBoundingClientRect().width};
})"""


@pytest.fixture
def office_session(transactional_db: Any, loaded: Any, settings: Any, tmp_path: Path) -> str:
    """The demo, a check by the market regulator with feedback on one measure; the office's
    session cookie."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())
    clerk = User.objects.get(username="scjg")
    made = checks.run_check(clerk, "government_procurement",
                            ["91350105MA2Y00001R", "91350105MA2Y00002W", "91320585MA1N000039"],
                            timezone.localdate())
    row = next(r for r in made.results if r.get("measures"))
    checks.give_feedback(made, clerk, row["subject_id"], row["measures"][0]["code"], True, "已按措施办理")
    client = Client()
    login(client, User.objects.get(username="office"))
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize(("width", "name"), [(1280, "desktop"), (390, "phone")])
def test_every_chart_is_drawn(office_session: str, live_server: Any, browser: Any, width: int,
                              name: str) -> None:
    page = new_page(browser, width=width, height=900)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Files that fail to load (the browser's own favicon request aside).
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": office_session}])
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => window.echarts && document.querySelectorAll('.dash-chart canvas').length"
                           " === document.querySelectorAll('.dash-chart').length")
    drawn = page.evaluate(DRAWN)
    assert {d["chart"] for d in drawn} == {c.key for c in queries.CHARTS}, drawn
    for d in drawn:
        assert d["instance"] and d["canvas"] and d["series"] > 0 and d["points"] > 0, d
        assert d["width"] <= width
    assert not errors, errors
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A table opens beneath its chart, with its headings.
    page.click("[data-testid=table-records] summary")
    assert page.locator("[data-testid=table-records] th").first.inner_text() == "月份"
    screenshot(page, f"dashboard-{name}")


def test_the_filters_redraw_for_one_unit(office_session: str, live_server: Any, browser: Any) -> None:
    page = new_page(browser, width=1280, height=900)
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": office_session}])
    page.goto(f"{live_server.url}/dashboard/")
    page.select_option("#id_unit", label="太仓市农业农村局")
    start = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    page.fill("#id_date_from", start)
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_url("**/dashboard/?unit=*")
    page.wait_for_function("() => window.echarts && document.querySelector('.dash-chart canvas')")
    units = page.evaluate("""() => echarts.getInstanceByDom(
        document.querySelector('[data-chart=publicity]')).getOption().yAxis[0].data""")
    assert units == ["太仓市农业农村局"]
    assert page.locator("[data-testid=chart-financing]").count() == 0
