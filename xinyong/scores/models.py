"""Stored points and grades (信用积分、信用评级结果): what the set-based recompute
(`scores.refresh`) last found for each subject, read by the credit file, the public pages,
the checks and the inspection draws. The API's answers for a given day are computed on
the spot (`scores.points`, `scores.grading`) and never read these."""

from __future__ import annotations

import datetime as dt

from django.db import models


class Refresh(models.Model):
    """One run of the recompute: every subject (nightly, after a pack changed), the
    subjects of one import, or a few subjects after a change or on request."""

    scope = models.CharField("范围", max_length=16)  # all, import, subjects
    as_of = models.DateField("计算日期")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    subjects = models.PositiveIntegerField("计算主体数", default=0)
    changed = models.PositiveIntegerField("结果变化数", default=0)
    import_job = models.ForeignKey("records.ImportJob", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "积分与评级计算"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["scope", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.as_of}"


class SubjectScore(models.Model):
    """信用积分结果: a person's points under one scheme as last computed. A row is written
    when its value changes (or its subject was recomputed alone); a full run that finds
    it unchanged leaves it, so its time is the later of `computed_at` and that run's."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.CASCADE,
                                related_name="scores", db_index=False)
    scheme = models.CharField("积分方案", max_length=64)
    policy = models.CharField("规则包", max_length=64)
    points = models.IntegerField("积分")
    level = models.CharField("等级", max_length=32, blank=True)
    computed_at = models.DateTimeField("计算时间")
    as_of = models.DateField("计算日期")

    class Meta:
        verbose_name = "信用积分结果"
        constraints = [models.UniqueConstraint(fields=["subject", "scheme"],
                                               name="score_one_per_scheme")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.scheme} {self.points}"


class SubjectGrade(models.Model):
    """信用评级结果: an enterprise's grade as last computed, with the rule that decided it
    and the inspection adjustments it was given (`pack:code`, comma-separated)."""

    subject = models.OneToOneField("subjects.Subject", on_delete=models.CASCADE,
                                   primary_key=True, related_name="stored_grade")
    grade = models.CharField("等级", max_length=1)
    rule = models.CharField("依据规则", max_length=64)
    policy = models.CharField("规则包", max_length=64)
    adjustments = models.CharField("抽查比例调整", max_length=300, blank=True)
    computed_at = models.DateTimeField("计算时间")
    as_of = models.DateField("计算日期")

    class Meta:
        verbose_name = "信用评级结果"
        indexes = [models.Index(fields=["grade"])]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.grade}"


def last_full_run() -> tuple[dt.datetime, dt.date] | None:
    """When the last finished run over every subject started, and for which day."""
    return (Refresh.objects.filter(scope="all", finished_at__isnull=False)
            .order_by("-started_at").values_list("started_at", "as_of").first())


def stamp(row: SubjectScore | SubjectGrade, last: tuple[dt.datetime, dt.date] | None
          ) -> tuple[dt.datetime, dt.date]:
    """When a stored result was last known right, and for which day: the later of its own
    write and the last full run (`last_full_run`, which leaves unchanged rows as they are)."""
    if last and last[0] > row.computed_at:
        return last[0], last[1]
    return row.computed_at, row.as_of
