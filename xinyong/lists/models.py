"""List memberships (名单): derived from records and the packs' list rules, never typed in."""

from __future__ import annotations

import datetime as dt

from django.db import models


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active_on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships in force on `day`: started, not past `until`, not ended early."""
        return self.filter(
            models.Q(since__lte=day)
            & (models.Q(until__isnull=True) | models.Q(until__gte=day))
            & (models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day))
        )


class Membership(models.Model):
    """名单成员: a subject on a list because of one record, under one policy clause."""

    Exit = [
        ("repaired", "信用修复"), ("withdrawn", "记录撤销"), ("objection_upheld", "异议成立"),
        ("rectified", "整改完成"), ("policy_lapsed", "政策失效"),
    ]

    list_code = models.CharField("名单", max_length=64)
    list_name = models.CharField("名单名称", max_length=200)
    public = models.BooleanField("公开", default=True)
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT,
                                related_name="memberships")
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE,
                               related_name="memberships")
    policy = models.CharField("依据规则包", max_length=64)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    clause = models.CharField("条款", max_length=32)
    since = models.DateField("列入日期")
    until = models.DateField("届满日期", null=True, blank=True)
    ended_on = models.DateField("提前移出日期", null=True, blank=True)
    exit_reason = models.CharField("移出原因", max_length=32, choices=Exit, blank=True)
    exit_note = models.CharField("移出说明", max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "名单成员"
        ordering = ["list_code", "-since"]
        indexes = [
            models.Index(fields=["list_code", "since"]),
            models.Index(fields=["subject", "since"]),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}：{self.subject_id}（{self.since}）"

    def exit_on(self, day: dt.date) -> str:
        """Why the subject is off the list on `day` ('' while on it)."""
        if self.ended_on and day >= self.ended_on:
            return self.exit_reason
        if self.until and day > self.until:
            return "expired"
        return ""
