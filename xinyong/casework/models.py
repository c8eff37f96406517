"""The shape every reviewed application shares (案件): who applied about what, which unit
handles it, the deadlines in working days, the decision and the timeline.

A kind of case (repair, objection, ...) is a concrete model on `Case` that sets its
statuses and says what its remedy does (see `xinyong.casework.services.Workflow`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.casework import choices as c
from xinyong.lib import workdays
from xinyong.lib.choices import ChoiceSet


class CaseQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The office sees every case, a unit the cases it handles, a subject its own."""
        role = getattr(user, "role", None)
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT:
            return self.filter(unit_id=user.unit_id)
        if role == Role.SUBJECT:
            return self.filter(subject_id=user.subject_id)
        return self.none()

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=c.OPEN)

    def closed(self) -> CaseQuerySet:
        return self.exclude(status__in=c.OPEN)

    def overdue(self, today: dt.date) -> CaseQuerySet:
        return self.filter(overdue_q(today))

    def not_overdue(self, today: dt.date) -> CaseQuerySet:
        return self.exclude(overdue_q(today))


def overdue_q(today: dt.date) -> Q:
    """Past the deadline of the step now due: acceptance while submitted, the decision once
    accepted. A case waiting for the applicant's material (补正) has its clock stopped."""
    return Q(status=c.SUBMITTED, accept_by__lt=today) | Q(status=c.ACCEPTED, due_by__lt=today)


class Case(models.Model):
    """An application that a unit reviews and decides within limits set by a policy."""

    STATUS: ClassVar[ChoiceSet] = c.STEPS
    QUERY_PREFIX: ClassVar[str] = "AJ"
    NOUN: ClassVar[str] = "申请"  # 修复申请, 异议 ... as the pages say it
    UNIT_ROLE: ClassVar[str] = "办理单位"  # 认定单位, 核实单位 ...

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="+")
    # The record the case is about; a kind about the subject as a whole leaves it empty.
    record = models.ForeignKey("records.Record", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="%(app_label)s")
    unit = models.ForeignKey("accounts.Unit", verbose_name="办理单位", on_delete=models.PROTECT)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    query_code = models.CharField("查询码", max_length=20, unique=True)
    status = models.CharField("状态", max_length=20, choices=c.STEPS.choices, default=c.SUBMITTED,
                              db_index=True)
    policy = models.CharField("时限依据", max_length=64)
    clause = models.CharField(max_length=64)
    submitted_on = models.DateField("申请日期")
    accept_by = models.DateField("受理期限")
    due_by = models.DateField("办结期限")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    # 补正: the day material was asked for and what is missing (the step to return to is
    # accepted if `accepted_on` is set, else submitted).
    paused_on = models.DateField("要求补正日期", null=True, blank=True)
    material_request = models.TextField("需补正的材料", blank=True)
    decided_on = models.DateField("办结日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField("决定理由", blank=True)
    taken_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接办人（信用办）",
                                      null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    timeline = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["due_by", "id"]

    def __str__(self) -> str:
        return f"{self.NOUN} {self.query_code}"

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN

    @property
    def status_label(self) -> str:
        return self.STATUS.label(self.status)

    @property
    def status_badge(self) -> str:
        return self.STATUS.badge(self.status)

    @property
    def unit_name(self) -> str:
        """The unit the case came to (its UNIT_ROLE); a kind the office handles itself
        (a null `unit`, e.g. force-majeure certificates by default) names the office."""
        return self.unit.name if self.unit_id is not None else Role.OFFICE.label

    @property
    def handling_unit(self) -> str:
        """Who handles the case now: the unit, or the office once it took the case over
        (接办); `unit` stays the unit the case came to (its UNIT_ROLE)."""
        return Role.OFFICE.label if self.taken_over_by_id is not None else self.unit_name

    @property
    def current_limit(self) -> dt.date | None:
        """The deadline of the step now due; None once closed or while waiting for material."""
        if self.status == c.SUBMITTED:
            return self.accept_by
        return self.due_by if self.status == c.ACCEPTED else None

    @property
    def limit_label(self) -> str:
        if self.status == c.AWAITING_MATERIAL:
            return "办理期限"
        return "受理期限" if self.status == c.SUBMITTED else "办结期限"

    def is_overdue(self, today: dt.date) -> bool:
        limit = self.current_limit
        return limit is not None and today > limit

    def working_days_left(self, today: dt.date) -> int | None:
        """Working days to the current deadline (negative: that many overdue)."""
        limit = self.current_limit
        if limit is None:
            return None
        if today > limit:
            return -workdays.workdays_between(limit, today)
        return workdays.workdays_between(today, limit)

    def due_text(self, today: dt.date) -> str:
        if self.status == c.AWAITING_MATERIAL:
            return "待申请人补正，期限暂停计算"
        left = self.working_days_left(today)
        if left is None:
            return ""
        if left < 0:
            return f"超期 {-left} 个工作日"
        return "今日到期" if left == 0 else f"剩 {left} 个工作日"


def one_open_case_per(field: str, name: str) -> models.UniqueConstraint:
    """At most one open case of a kind per `field` (the record), also under concurrent
    submissions: the database refuses the second."""
    return models.UniqueConstraint(fields=[field], condition=Q(status__in=c.OPEN), name=name)


def evidence_path(instance: CaseEvidence, filename: str) -> str:
    """Stored under a random name: an uploaded file's own name may carry an ID number."""
    suffix = Path(filename).suffix.lower()[:10]
    return f"{instance._meta.app_label}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class CaseEvidence(models.Model):
    """A file the applicant attached (证明材料), with the application or as 补正."""

    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Deleted once the case has been decided for EVIDENCE_RETENTION_DAYS; the row (name,
    # size) stays, so the case still says what was submitted.
    purged_on = models.DateField("按保存期限删除日期", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


def pending_path(instance: PendingUpload, filename: str) -> str:
    suffix = Path(filename).suffix.lower()[:10]
    return f"pending/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class PendingUpload(models.Model):
    """A file an applicant chose on a form that came back with an error (已选文件): kept so
    that it need not be chosen again. It belongs to one user's login session (`session`:
    a digest of the session key), is handed to the service when the form goes through,
    and is deleted then, or by the daily task once a day old (`casework.pending`)."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.CharField(max_length=64)
    file = models.FileField(upload_to=pending_path)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "待提交的文件"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
