"""工作概览: the office's (and a department's own) picture of the work, chart by chart, each
with its table and an Excel export, and one workbook with every chart."""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.dashboard import queries
from xinyong.dashboard.forms import FilterForm
from xinyong.dashboard.queries import Chart, Scope, Table
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import XLSX, Written, write_sheets, xlsx_response

ALL = "all"  # ?export=all: every chart in one workbook
PAGE_ROWS = 500  # rows of a table shown on the page; the export has them all


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def _query(scope: Scope, office: bool, **extra: str) -> str:
    params = {"date_from": scope.date_from.isoformat(), "date_to": scope.date_to.isoformat()}
    if office and scope.unit is not None:
        params = {"unit": str(scope.unit.pk), **params}
    return "?" + urlencode({**params, **extra})


@role_required(Role.OFFICE, Role.DEPARTMENT)
def index(request: HttpRequest) -> HttpResponseBase:
    user: Any = request.user
    office = user.role == Role.OFFICE
    form = FilterForm(request.GET)
    scope = None
    if form.is_valid():
        try:
            scope = queries.scope_for(user, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.msg) from None
            form.add_error(exc.field or None, exc.msg)
    if scope is None:
        if not office:
            del form.fields["unit"]
        return render(request, "dashboard/index.html", {"form": form, "office": office}, status=422)
    export = request.GET.get("export")
    charts = queries.charts_for(scope)
    if export:
        return _export(request, scope, charts, export)
    tables = [(chart, chart.function(scope)) for chart in charts]
    shown = FilterForm(initial={"unit": scope.unit if office else None,
                                "date_from": scope.date_from, "date_to": scope.date_to})
    if not office:
        del shown.fields["unit"]
    return render(request, "dashboard/index.html", {
        "form": shown, "office": office, "scope": scope,
        "figures": [figure for _, table in tables for figure in table.figures],
        "charts": [{
            "key": chart.key, "title": chart.title, "note": table.note, "columns": table.columns,
            "rows": [[_cell(v) for v in row] for row in table.rows[:PAGE_ROWS]],
            "total": len(table.rows), "cut": len(table.rows) > PAGE_ROWS,
            # One plot spans the card; of three, the first does (the months) and two share a row.
            "plots": [{"index": i, "title": plot.title, "kind": plot.kind,
                       "empty": not plot.categories,
                       "wide": len(table.plots) == 1 or (len(table.plots) == 3 and i == 0)}
                      for i, plot in enumerate(table.plots)],
            "export": _query(scope, office, export=chart.key),
        } for chart, table in tables],
        "plots": {chart.key: [plot.as_json() for plot in table.plots] for chart, table in tables},
        "export_all": _query(scope, office, export=ALL),
    })


def _export(request: HttpRequest, scope: Scope, charts: list[Chart], key: str) -> HttpResponseBase:
    chosen = charts if key == ALL else [c for c in charts if c.key == key]
    if not chosen:
        raise Http404("没有这个图表")
    period = f"{scope.date_from.isoformat()}至{scope.date_to.isoformat()}"
    what = "全部图表" if key == ALL else chosen[0].title

    def audited(written: Written) -> None:
        audit("dashboard.export", request=request,
              summary=f"导出工作概览：{what}（{scope.label}，{period}），{written.rows} 行",
              detail={"export": key, "unit": scope.unit.pk if scope.unit else None,
                      "date_from": scope.date_from.isoformat(),
                      "date_to": scope.date_to.isoformat(), **written.detail()})

    tables: list[tuple[Chart, Table]] = [(chart, chart.function(scope)) for chart in chosen]
    name = f"工作概览-{scope.label}-{period}"
    if key != ALL:
        chart, table = tables[0]
        return xlsx_response(table.columns, table.rows, sheet=chart.title,
                             filename=f"{name}-{chart.title}.xlsx", on_done=audited)
    handle = tempfile.TemporaryFile(prefix="xinyong-export-")  # closed (deleted) with the response
    try:
        written = write_sheets(handle, [(chart.title, table.columns, table.rows)
                                        for chart, table in tables],
                               {"title": f"工作概览（{scope.label}，{period}）",
                                "created": timezone.now()})
        audited(written)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX)
