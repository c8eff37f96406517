"""The office's audit log: every event in Chinese, filtered, paged, exported to Excel."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.audit.filtersets import filter_events
from xinyong.audit.labels import action_label, describe
from xinyong.audit.models import VIA_LABELS, AuditEvent
from xinyong.audit.models import record as audit
from xinyong.lib.exports import Written, xlsx_response
from xinyong.lib.paging import paginate
from xinyong.lib.pii import mask_id_numbers

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


@role_required(Role.OFFICE)
def events(request: HttpRequest) -> HttpResponse:
    queryset, form = filter_events(AuditEvent.objects.visible_to(request.user), request.GET)
    page, query = paginate(request, queryset, PAGE_SIZE)
    objects = describe(page)
    rows = [(e, action_label(e.action), objects.get(e.pk), VIA_LABELS.get(e.via, e.via))
            for e in page]
    about = None
    if form.is_valid() and form.cleaned_data["object"] and rows:
        about = rows[0][2]
    return render(request, "audit/events.html", {
        "page": page, "rows": rows, "form": form, "query": query, "about": about})


EXPORT_HEADERS = ["时间", "操作人", "操作", "操作代码", "对象类型", "对象", "对象编号", "摘要",
                  "渠道", "来源地址"]


def export_rows(queryset: Any) -> Iterator[list[Any]]:
    """The export's rows, read in chunks, each chunk's objects looked up together."""
    events = queryset.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(events, EXPORT_CHUNK)):
        objects = describe(chunk)
        for e in chunk:
            ref = objects.get(e.pk)
            yield [timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_label,
                   action_label(e.action), e.action, ref.noun if ref else "",
                   ref.name if ref else "", e.object_id, mask_id_numbers(e.summary),
                   VIA_LABELS.get(e.via, e.via), e.ip or ""]


@role_required(Role.OFFICE)
def export(request: HttpRequest) -> HttpResponseBase:
    queryset, form = filter_events(AuditEvent.objects.visible_to(request.user), request.GET)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未导出")
        return redirect(f"{reverse('audit:events')}?{request.GET.urlencode()}")
    filters = {k: v for k, v in request.GET.items() if k != "page"}

    def audited(written: Written) -> None:
        sheets = f"，共 {written.sheets} 个工作表" if written.sheets > 1 else ""
        audit("audit.export", request=request, summary=f"导出审计日志 {written.rows} 条（Excel{sheets}）",
              detail={"filters": filters, **written.detail()})

    filename = f"审计日志-{timezone.localdate().isoformat()}.xlsx"
    return xlsx_response(EXPORT_HEADERS, export_rows(queryset), sheet="审计日志", filename=filename,
                         on_done=audited)
