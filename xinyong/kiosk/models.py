"""Self-service terminals (自助服务终端) and the pickup codes (取件码) they print reports for.

A terminal authenticates with a token the office is shown once; only its digest is kept.
A pickup code is asked for online by a subject's own user, lives for minutes, is used
once, and is kept only as a keyed hash. Redeeming it gives the terminal a one-time print
ticket (also kept as a digest only), which fetches the PDF once (`services`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from xinyong.accounts.models import OfficeOnlyQuerySet, Role
from xinyong.reports.choices import VERSION

TERMINAL_TOKEN_PREFIX = "kt_"  # noqa: S105 (a prefix, not a secret)
CODE_DIGITS = 8
CODE_SALT = "xinyong.kiosk.pickup-code"


def token_digest(raw: str) -> str:
    """Terminal tokens and print tickets carry 256 random bits: a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def code_digest(code: str) -> str:
    """A pickup code has only 10^8 values, so a plain hash would be reversed in seconds by
    anyone reading the table: it is keyed (HMAC-SHA256 with the site's secret key)."""
    return salted_hmac(CODE_SALT, code, algorithm="sha256").hexdigest()


class Terminal(models.Model):
    """自助服务终端: a browser in a public hall that prints subjects' credit reports."""

    name = models.CharField("终端名称", max_length=100)
    place = models.CharField("放置地点", max_length=200,
                             help_text="打印在报告上的地点，如：太仓市政务服务中心一楼大厅")
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人",
                                      on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近联机", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    # Wrong pickup codes in a row (brute force): counted from `failures_since`; at
    # services.MAX_FAILURES the terminal refuses codes until `locked_until`.
    failures = models.PositiveSmallIntegerField(default=0, editable=False)
    failures_since = models.DateTimeField(null=True, blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OfficeOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "自助服务终端"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.place}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PickupCodeQuerySet(models.QuerySet["PickupCode"]):
    def visible_to(self, user: Any) -> PickupCodeQuerySet:
        """The office sees every code's row, a subject user its own subject's, nobody else any."""
        role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
        if role == Role.OFFICE:
            return self
        if role == Role.SUBJECT and user.subject_id is not None:
            return self.filter(subject_id=user.subject_id)
        return self.none()

    def live(self, now: dt.datetime | None = None) -> PickupCodeQuerySet:
        """Codes a terminal would still take: not used, not replaced, not expired."""
        return self.filter(used_at__isnull=True, cancelled_at__isnull=True,
                           expires_at__gt=now or timezone.now())


class PickupCode(models.Model):
    """取件码: an 8-digit code a subject's user asks for online and types (or scans) at any
    terminal to print one report. Only its keyed hash is stored."""

    subject = models.ForeignKey("subjects.Subject", verbose_name="信用主体", on_delete=models.PROTECT,
                                related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人",
                                     on_delete=models.PROTECT, related_name="+")
    version = models.CharField("报告版本", max_length=8, choices=VERSION.choices)
    digest = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField("获取时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    # A newer code for the same subject replaces this one.
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    terminal = models.ForeignKey(Terminal, verbose_name="使用终端", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="codes")
    # The one-time print ticket the terminal got for the code (its digest only).
    ticket_digest = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                     editable=False)
    printed_at = models.DateTimeField("打印时间", null=True, blank=True)
    report = models.ForeignKey("reports.Report", verbose_name="信用报告", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")

    objects = PickupCodeQuerySet.as_manager()

    class Meta:
        verbose_name = "取件码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"])]

    def __str__(self) -> str:
        return f"取件码 #{self.pk}（{VERSION.label(self.version)}）"

    def state(self, now: dt.datetime | None = None) -> str:
        """What became of the code, in Chinese, for the subject's list."""
        if self.printed_at:
            return "已打印"
        if self.used_at:
            return "已使用"
        if self.cancelled_at:
            return "已作废（已获取新的取件码）"
        if self.expires_at <= (now or timezone.now()):
            return "已过期"
        return "有效"
