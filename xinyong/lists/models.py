"""List memberships (名单): derived from records and the packs' list rules, never typed in."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.db import models
from django.db.models import Q

from xinyong.lists.choices import EXIT, EXPIRED, SHOWN_EXIT

# "In force on a given day" (在列), written once in each form the platform needs: a Python
# predicate (describe, so pages and the API), an ORM condition (Membership.objects.active_on:
# public lists, the credit file) and an SQL fragment (the checks' single round trip).
# tests/test_active.py holds the three to the same answers with Hypothesis.
# A membership is in force on `day` when it has begun (`since`), its term has not run out
# (`until`, the last day) and it has not ended early (`ended_on`, the first day off the list).


class Dates(Protocol):
    @property
    def since(self) -> dt.date: ...
    @property
    def until(self) -> dt.date | None: ...
    @property
    def ended_on(self) -> dt.date | None: ...


def is_active(membership: Dates, day: dt.date) -> bool:
    return (membership.since <= day
            and (membership.until is None or membership.until >= day)
            and (membership.ended_on is None or membership.ended_on > day))


def active_q(day: dt.date) -> Q:
    return (Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gte=day))
            & (Q(ended_on__isnull=True) | Q(ended_on__gt=day)))


def active_sql(alias: str, day: dt.date) -> tuple[str, list[Any]]:
    """The same rule as an SQL condition on the membership table aliased `alias`, and its
    parameters (every value a parameter)."""
    return (f"{alias}.since <= %s AND ({alias}.until IS NULL OR {alias}.until >= %s)"
            f" AND ({alias}.ended_on IS NULL OR {alias}.ended_on > %s)"), [day, day, day]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active_on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships in force on `day`: started, not past `until`, not ended early."""
        return self.filter(active_q(day))

    def visible_to(self, user: Any, public_on: dt.date | None = None) -> MembershipQuerySet:
        """Memberships `user` may see: every one of their own (the office: all; a department:
        those of its unit's records; a subject user: its subject's, in force or ended, public
        or not) and, of the others, those on public lists; with `public_on`, only those in
        force that day (the credit file). Record pages, the record API and the credit file
        all read this; the records themselves are filtered by `Record.objects.visible_to`."""
        from xinyong.accounts.models import Role

        role = getattr(user, "role", None)
        if role == Role.OFFICE:
            return self
        others = models.Q(public=True)
        if public_on is not None:
            others &= active_q(public_on)
        if role == Role.DEPARTMENT:
            return self.filter(models.Q(record__unit_id=user.unit_id) | others)
        if role == Role.SUBJECT:
            return self.filter(models.Q(subject_id=user.subject_id) | others)
        return self.filter(others)


class Membership(models.Model):
    """名单成员: a subject on a list because of one record, under one policy clause."""

    list_code = models.CharField("名单", max_length=64)
    list_name = models.CharField("名单名称", max_length=200)
    public = models.BooleanField("公开", default=True)
    # (subject, since) below serves the subject's look-ups: no index of its own.
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT,
                                related_name="memberships", db_index=False)
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE,
                               related_name="memberships")
    policy = models.CharField("依据规则包", max_length=64)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    clause = models.CharField("条款", max_length=32)
    since = models.DateField("列入日期")
    until = models.DateField("届满日期", null=True, blank=True)
    ended_on = models.DateField("提前移出日期", null=True, blank=True)
    exit_reason = models.CharField("移出原因", max_length=32, choices=EXIT.choices,
                                   blank=True)
    exit_note = models.CharField("移出说明", max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "名单成员"
        ordering = ["list_code", "-since"]
        indexes = [
            models.Index(fields=["list_code", "since"]),
            models.Index(fields=["subject", "since"]),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}：{self.subject_id}（{self.since}）"

    def exit_on(self, day: dt.date) -> str:
        """Why the subject is off the list on `day` ('' while on it)."""
        if self.ended_on and day >= self.ended_on:
            return self.exit_reason
        if self.until and day > self.until:
            return EXPIRED
        return ""


def describe(rows: models.QuerySet[Membership], today: dt.date) -> list[dict[str, object]]:
    """Memberships as pages and the API show them on `today`: in force, not yet, or ended
    (when and why). The one place that says what a membership's state is."""
    found: list[dict[str, object]] = []
    for m in rows.order_by("-since", "list_code", "id"):
        reason = m.exit_on(today)
        found.append({
            "code": m.list_code, "name": m.list_name, "since": m.since, "until": m.until,
            "ended_on": m.ended_on if m.ended_on and reason == m.exit_reason else (
                m.until + dt.timedelta(days=1) if reason == EXPIRED and m.until else None),
            "exit_reason": reason or None,
            "exit_label": SHOWN_EXIT.label(reason) if reason else "",
            "exit_note": m.exit_note if reason == m.exit_reason else "",
            "active": is_active(m, today), "public": m.public,
            "policy": m.policy, "doc_number": m.doc_number, "clause": m.clause,
            "record_id": m.record_id,
        })
    return found
