"""Objections (异议) to records or to repair decisions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class Objection(models.Model):
    """A subject disputes a record (or a repair decision on it)."""

    Status = [
        ("submitted", "已提交"), ("accepted", "已受理，核查中"), ("upheld", "异议成立"),
        ("dismissed", "异议不成立"), ("refused", "不予受理"),
    ]
    Remedy = [
        ("withdrawn", "撤销记录"), ("corrected", "更正记录"), ("repair_reopened", "修复申请重新办理"),
    ]
    OPEN = ("submitted", "accepted")

    record = models.ForeignKey("records.Record", on_delete=models.PROTECT,
                               related_name="objections")
    repair = models.ForeignKey("repairs.Repair", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="objections")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name="核查单位", on_delete=models.PROTECT)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    query_code = models.CharField("查询码", max_length=20, unique=True)
    reason = models.TextField("异议理由")
    evidence = models.TextField("证据材料", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status, default="submitted",
                              db_index=True)
    policy = models.CharField("时限依据", max_length=64)
    clause = models.CharField(max_length=64)
    submitted_on = models.DateField()
    accept_by = models.DateField("受理期限")
    due_by = models.DateField("办结期限")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    taken_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接办人（信用办）",
                                      null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField("处理意见", blank=True)
    remedy = models.CharField("处理结果", max_length=20, choices=Remedy, blank=True)
    timeline = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "异议申请"
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record"], condition=models.Q(status__in=[
                "submitted", "accepted"]), name="one_open_objection_per_record"),
        ]

    def __str__(self) -> str:
        return f"异议 {self.query_code}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def current_limit(self) -> dt.date | None:
        """The deadline of the step now due: acceptance, then verification; None once closed."""
        if self.status == "submitted":
            return self.accept_by
        return self.due_by if self.status == "accepted" else None

    def is_overdue(self, today: dt.date) -> bool:
        limit = self.current_limit
        return limit is not None and today > limit
