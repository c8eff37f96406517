"""A repair's sharing deadline: the national rules share a repair decision within a few
working days (the repair channel's `share_working_days`, 3 in the packs); here a repair is
shared when the batch holding the record's 信用修复 change is cut (and pushed, where a
push is configured)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from xinyong.exchange.models import PENALTY, Batch, Change
from xinyong.lib import workdays
from xinyong.policies import rulebook


@dataclass(frozen=True)
class Sharing:
    due_by: dt.date
    working_days: int
    batch: Batch | None
    shared_on: dt.date | None
    state: str  # met, late, overdue, waiting

    @property
    def label(self) -> str:
        return {"met": "已按时共享", "late": "超期共享", "overdue": "已超期，尚未共享",
                "waiting": "待共享"}[self.state]


def share_days(repair: Any) -> int | None:
    entry = rulebook.current().entry(repair.policy)
    if entry is None:
        return None
    channel = next((c for c in entry.pack.repair_channels if c.code == repair.channel), None)
    return channel.share_working_days if channel else None


def shared_on(batch: Batch) -> dt.date | None:
    """When a batch reached upstream: pushed, or (no push configured) its file was ready."""
    if batch.push_status == "sent" and batch.pushed_at:
        return timezone.localdate(batch.pushed_at)
    if batch.push_status == "none":
        return timezone.localdate(batch.created_at)
    return None


def repaired_changes(record_ids: list[int]) -> dict[int, Change]:
    """The first 信用修复 change of each record, with its batch: one query for a page."""
    found: dict[int, Change] = {}
    for change in (Change.objects.filter(kind=PENALTY, object_id__in=record_ids, op="repaired")
                   .select_related("batch").order_by("id")):
        found.setdefault(change.object_id, change)
    return found


def repair_sharing(repair: Any, today: dt.date | None = None,
                   changes: dict[int, Change] | None = None) -> Sharing | None:
    """The sharing of an approved repair of a 双公示 penalty (None for anything else);
    `changes` from `repaired_changes` when a page shows many repairs."""
    if repair.status != "approved" or repair.decided_on is None:
        return None
    days = share_days(repair)
    if changes is None:
        changes = repaired_changes([repair.record_id])
    change = changes.get(repair.record_id)
    if days is None or change is None:
        return None
    today = today or timezone.localdate()
    due = workdays.add_workdays(repair.decided_on, days)
    day = shared_on(change.batch) if change.batch else None
    if day is not None:
        state = "met" if day <= due else "late"
    else:
        state = "overdue" if today > due else "waiting"
    return Sharing(due, days, change.batch, day, state)
