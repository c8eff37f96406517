"""Upward exchange (数据上报): the outbox of 双公示 changes, the batches they are cut into,
and what the upstream platform accepted or sent back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

PENALTY, LICENCE = "penalty", "licence"
KINDS = [(PENALTY, "行政处罚"), (LICENCE, "行政许可")]
# What happened to the entry (操作类型), and the exchange status it carries (信息状态:
# 0 正常, 1 撤销, 2 异议, 3 其他, as in the national data exchange).
OPS = {
    "new": ("新增", "0"), "corrected": ("更正", "0"), "withdrawn": ("撤销", "1"),
    "repaired": ("信用修复", "3"), "exempted": ("豁免（不予公示）", "3"),
    "objection": ("异议处理中", "2"), "objection_closed": ("异议办结", "0"),
}


class Change(models.Model):
    """One change of a 双公示 entry waiting to be reported upward: the outbox row.

    Written in the same transaction as the change itself (services and the bulk merge), so
    nothing committed is ever left out of a batch, and nothing rolled back gets in."""

    kind = models.CharField("类别", max_length=8, choices=KINDS)
    object_id = models.BigIntegerField("记录或许可编号")
    version = models.PositiveIntegerField("版本")
    op = models.CharField("操作类型", max_length=20, choices=[(k, v[0]) for k, v in OPS.items()])
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    at = models.DateTimeField("发生时间", default=timezone.now)
    batch = models.ForeignKey("exchange.Batch", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="changes")
    row = models.PositiveIntegerField("序号", null=True, blank=True)  # in its batch's file

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["batch", "row"]),
            models.Index(fields=["kind", "object_id"]),
            models.Index(fields=["id"], condition=models.Q(batch__isnull=True), name="change_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} v{self.version} {self.op}"

    @property
    def op_label(self) -> str:
        return OPS[self.op][0]


class Batch(models.Model):
    """上报批次: every change after the previous batch, numbered 1 … count in its file."""

    created_at = models.DateTimeField("生成时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField("上一批次时间", null=True, blank=True)
    count = models.PositiveIntegerField("条数", default=0)
    penalties = models.PositiveIntegerField("行政处罚条数", default=0)
    licences = models.PositiveIntegerField("行政许可条数", default=0)
    # Pushing to XINYONG_UPSTREAM_URL, where it is set.
    push_status = models.CharField("推送状态", max_length=16, default="none", choices=[
        ("none", "未配置推送"), ("pending", "待推送"), ("sent", "已推送"), ("failed", "推送失败")])
    push_attempts = models.PositiveIntegerField("推送次数", default=0)
    pushed_at = models.DateTimeField("推送时间", null=True, blank=True)
    push_error = models.CharField("推送错误", max_length=500, blank=True)
    sha256 = models.CharField("推送文件 SHA-256", max_length=64, blank=True)
    # The upstream platform's acknowledgement (回执).
    acked_at = models.DateTimeField("回执时间", null=True, blank=True)
    ack_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    accepted = models.PositiveIntegerField("接收条数", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "上报批次"

    def __str__(self) -> str:
        return f"第 {self.pk} 批（{self.count} 条）"


class Rejection(models.Model):
    """A row the upstream platform refused: a task for the unit that reported the entry,
    done when the unit changes the entry again (its next change goes in the next batch)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rejections")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField("序号")
    message = models.CharField("退回原因", max_length=500)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(Change, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["resolved_at", "-batch_id", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="rejection_once")]

    def __str__(self) -> str:
        return f"第 {self.batch_id} 批第 {self.row} 行：{self.message}"
