"""Member units (成员单位), users with one role each, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Unit(models.Model):
    """成员单位: a member unit of the credit office that reports findings."""

    name = models.CharField("单位名称", max_length=200, unique=True)
    code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    # 行政区划代码: which local packs the unit reports under (policies.jurisdiction).
    region = models.CharField("行政区划代码", max_length=6, blank=True, default="")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "成员单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """金融机构: a bank or other lender that reads subjects' credit files under their grants
    and takes their financing needs (信易贷). Created by the office, by its USCC."""

    name = models.CharField("机构名称", max_length=200, unique=True)
    code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    # 行政区划代码: whose 信易贷 measures its checks answer with (as a unit's region does).
    region = models.CharField("行政区划代码", max_length=6, blank=True, default="")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "金融机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICE = "office", "信用办"
    DEPARTMENT = "department", "成员单位"
    SUBJECT = "subject", "信用主体"
    INSTITUTION = "institution", "金融机构"


def role_of(user: Any) -> str | None:
    """The role of a logged-in user; None for anonymous visitors (and anything else)."""
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


class UnitWorkQuerySet(models.QuerySet[Any]):
    """Rows of a unit's own work (imports, checks, files of codes): the office sees them
    all, a department its own unit's, nobody else any. Pages and the API both use this."""

    def visible_to(self, user: Any) -> UnitWorkQuerySet:
        role = getattr(user, "role", None)
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT and getattr(user, "unit_id", None) is not None:
            return self.filter(unit_id=user.unit_id)
        return self.none()


class ReportedQuerySet(models.QuerySet[Any]):
    """Rows a unit reports about a subject (records, licences), with what the public may
    see of them (`public_q`, the model's own): the office sees all; a department its unit's
    and the public ones; a subject its own and the public ones; anyone else the public
    ones. Pages and the API answer 404 for what this hides."""

    def public_q(self, user: Any) -> models.Q:
        raise NotImplementedError

    def visible_to(self, user: Any) -> Any:
        public = self.public_q(user)
        role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT:
            return self.filter(models.Q(unit_id=user.unit_id) | public)
        if role == Role.SUBJECT:
            return self.filter(models.Q(subject_id=user.subject_id) | public)
        return self.filter(public)


class OfficeOnlyQuerySet(models.QuerySet[Any]):
    """Rows only the office sees (the audit log, API tokens): all of them for the office,
    none for anybody else. Pages use this as well as their role check."""

    def visible_to(self, user: Any) -> OfficeOnlyQuerySet:
        return self if getattr(user, "role", None) == Role.OFFICE else self.none()


class User(AbstractUser):
    """A user of the platform with exactly one role."""

    role = models.CharField("角色", max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="绑定主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    institution = models.ForeignKey(
        Institution, verbose_name="所属金融机构", null=True, blank=True, on_delete=models.PROTECT
    )
    display_name = models.CharField("姓名或机构名称", max_length=200, blank=True)
    # Set when the office gives the user a temporary password: every page then leads to the
    # password change page until the user has chosen one (accounts.middleware).
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPARTMENT) | models.Q(unit__isnull=False),
                name="user_department_has_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.SUBJECT) | models.Q(subject__isnull=False),
                name="user_subject_has_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.INSTITUTION) | models.Q(institution__isnull=False),
                name="user_institution_has_institution",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        """Who this is, for the audit log and page headers."""
        where = self.unit.name if self.unit_id and self.unit else (
            self.institution.name if self.institution_id and self.institution else "")
        return f"{self.username}（{self.get_role_display()}{'·' + where if where else ''}）"


TOKEN_PREFIX = "xy_"  # noqa: S105 (a prefix, not a secret)


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no stretching needed).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token (接口令牌). Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    objects = OfficeOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.name}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, user: User, name: str, created_by: User | None = None) -> tuple[ApiToken, str]:
        """Create a token; returns it and the raw value, which is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            digest=hash_token(raw),
            created_by=created_by,
        )
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
