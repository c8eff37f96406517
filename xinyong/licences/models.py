"""Administrative licences (行政许可) decided by member units, with every version kept.

Licences are the other half of 双公示: good or neutral information, never dishonest. They
have no determination, no publicity window and no list: a licence is published from its
decision date until it is withdrawn (撤销).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.accounts.models import ReportedQuerySet
from xinyong.records.choices import SOURCE

# 许可类别 as the national data standard (2021 版) names them.
KINDS = ("普通", "特许", "认可", "核准", "登记", "其他")
VALID, WITHDRAWN = "valid", "withdrawn"
STATUS_LABELS = {VALID: "有效", WITHDRAWN: "已撤销"}


class LicenceQuerySet(ReportedQuerySet):
    def published(self) -> LicenceQuerySet:
        """What the public 双公示 pages show: every licence not withdrawn."""
        return self.filter(status=VALID)

    def public_q(self, user: Any) -> models.Q:
        """Not withdrawn; a person's licences only to those who may see the person."""
        from xinyong.subjects import access

        return models.Q(status=VALID) & access.profile_visible(user)


class Licence(models.Model):
    """行政许可: one licence decision of a unit, in the national standard's fields."""

    unit = models.ForeignKey("accounts.Unit", verbose_name="报送单位", on_delete=models.PROTECT,
                             db_index=False)
    subject = models.ForeignKey("subjects.Subject", verbose_name="行政相对人",
                                on_delete=models.PROTECT, related_name="licences", db_index=False)
    reported_name = models.CharField("报送名称", max_length=200)
    decision_no = models.CharField("行政许可决定文书号", max_length=200)
    decision_name = models.CharField("行政许可决定文书名称", max_length=200, blank=True)
    kind = models.CharField("许可类别", max_length=8, choices=[(k, k) for k in KINDS])
    licence_name = models.CharField("许可证书名称", max_length=200, blank=True)
    licence_no = models.CharField("许可编号", max_length=200, blank=True)
    content = models.TextField("许可内容", blank=True)
    decided_on = models.DateField("许可决定日期")
    valid_from = models.DateField("有效期自")
    valid_to = models.DateField("有效期至", null=True, blank=True)  # None: 长期
    authority_name = models.CharField("许可机关", max_length=200)
    authority_code = models.CharField("许可机关统一社会信用代码", max_length=18, blank=True)
    source_unit_name = models.CharField("数据来源单位", max_length=200, blank=True)
    source_unit_code = models.CharField("数据来源单位统一社会信用代码", max_length=18, blank=True)
    # 法定代表人: the name is published; the ID number only sealed and masked.
    legal_rep = models.JSONField("法定代表人", null=True, blank=True)
    remarks = models.CharField("备注", max_length=2000, blank=True)
    external_id = models.CharField("外部编号", max_length=100, blank=True, default="")

    status = models.CharField("状态", max_length=16, default=VALID,
                              choices=list(STATUS_LABELS.items()), db_index=True)
    withdrawn_on = models.DateField("撤销日期", null=True, blank=True)
    withdrawn_reason = models.CharField("撤销原因", max_length=500, blank=True)

    source = models.CharField("报送方式", max_length=16, choices=SOURCE.choices, default="api")
    import_job = models.ForeignKey("records.ImportJob", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = "行政许可"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "external_id"], condition=~models.Q(external_id=""),
                                    name="licence_unique_external_id"),
            models.UniqueConstraint(fields=["unit", "decision_no", "subject"],
                                    name="licence_unique_decision"),
        ]
        indexes = [
            models.Index(fields=["subject", "status"]),
            models.Index(fields=["unit", "-decided_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.decision_no}（{self.reported_name}）"

    def expired_on(self, day: dt.date) -> bool:
        """Past its 有效期至 (still published: the decision stands, the licence has lapsed)."""
        return self.valid_to is not None and self.valid_to < day

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in SNAPSHOT:
            value = getattr(self, name)
            data[name] = value.isoformat() if isinstance(value, dt.date) else value
        return data


SNAPSHOT = ["reported_name", "decision_no", "decision_name", "kind", "licence_name", "licence_no",
            "content", "decided_on", "valid_from", "valid_to", "authority_name", "authority_code",
            "source_unit_name", "source_unit_code", "legal_rep", "remarks", "external_id", "status",
            "withdrawn_on", "withdrawn_reason"]


class LicenceVersion(models.Model):
    """A licence as it was after each submission, correction or withdrawal."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    change = models.CharField("变更", max_length=32)
    reason = models.CharField("原因", max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["licence", "number"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "number"], name="licence_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} v{self.number}"


class LicenceImportRow(models.Model):
    """Staging for a licence file, as records.ImportRow is for records: rows checked and
    staged (COPY on PostgreSQL), then merged into subjects and licences in one transaction."""

    job_id = models.BigIntegerField()
    attempt = models.PositiveIntegerField(default=0)
    row_no = models.PositiveIntegerField()
    unit_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)  # the subject's
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=18, blank=True)
    code_digest = models.CharField(max_length=64)
    code_cipher = models.TextField(blank=True)
    code_masked = models.CharField(max_length=18)
    decision_no = models.CharField(max_length=200)
    decision_name = models.CharField(max_length=200, blank=True)
    licence_kind = models.CharField(max_length=8)
    licence_name = models.CharField(max_length=200, blank=True)
    licence_no = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    decided_on = models.DateField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True)
    authority_name = models.CharField(max_length=200)
    authority_code = models.CharField(max_length=18, blank=True)
    source_unit_name = models.CharField(max_length=200, blank=True)
    source_unit_code = models.CharField(max_length=18, blank=True)
    legal_rep = models.TextField(blank=True)  # JSON, "" for none
    remarks = models.CharField(max_length=2000, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16)
    withdrawn_on = models.DateField(null=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job_id", "row_no"])]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row_no}"
