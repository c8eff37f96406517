"""Checks (信用核查) that business systems make before they act, and their feedback (反馈)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from xinyong.accounts.models import Role, UnitWorkQuerySet
from xinyong.jobs.models import Job

# The one scenario financial institutions check in (信易贷).
INSTITUTION_SCENARIO = "credit_loans"


class CheckQuerySet(UnitWorkQuerySet):
    def visible_to(self, user: Any) -> CheckQuerySet:
        """As every unit's work (office: all; a department: its unit's), and an
        institution's users the checks of their institution."""
        if getattr(user, "role", None) == Role.INSTITUTION and getattr(user, "institution_id", None):
            return self.filter(institution_id=user.institution_id)
        return super().visible_to(user)  # type: ignore[return-value]


class Check(models.Model):
    """One check request: a scenario, up to 10,000 subjects, and what the platform answered."""

    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT)
    # A financial institution's check (信易贷, INSTITUTION_SCENARIO only).
    institution = models.ForeignKey("accounts.Institution", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scenario = models.CharField("场景", max_length=64, db_index=True)
    as_of = models.DateField("核查日期")
    # The caller's 行政区划代码 whose packs supplied measures ("*": every pack, the office).
    region = models.CharField("核查方辖区", max_length=6, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    subject_count = models.PositiveIntegerField(default=0)
    restricted = models.PositiveIntegerField("命中惩戒", default=0)
    incentivised = models.PositiveIntegerField("命中激励", default=0)
    results = models.JSONField(default=list)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = "核查"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"核查 #{self.pk}（{self.scenario}）"


class CheckFile(Job):
    """A file of codes uploaded on the check page (上传核查), read by the worker, never by a
    web process; it ends as a Check, or failed with the reason. The file is deleted then."""

    task_path = "xinyong.checks.tasks.run_check_file_task"

    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT)

    objects = UnitWorkQuerySet.as_manager()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scenario = models.CharField("场景", max_length=64)
    as_of = models.DateField("核查日期")
    file_name = models.CharField("文件", max_length=255)
    file_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    check_result = models.OneToOneField(Check, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="source_file")

    class Meta:
        verbose_name = "核查文件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"核查文件 #{self.pk}（{self.file_name}）"


class Feedback(models.Model):
    """What the calling system did with a measure for a subject (applied or not, and why):
    the answer as it stands; every version of it (the first and each correction, with its
    reason) is a `FeedbackChange`."""

    check_request = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="feedback")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField("措施", max_length=64)
    applied = models.BooleanField("已执行")
    note = models.CharField("说明", max_length=1000, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField("最近更正", null=True, blank=True)

    class Meta:
        verbose_name = "核查反馈"
        ordering = ["check_request", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["check_request", "subject", "measure"],
                                    name="feedback_once_per_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.check_request_id}/{self.subject_id}/{self.measure}"


class FeedbackChange(models.Model):
    """One version of a feedback, never changed: the first answer (no reason) and each
    correction with its reason. The feedback's history, shown on the check page."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="changes")
    applied = models.BooleanField("已执行")
    note = models.CharField("说明", max_length=1000, blank=True)
    reason = models.CharField("更正理由", max_length=1000, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "核查反馈记录"
        ordering = ["feedback", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.feedback_id}@{self.created_at:%Y-%m-%d %H:%M}"
