"""The dashboard page per role, its filters, and its Excel exports read back."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent
from xinyong.conftest_helpers import close_response
from xinyong.dashboard import queries
from xinyong.dashboard.queries import Scope
from xinyong.dashboard.tests.conftest import PERIOD

START, END = PERIOD
QUERY = f"date_from={START.isoformat()}&date_to={END.isoformat()}"


def plots(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-plots" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries the charts' data"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def sheets(response: Any) -> dict[str, list[list[Any]]]:
    data = b"".join(response.streaming_content)
    close_response(response)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def cells(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows as a spreadsheet gives them back: numbers as floats, empty cells as ''."""
    return [[("" if v is None else float(v) if isinstance(v, int | float) else v) for v in row]
            for row in rows]


def test_the_office_sees_every_chart(world: dict[str, Any], web: Callable[..., Any]) -> None:
    page = web(world["office"]).get(f"/dashboard/?{QUERY}")
    assert page.status_code == 200
    html = page.content.decode()
    for chart in queries.CHARTS:
        assert f'data-testid="chart-{chart.key}"' in html and chart.title in html
        assert f"export={chart.key}" in html
    assert 'name="unit"' in html and "全部成员单位" in html
    assert "vendor/echarts/echarts.min.js" in html and "xinyong/dashboard.js" in html
    assert "<script>" not in html.replace('<script id="dashboard-plots"', "")  # no inline code
    data = plots(html)
    assert set(data) == {c.key for c in queries.CHARTS}
    months = data["records"][0]
    assert months["categories"][0] == "2026-01" and months["kind"] == "bar"
    assert sum(sum(s["data"]) for s in months["series"]) == 9
    # Key figures at the top, tables with headers beneath each chart.
    assert 'data-testid="figures"' in html and "期间内信用记录" in html and "9 条" in html
    assert html.count('<th scope="col">') >= sum(len(c.function(Scope(None, START, END)).columns)
                                                  for c in queries.CHARTS[:2])
    assert world["units"]["b"].name in html


def test_the_echarts_library_is_only_on_the_dashboard(world: dict[str, Any],
                                                      web: Callable[..., Any]) -> None:
    assert "echarts" not in web(world["office"]).get("/").content.decode()


def test_the_default_period_is_the_last_twelve_months(world: dict[str, Any],
                                                      web: Callable[..., Any]) -> None:
    page = web(world["office"]).get("/dashboard/")
    assert page.status_code == 200
    scope = page.context["scope"]
    assert (scope.date_from, scope.date_to) == queries.default_period(scope.today)
    html = page.content.decode()
    assert f'value="{scope.date_from.isoformat()}"' in html and f'value="{scope.date_to.isoformat()}"' in html


def test_a_department_sees_its_own_unit(world: dict[str, Any], web: Callable[..., Any]) -> None:
    units = world["units"]
    clerk = web(world["clerk_a"])
    page = clerk.get(f"/dashboard/?{QUERY}")
    html = page.content.decode()
    assert page.status_code == 200 and page.context["scope"].unit == units["a"]
    assert 'name="unit"' not in html and "成员单位只能查看本单位的数据" in html
    assert units["b"].name not in html
    assert 'data-testid="chart-financing"' not in html
    assert clerk.get(f"/dashboard/?unit={units['a'].pk}&{QUERY}").status_code == 200
    assert clerk.get(f"/dashboard/?unit={units['b'].pk}&{QUERY}").status_code == 403
    assert clerk.get(f"/dashboard/?unit={units['b'].pk}&export=all").status_code == 403


def test_the_office_filters_by_unit(world: dict[str, Any], web: Callable[..., Any]) -> None:
    units = world["units"]
    page = web(world["office"]).get(f"/dashboard/?unit={units['b'].pk}&{QUERY}")
    assert page.status_code == 200
    html = page.content.decode()
    data = plots(html)
    assert data["publicity"][0]["categories"] == [units["b"].name]
    assert f'<option value="{units["b"].pk}" selected>' in html
    assert f"unit={units['b'].pk}" in html.split('data-testid="export-all"')[0]


