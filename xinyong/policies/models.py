"""Policy packs as loaded: every version is kept, with its full validated content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models


class PolicyPack(models.Model):
    """政策规则包: one source document; `current` is the version new decisions use."""

    pack_id = models.CharField("规则包编号", max_length=64, unique=True)
    current = models.ForeignKey(
        "PolicyVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "政策规则包"
        ordering = ["pack_id"]

    def __str__(self) -> str:
        return self.pack_id


class PolicyVersion(models.Model):
    """One loaded version of a pack. Records keep the version they were decided under."""

    pack = models.ForeignKey(PolicyPack, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本")
    sha256 = models.CharField(max_length=64)
    data = models.JSONField("内容")
    source_name = models.CharField("文件", max_length=200)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Copied out of `data` for listing and filtering.
    doc_number = models.CharField("文号", max_length=100)
    title = models.CharField("标题", max_length=300)
    effective_from = models.DateField("施行日期")
    effective_until = models.DateField("失效日期", null=True, blank=True)
    ending_event = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "规则包版本"
        ordering = ["pack", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "number"], name="policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pack.pack_id} v{self.number}"


class PolicyEvent(models.Model):
    """An event such as the end of the epidemic emergency response, recorded with its date.

    A pack that `ends_with_event` this code is no longer in force from `occurred_on`.
    """

    code = models.CharField("事件代码", max_length=64, unique=True)
    name = models.CharField("事件", max_length=200)
    occurred_on = models.DateField("发生日期")
    note = models.CharField("依据或说明", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政策事件"
        ordering = ["occurred_on"]

    def __str__(self) -> str:
        return f"{self.name}（{self.occurred_on}）"


def effective_until(version: PolicyVersion, events: dict[str, dt.date]) -> dt.date | None:
    """The last day a version is in force, counting an ending event that has happened."""
    until = version.effective_until
    occurred = events.get(version.ending_event) if version.ending_event else None
    if occurred is not None:
        last_day = occurred - dt.timedelta(days=1)
        until = min(until, last_day) if until else last_day
    return until


def status_on(version: PolicyVersion, events: dict[str, dt.date], day: dt.date) -> str:
    """`in_force`, `not_yet_effective` or `expired` on `day`."""
    if day < version.effective_from:
        return "not_yet_effective"
    until = effective_until(version, events)
    if until is not None and day > until:
        return "expired"
    return "in_force"


STATUS_LABELS: dict[str, Any] = {
    "in_force": "现行有效",
    "not_yet_effective": "尚未施行",
    "expired": "已失效",
}
