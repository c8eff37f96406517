"""Credit repair applications (信用修复申请)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone


class Repair(models.Model):
    """A subject's application to repair one published dishonest record."""

    Status = [
        ("submitted", "已提交"), ("accepted", "已受理"), ("approved", "修复通过"), ("rejected", "不予修复"),
    ]
    Channel = [("green", "绿色通道"), ("standard", "标准渠道")]
    OPEN = ("submitted", "accepted")

    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="repairs")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name="认定单位", on_delete=models.PROTECT)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    query_code = models.CharField("查询码", max_length=20, unique=True)
    statement = models.TextField("修复说明")
    commitment = models.BooleanField("已签署信用承诺")
    green_flags = models.JSONField("绿色通道情形", default=list, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel)
    # Why this channel: from the record (no check needed), or the applicant's claim, which
    # the officer confirms or refuses (then the case moves to the standard channel).
    Basis = [("record", "依记录"), ("claim", "申请人自报"), ("", "")]
    ClaimStatus = [("pending", "待核实"), ("confirmed", "已核实"), ("moved", "不属实，转标准渠道"),
                   ("", "")]
    channel_basis = models.CharField("渠道依据", max_length=16, choices=Basis, blank=True)
    channel_note = models.CharField("渠道说明", max_length=300, blank=True)
    claim_status = models.CharField("自报情形核实", max_length=16, choices=ClaimStatus, blank=True)
    policy = models.CharField("时限依据", max_length=64)
    clause = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status, default="submitted",
                              db_index=True)
    submitted_on = models.DateField("申请日期")
    accept_by = models.DateField("受理期限")
    due_by = models.DateField("办结期限")
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("决定理由", blank=True)
    taken_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接办人（信用办）", null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    timeline = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信用修复申请"
        ordering = ["due_by", "id"]
        constraints = [
            # At most one open application per record, also under concurrent submissions.
            models.UniqueConstraint(fields=["record"], condition=models.Q(status__in=[
                "submitted", "accepted"]), name="one_open_repair_per_record"),
        ]

    def __str__(self) -> str:
        return f"修复申请 {self.query_code}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in self.OPEN and today > self.due_by


def evidence_path(instance: Evidence, filename: str) -> str:
    """Stored under a random name: an uploaded file's own name may carry an ID number."""
    suffix = Path(filename).suffix.lower()[:10]
    return f"repairs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A file the applicant attached (履行义务的证明, 信用承诺书 ...)."""

    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The file is deleted once the case has been decided for EVIDENCE_RETENTION_DAYS; the
    # row (name, size) stays, so the case still says what was submitted.
    purged_on = models.DateField("按保存期限删除日期", null=True, blank=True)

    def __str__(self) -> str:
        return self.name