@pytest.mark.parametrize(("query", "field", "words"), [
    ("date_from=2026-02-30", "date_from", "应为 YYYY-MM-DD 格式的日期"),
    ("date_to=明天", "date_to", "应为 YYYY-MM-DD 格式的日期"),
    ("date_from=2026-06-01&date_to=2026-01-01", "date_from", "开始日期不能晚于结束日期"),
    ("unit=999999", "unit", "没有这个成员单位"),
    ("unit=abc", "unit", "没有这个成员单位"),
])
def test_bad_filters_say_which_field(world: dict[str, Any], web: Callable[..., Any], query: str,
                                     field: str, words: str) -> None:
    page = web(world["office"]).get(f"/dashboard/?{query}")
    assert page.status_code == 422
    html = page.content.decode()
    assert f'data-error-for="{field}"' in html and words in html
    assert "dashboard-plots" not in html


def test_who_may_open_it(world: dict[str, Any], users: dict[str, Any], web: Callable[..., Any]) -> None:
    assert web(None).get("/dashboard/").status_code == 302
    for role in (Role.SUBJECT, Role.INSTITUTION):
        assert web(users[role]).get("/dashboard/").status_code == 403


def test_home_and_navigation_lead_to_it(world: dict[str, Any], users: dict[str, Any],
                                        web: Callable[..., Any]) -> None:
    for role in (Role.OFFICE, Role.DEPARTMENT):
        home = web(users[role]).get("/").content.decode()
        assert 'data-testid="home-dashboard"' in home and 'href="/dashboard/"' in home
    assert 'href="/dashboard/"' not in web(users[Role.SUBJECT]).get("/").content.decode()


# --- exports ----------------------------------------------------------------------------------

def test_each_chart_exports_its_table(world: dict[str, Any], web: Callable[..., Any]) -> None:
    office = web(world["office"])
    scope = Scope(None, START, END)
    for chart in queries.CHARTS:
        response = office.get(f"/dashboard/?{QUERY}&export={chart.key}")
        assert response.status_code == 200, chart.key
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        got = sheets(response)
        assert list(got) == [chart.title]
        table = chart.function(scope)
        rows = got[chart.title]
        assert rows[0] == table.columns, chart.key
        assert rows[1:] == cells(table.rows), chart.key
    records = sheets(office.get(f"/dashboard/?{QUERY}&export=records"))[queries.BY_KEY["records"].title]
    assert sum(row[4] for row in records[1:]) == 9
    assert office.get(f"/dashboard/?{QUERY}&export=nothing").status_code == 404
    logged = AuditEvent.objects.filter(action="dashboard.export")
    assert logged.count() == len(queries.CHARTS) + 1
    assert "导出工作概览：信用记录" in logged.order_by("-pk")[0].summary


def test_one_workbook_holds_every_chart(world: dict[str, Any], web: Callable[..., Any]) -> None:
    got = sheets(web(world["office"]).get(f"/dashboard/?{QUERY}&export=all"))
    assert list(got) == [chart.title for chart in queries.CHARTS]
    scope = Scope(None, START, END)
    for chart in queries.CHARTS:
        table = chart.function(scope)
        assert got[chart.title] == [table.columns, *cells(table.rows)]
    mine = sheets(web(world["clerk_a"]).get(f"/dashboard/?{QUERY}&export=all"))
    assert queries.BY_KEY["financing"].title not in mine
    assert world["units"]["b"].name not in json.dumps(mine, ensure_ascii=False)
    assert AuditEvent.objects.filter(action="dashboard.export").count() == 2


def test_the_page_shows_at_most_a_page_of_rows(world: dict[str, Any], web: Callable[..., Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.dashboard import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    html = web(world["office"]).get(f"/dashboard/?{QUERY}").content.decode()
    section = html.split('data-testid="table-records"')[1].split("</details>")[0]
    assert "页面显示前 2 行，完整数据请导出 Excel" in section
    assert section.count("<tr>") == 3  # the heading row and two rows
