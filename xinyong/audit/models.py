"""The append-only audit log (审计日志): every change, and every read of a person's full data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from xinyong.accounts.models import OfficeOnlyQuerySet
from xinyong.lib.pii import mask_id_numbers


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    """审计事件: who did what to which object, when and from where."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人", max_length=200, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    via = models.CharField("渠道", max_length=16, blank=True)  # web, api, cli, task

    objects = OfficeOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("审计日志只能追加，不能删除")


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a reverse proxy the operator sets XINYONG_TRUST_X_FORWARDED_FOR.
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


VIA_LABELS = {"cli": "命令行", "task": "后台任务", "api": "接口", "web": "网页"}


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    detail: dict[str, Any] | None = None,
    via: str = "",
) -> AuditEvent:
    """Append one event. `actor` defaults to the request's user."""
    if actor is None and request is not None:
        actor = getattr(request, "auth", None) or getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if not via:
        via = "api" if request is not None and request.path.startswith("/api/") else (
            "web" if request is not None else "cli"
        )
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(actor.label if actor is not None
                     else "匿名访客" if request is not None else f"系统（{VIA_LABELS.get(via, via)}）"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=mask_id_numbers(summary)[:500],
        detail=detail or {},
        ip=client_ip(request),
        via=via,
    )
