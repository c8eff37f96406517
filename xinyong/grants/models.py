"""Grants (授权查询): a subject allows one financial institution to read parts of its credit
file for a stated purpose until a date; every read made under a grant is kept and shown to
the subject (GrantRead)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinyong.accounts.models import Role
from xinyong.grants import choices


def live_q(day: dt.date, prefix: str = "") -> Q:
    """Grants in force on `day`: not revoked, started, not past their expiry."""
    return Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}granted_on__lte": day,
                f"{prefix}expires_on__gte": day})


class GrantQuerySet(models.QuerySet["Grant"]):
    def visible_to(self, user: Any) -> GrantQuerySet:
        """The office sees every grant, a subject its own, an institution those made to it."""
        role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
        if role == Role.OFFICE:
            return self
        if role == Role.SUBJECT:
            return self.filter(subject_id=user.subject_id)
        if role == Role.INSTITUTION and user.institution_id is not None:
            return self.filter(institution_id=user.institution_id)
        return self.none()

    def live_on(self, day: dt.date) -> GrantQuerySet:
        return self.filter(live_q(day))


class Grant(models.Model):
    """授权: the subject lets `institution` read `scope` of its credit file until `expires_on`."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="grants")
    institution = models.ForeignKey("accounts.Institution", verbose_name="被授权机构",
                                    on_delete=models.PROTECT, related_name="grants")
    scope = models.JSONField("授权范围", default=list)
    purpose = models.CharField("用途", max_length=200)
    granted_on = models.DateField("授权日期")
    expires_on = models.DateField("有效期至")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    # The financing need this grant came with (its institutions may read while it is open).
    need = models.ForeignKey("financing.FinancingNeed", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="grants")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = "授权查询"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "subject"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("granted_on")),
                                   name="grant_expires_after_granted"),
        ]

    def __str__(self) -> str:
        return f"授权 #{self.pk}"

    def state(self, today: dt.date) -> str:
        if self.revoked_at is not None:
            return choices.REVOKED
        if today < self.granted_on:
            return choices.PENDING
        return choices.EXPIRED if today > self.expires_on else choices.LIVE

    @property
    def scope_labels(self) -> list[str]:
        return [choices.SCOPES.label(s) for s in self.scope]


class GrantRead(models.Model):
    """授权查询记录: one read of the credit file (or one report) under a grant, shown to the
    subject: who, when, which parts, how."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parts = models.JSONField("查询内容", default=list)
    channel = models.CharField("渠道", max_length=8, choices=list(choices.CHANNELS.items()))
    detail = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("查询时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "授权查询记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"查询记录 #{self.pk}"

    @property
    def part_labels(self) -> list[str]:
        return [choices.SCOPES.label(p) for p in self.parts]
