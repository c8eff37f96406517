"""Notices to applicants (通知): an outbox shown in the UI, and e-mail when configured."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction

from xinyong.accounts.models import Role

log = logging.getLogger(__name__)


class NoticeQuerySet(models.QuerySet[Any]):
    def addressed_to(self, user: Any) -> NoticeQuerySet:
        """The notices to this user (a subject user: to any user of its subject)."""
        if getattr(user, "role", None) == Role.SUBJECT and getattr(user, "subject_id", None):
            return self.filter(user__subject_id=user.subject_id)
        return self.filter(user_id=getattr(user, "pk", None)) if user is not None else self.none()

    def visible_to(self, user: Any) -> NoticeQuerySet:
        """The outbox: the office sees every notice sent, others those addressed to them."""
        if getattr(user, "role", None) == Role.OFFICE:
            return self
        return self.addressed_to(user)


class Notice(models.Model):
    """One message to a user about their case, kept whether or not e-mail went out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


def notify(user: Any, title: str, body: str, link: str = "") -> Notice | None:
    """Put a notice in the user's outbox; e-mail it after commit if they have an address."""
    if user is None:
        return None
    notice = Notice.objects.create(user=user, title=title, body=body, link=link)
    if user.email:
        def send() -> None:
            try:
                send_mail(title, f"{body}\n\n{settings.SITE_ROOT}{link}", None, [user.email])
                Notice.objects.filter(pk=notice.pk).update(emailed=True)
            except Exception:  # the outbox keeps the notice; mail is best effort
                log.exception("notice %s: e-mail not sent", notice.pk)

        transaction.on_commit(send)
    return notice
