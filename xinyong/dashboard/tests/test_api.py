"""GET /api/v1/dashboard: every chart's table for a unit and a period; who may ask; errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role
from xinyong.dashboard import queries
from xinyong.dashboard.queries import Scope
from xinyong.dashboard.tests.conftest import PERIOD

START, END = PERIOD
URL = f"/api/v1/dashboard?date_from={START.isoformat()}&date_to={END.isoformat()}"


def test_the_office_gets_every_chart(world: dict[str, Any], api: Callable[..., Any]) -> None:
    response = api(world["office"]).get(URL)
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["scope"]["unit_id"] is None and body["scope"]["unit_name"] == "全部成员单位"
    assert (body["scope"]["date_from"], body["scope"]["date_to"]) == (START.isoformat(), END.isoformat())
    assert [c["key"] for c in body["charts"]] == [c.key for c in queries.CHARTS]
    scope = Scope(None, START, END)
    for chart, got in zip(queries.CHARTS, body["charts"], strict=True):
        table = chart.function(scope)
        assert got["title"] == chart.title and got["columns"] == table.columns
        assert got["rows"] == table.rows, chart.key
    records = body["charts"][0]
    assert sum(row[4] for row in records["rows"]) == 9


def test_the_office_asks_for_one_unit(world: dict[str, Any], api: Callable[..., Any]) -> None:
    unit = world["units"]["b"]
    body = api(world["office"]).get(f"{URL}&unit={unit.pk}").json()
    assert body["scope"]["unit_id"] == unit.pk and body["scope"]["unit_name"] == unit.name
    publicity = next(c for c in body["charts"] if c["key"] == "publicity")
    assert [row[0] for row in publicity["rows"]] == [unit.name]
    assert "financing" not in {c["key"] for c in body["charts"]}


def test_a_department_gets_its_own_unit_and_403_for_another(world: dict[str, Any],
                                                             api: Callable[..., Any]) -> None:
    units = world["units"]
    clerk = api(world["clerk_a"])
    body = clerk.get(URL).json()
    assert body["scope"]["unit_id"] == units["a"].pk
    assert units["b"].name not in str(body["charts"])
    assert clerk.get(f"{URL}&unit={units['a'].pk}").status_code == 200
    refused = clerk.get(f"{URL}&unit={units['b'].pk}")
    assert refused.status_code == 403 and "本单位" in refused.json()["detail"]


def test_others_may_not(world: dict[str, Any], users: dict[str, Any], api: Callable[..., Any]) -> None:
    assert api(None).get(URL).status_code == 401
    for role in (Role.SUBJECT, Role.INSTITUTION):
        assert api(users[role]).get(URL).status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("date_from=2026-02-30", "date_from"),
    ("date_to=2026/06/30", "date_to"),
    ("date_from=2026-06-01&date_to=2026-01-01", "date_from"),
    ("date_from=2000-01-01&date_to=2026-01-01", "date_from"),
    ("unit=999999", "unit"),
    ("unit=市场监督管理局", "unit"),
])
def test_bad_input_is_422_naming_the_field(world: dict[str, Any], api: Callable[..., Any],
                                           query: str, field: str) -> None:
    response = api(world["office"]).get(f"/api/v1/dashboard?{query}")
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert body["errors"][0]["loc"] == [field] and body["errors"][0]["msg"]
    assert field in body["detail"]


def test_empty_parameters_mean_the_defaults(world: dict[str, Any], api: Callable[..., Any]) -> None:
    body = api(world["office"]).get("/api/v1/dashboard?unit=&date_from=&date_to=").json()
    start, end = queries.default_period(queries.scope_for(world["office"]).today)
    assert body["scope"]["unit_id"] is None
    assert (body["scope"]["date_from"], body["scope"]["date_to"]) == (start.isoformat(), end.isoformat())
