"""Pages of the upward exchange: the office's batches, a batch, and each unit's returned rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.exchange import batches, sharing
from xinyong.exchange.models import LICENCE, PENALTY, Batch, Rejection
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import download


@role_required(Role.OFFICE)
def batch_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        batch = batches.cut(request.user, request=request)
        messages.success(request, f"已生成第 {batch.pk} 批，共 {batch.count} 条")
        return redirect("exchange:batch", batch_id=batch.pk)
    from xinyong.repairs.models import Repair

    today = timezone.localdate()
    waiting = []
    recent = today - dt.timedelta(days=60)
    approved = list(Repair.objects.filter(status="approved", decided_on__gte=recent)
                    .select_related("record").order_by("-decided_on")[:200])
    changes = sharing.repaired_changes([r.record_id for r in approved])
    for repair in approved:
        shared = sharing.repair_sharing(repair, today, changes)
        if shared is not None and shared.state in ("overdue", "waiting", "late"):
            waiting.append({"repair": repair, "sharing": shared})
    return render(request, "exchange/list.html", {
        "batches": Batch.objects.annotate(returned=Count("rejections"))[:100],
        "pending": batches.pending_count(),
        "waiting": waiting})


@role_required(Role.OFFICE)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("没有这个上报批次")
    rejections = batch.rejections.select_related("unit", "change").order_by("row")
    return render(request, "exchange/detail.html", {"batch": batch, "rejections": rejections})


@role_required(Role.OFFICE)
def batch_file(request: HttpRequest, batch_id: int, fmt: str, sheet: str = PENALTY) -> HttpResponse:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("没有这个上报批次")
    try:
        content, name, content_type = batches.download(batch, fmt, sheet, actor=request.user,
                                                       request=request)
    except DomainError as exc:
        raise Http404(exc.msg) from None
    return download(content, name, content_type)


@role_required(Role.OFFICE, Role.DEPARTMENT)
def returned(request: HttpRequest) -> HttpResponse:
    """上报退回: rows the upstream platform refused, as tasks for the unit that reported them."""
    user: User = request.user  # type: ignore[assignment]
    rows = Rejection.objects.select_related("batch", "change", "unit")
    if user.role == Role.DEPARTMENT:
        rows = rows.filter(unit_id=user.unit_id or 0)
    items: list[dict[str, Any]] = []
    for r in rows.order_by("resolved_at", "-batch_id", "row")[:500]:
        kind = r.change.kind
        items.append({"r": r, "kind": "行政处罚" if kind == PENALTY else "行政许可",
                      "url_name": "records:detail" if kind == PENALTY else "licences:detail",
                      "licence": kind == LICENCE})
    return render(request, "exchange/returned.html", {
        "items": items, "office": user.role == Role.OFFICE,
        "open": sum(1 for i in items if i["r"].resolved_at is None)})
