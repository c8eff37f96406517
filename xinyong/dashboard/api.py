"""API: the dashboard (/api/v1/dashboard): every chart's table for a unit and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.dashboard import queries
from xinyong.dashboard.forms import read_scope
from xinyong.lib.apierrors import Error

router = Router(tags=["工作概览"])


class DashboardQuery(Schema):
    # Text, read by the page's own filter form, so both name the field the same way.
    unit: str | None = Field(None, description="成员单位 id；不填为全部（成员单位只能是本单位）")
    date_from: str | None = Field(None, description="统计期间起（YYYY-MM-DD），默认近 12 个月")
    date_to: str | None = Field(None, description="统计期间止（YYYY-MM-DD），默认今天")


class DashboardScopeOut(Schema):
    unit_id: int | None
    unit_name: str
    date_from: dt.date
    date_to: dt.date
    today: dt.date


class DashboardChartOut(Schema):
    key: str
    title: str
    kind: str
    columns: list[str]
    rows: list[list[int | float | str | None]]
    note: str


class DashboardOut(Schema):
    scope: DashboardScopeOut
    charts: list[DashboardChartOut]


@router.get("", auth=token_auth, response={200: DashboardOut, 403: Error, 422: Error},
            summary="工作概览（信用办、成员单位）：各图表的数据表")
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """Every chart of the dashboard page as a table. A department sees its own unit only:
    asking for another unit is 403."""
    user = require_role(request, Role.OFFICE, Role.DEPARTMENT)
    scope = read_scope(user, query.dict())
    charts = []
    for chart in queries.charts_for(scope):
        table = chart.function(scope)
        charts.append({"key": chart.key, "title": chart.title, "kind": chart.kind,
                       "columns": table.columns, "rows": table.rows, "note": table.note})
    return {"scope": {"unit_id": scope.unit.pk if scope.unit else None, "unit_name": scope.label,
                      "date_from": scope.date_from, "date_to": scope.date_to,
                      "today": scope.today},
            "charts": charts}
