"""Credit records (信用记录) reported by member units, with every version kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.accounts.models import ReportedQuerySet, UnitWorkQuerySet
from xinyong.jobs.models import Job
from xinyong.lib.fields import ReadableJSONField
from xinyong.policies.choices import SEVERITY
from xinyong.records import determination as d
from xinyong.records import publicity
from xinyong.records.choices import CLOSED_CAUSE, SOURCE
from xinyong.records.choices import STATUS as RECORD_STATUS


class RecordQuerySet(ReportedQuerySet):
    def published_on(self, day: dt.date) -> RecordQuerySet:
        """Records shown to the public on `day`, by their dates (records/publicity.py)."""
        return self.filter(publicity.published_q(day))

    def public_q(self, user: Any) -> models.Q:
        """What everyone sees: published today, but a person's records only to those who
        may see the person's profile (staff and the person: `subjects.access`)."""
        from xinyong.subjects import access

        return publicity.published_q(timezone.localdate()) & access.profile_visible(user)


class Record(models.Model):
    """信用记录: one finding or good behaviour reported by a unit, and what it was determined to mean."""

    # Choice lists are (stored value, label) pairs (records/choices.py, policies/choices.py).
    Status = RECORD_STATUS.choices
    Severity = SEVERITY.choices
    Source = SOURCE.choices

    # FK columns covered by the composite indexes below get no index of their own: every
    # index costs time on the million-row bulk path.
    unit = models.ForeignKey("accounts.Unit", verbose_name="报送单位", on_delete=models.PROTECT,
                             db_index=False, db_constraint=False)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="信用主体", on_delete=models.PROTECT, related_name="records",
        db_index=False,
    )
    reported_name = models.CharField("报送名称", max_length=200)
    name_mismatch = models.BooleanField("名称与档案不一致", default=False)

    behavior = models.CharField("行为代码", max_length=64)
    polarity = models.CharField(max_length=16)
    # No database constraint on the references to rows that are never deleted (units, pack
    # versions, rulings, users) or handled by Django (import jobs): each costs a trigger per
    # row on the bulk path; PROTECT and SET_NULL are Django's, they still hold.
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", verbose_name="依据规则包版本", on_delete=models.PROTECT,
        db_index=False, db_constraint=False,
    )
    severity = models.CharField("情节", max_length=16, choices=Severity)
    occurred_on = models.DateField("行为发生日期")
    decided_on = models.DateField("决定日期")
    decision_no = models.CharField("决定文书号", max_length=200)
    facts = models.TextField("事实", blank=True)
    force_majeure = models.BooleanField("疫情不可抗力", default=False)
    epidemic_duty = models.BooleanField("因参与疫情防控", default=False)
    # The force-majeure certificate (不可抗力事实性证明) the unit cites for force_majeure;
    # db_default: the bulk import's raw inserts leave the column out.
    force_majeure_certificate = models.CharField("不可抗力事实性证明编号", max_length=22, blank=True,
                                                 default="", db_default="")
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    external_id = models.CharField("外部编号", max_length=100, blank=True, default="")
    # 违法行为类型 (双公示): what kind of violation a penalty was, which packs map to the
    # kinds of finding their exemptions name.
    violation_type = models.CharField("违法行为类型", max_length=200, blank=True, default="")
    # The severity was derived by the packs from the penalty (not stated by the unit).
    severity_derived = models.BooleanField("情节由规则推定", default=False)
    # 行政处罚信息 (records/penalties.py): category, content, amounts, basis, authority …
    penalty = ReadableJSONField("处罚信息", null=True, blank=True)

    status = models.CharField("状态", max_length=16, choices=Status)
    starts_on = models.DateField("公示开始", null=True, blank=True)
    repairable_from = models.DateField("可申请修复", null=True, blank=True)
    ends_on = models.DateField("公示截止", null=True, blank=True)
    lists = models.JSONField("列入名单", default=list, blank=True)
    # 认定依据: the steps of the rule path the record was decided along are stored once for
    # every record sharing them (Ruling); the record keeps the steps of its own (a lapsed
    # deferral, a rectification) and, from before rulings, whole traces. `trace` joins them.
    ruling = models.ForeignKey("records.Ruling", verbose_name="认定路径", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    own_trace = models.JSONField("本记录的认定步骤", default=list, blank=True)

    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification_note = models.CharField("整改情况", max_length=500, blank=True)
    closed_on = models.DateField("撤销或修复日期", null=True, blank=True)
    closed_reason = models.CharField("撤销或修复原因", max_length=500, blank=True)
    closed_cause = models.CharField("撤销或修复情形", max_length=20, choices=CLOSED_CAUSE.choices,
                                    blank=True)
    objection_open = models.BooleanField("异议处理中", default=False)

    source = models.CharField("报送方式", max_length=16, choices=Source, default="api")
    import_job = models.ForeignKey(
        "records.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "信用记录"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_id"], condition=~models.Q(external_id=""),
                name="record_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["unit", "decision_no", "subject", "behavior"],
                name="record_unique_decision",
            ),
        ]
        # Only the indexes reads use (docs/performance.md shows their plans): the checks'
        # and profiles' per subject, the daily task's deferred records. A unit's records
        # by date use the dashboard's covering index (PostgreSQL, dashboard 0001).
        indexes = [
            models.Index(fields=["subject", "status"]),
            models.Index(fields=["rectify_by"], condition=models.Q(status="deferred"),
                         name="record_deferred_due"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_no}（{self.reported_name}）"

    @property
    def trace(self) -> list[dict[str, str]]:
        """认定依据, step by step: its rule path's steps with its dates, then its own."""
        ruling = self.ruling if self.ruling_id else None
        shared = d.render(ruling.trace, {"rectify_by": self.rectify_by, "ends_on": self.ends_on}
                          ) if ruling is not None else []
        return [*shared, *self.own_trace]

    @trace.setter
    def trace(self, steps: list[dict[str, str]]) -> None:
        """A whole trace of the record's own (no shared rule path)."""
        self.ruling = None
        self.own_trace = list(steps)

    def decided_along(self, template: list[dict[str, str]]) -> None:
        """Set the trace of a fresh determination: its rule path's steps, shared."""
        self.ruling = Ruling.intern(template)
        self.own_trace = []

    def add_step(self, step: dict[str, str]) -> None:
        """A step of the record's own after its determination (rectified, deferral lapsed)."""
        self.own_trace = [*self.own_trace, step]

    def snapshot(self) -> dict[str, Any]:
        """The record's reported facts and determination, for its version history."""
        fields = ["reported_name", "behavior", "severity", "occurred_on", "decided_on",
                  "decision_no", "facts", "force_majeure", "epidemic_duty",
                  "force_majeure_certificate", "rectify_by", "external_id", "violation_type",
                  "severity_derived", "penalty", "status",
                  "starts_on", "repairable_from", "ends_on", "lists", "trace", "rectified_on",
                  "rectification_note", "closed_on", "closed_reason", "closed_cause", "policy_version_id"]
        data = {}
        for name in fields:
            value = getattr(self, name)
            data[name] = value.isoformat() if isinstance(value, dt.date) else value
        return data


class Ruling(models.Model):
    """认定路径: the trace template of one rule path (records/determination.RulePath), with
    the record's own dates as placeholders; stored once, by its content, and shared by every
    record decided along it. Never changed: a different trace is a different ruling."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of the canonical JSON
    trace = models.JSONField()

    class Meta:
        verbose_name = "认定路径"

    def __str__(self) -> str:
        return f"ruling {self.pk}"

    @staticmethod
    def key_of(template: list[dict[str, str]]) -> str:
        text = json.dumps(template, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def intern(cls, template: list[dict[str, str]]) -> Ruling:
        """The ruling with this trace, made if new (safe under concurrent makers)."""
        key = cls.key_of(template)
        found = cls.objects.filter(key=key).first()
        if found is None:
            found, _ = cls.objects.get_or_create(key=key, defaults={"trace": template})
        return found


def effective_status(record: publicity.Dates, day: dt.date) -> str:
    """The status on `day`, from the dates alone: right even when the daily task ran late.
    `records.filtersets.status_q` is the same rule in SQL; on the days a record exists it
    is "published" exactly when `records.publicity.is_published` (tests hold all three)."""
    if record.status in (d.EXEMPTED, d.RECTIFIED):
        return record.status
    if record.status in (d.WITHDRAWN, d.REPAIRED) and (
            record.closed_on is None or day >= record.closed_on):
        return record.status
    if record.starts_on is None:  # never had a publicity window: the stored status stands
        return record.status
    if record.rectify_by and day <= record.rectify_by:
        return d.DEFERRED
    if record.ends_on and day > record.ends_on:
        return d.EXPIRED
    return d.PUBLISHED


def publicity_end(record: Record, today: dt.date) -> tuple[dt.date | None, str]:
    """When the record stopped being published (the first day it was not), and why; (None,
    '') while it is published, or if it never was (exempted, rectified, still deferred)."""
    if record.starts_on is None or record.status in (d.EXEMPTED, d.RECTIFIED):
        return None, ""
    if record.status in (d.WITHDRAWN, d.REPAIRED) and record.closed_on and record.closed_on <= today:
        if record.closed_on <= record.starts_on:
            return None, ""  # closed before its publicity began: never published
        return record.closed_on, CLOSED_CAUSE.label(record.closed_cause or record.status)
    if record.ends_on and record.ends_on < today:
        return record.ends_on + dt.timedelta(days=1), "最长公示期届满"
    return None, ""


class RecordVersion(models.Model):
    """A record as it was after each submission, correction or status change."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    change = models.CharField("变更", max_length=32)
    reason = models.CharField("原因", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="record_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.number}"


class ImportJob(Job):
    """A bulk file (批量导入) and its progress; rows land in Record with `import_job` set.

    The uploaded file is deleted when the job ends; its name (masked) and sha256 stay.
    """

    task_path = "xinyong.records.tasks.run_import_task"

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT)

    objects = UnitWorkQuerySet.as_manager()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # What the file holds, recognised from its header when the run reads it (records/bulk.py).
    kind = models.CharField("文件类别", max_length=16, default="records",
                            choices=[("records", "信用记录（行政处罚等）"), ("licences", "行政许可")])
    file_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    accept_partial = models.BooleanField("接受部分正确的行", default=False)
    # The severity of rows that give none (a 双公示 file has no 情节 column), if set.
    default_severity = models.CharField("默认情节", max_length=16, choices=SEVERITY.choices,
                                        blank=True)
    total = models.PositiveIntegerField(default=0)
    # Rows the file seems to hold, counted before reading, so the progress bar has an end.
    estimated_rows = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def percent(self) -> int | None:
        """Share of the file read so far, while running; never 100 before the merge is done."""
        if self.status != "running" or not self.estimated_rows:
            return None
        return min(99, self.processed * 100 // self.estimated_rows)


class ImportRow(models.Model):
    """Staging for a bulk file: rows checked and determined, waiting for the one merge.

    Written outside the merge transaction (COPY on PostgreSQL) so memory stays flat; a
    run that dies leaves rows here, and the next run of the same job deletes them first.
    The merge takes only the rows of the run that holds the job's lease.
    """

    job_id = models.BigIntegerField()
    attempt = models.PositiveIntegerField(default=0)  # the run that staged it (ImportJob.attempts)
    row_no = models.PositiveIntegerField()
    unit_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=18, blank=True)
    code_digest = models.CharField(max_length=64)
    code_cipher = models.TextField(blank=True)
    code_masked = models.CharField(max_length=18)
    behavior = models.CharField(max_length=64)
    polarity = models.CharField(max_length=16)
    policy_version_id = models.BigIntegerField()
    severity = models.CharField(max_length=16)
    occurred_on = models.DateField()
    decided_on = models.DateField()
    decision_no = models.CharField(max_length=200)
    facts = models.TextField(blank=True)
    force_majeure = models.BooleanField()
    epidemic_duty = models.BooleanField()
    rectify_by = models.DateField(null=True)
    external_id = models.CharField(max_length=100, blank=True)
    violation_type = models.CharField(max_length=200, blank=True, default="")
    severity_derived = models.BooleanField(default=False)
    penalty = models.TextField(blank=True, default="")  # JSON, "" for none
    status = models.CharField(max_length=16)
    starts_on = models.DateField(null=True)
    repairable_from = models.DateField(null=True)
    ends_on = models.DateField(null=True)
    lists = models.TextField()
    ruling_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["job_id", "row_no"])]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row_no}"
