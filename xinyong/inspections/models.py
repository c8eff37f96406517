"""Random inspection draws (双随机抽查) and the subjects each drew; see `inspections.draws`
for the method. Draws are public (一公开): everyone may read every draw."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from xinyong.inspections.draws import ALGORITHM_LABELS, BERNOULLI, WEIGHTED


class DrawQuerySet(models.QuerySet["Draw"]):
    def visible_to(self, user: Any) -> DrawQuerySet:
        """Every draw, for everyone: the seed, the rates and the subjects drawn are published
        so that anyone can check the draw."""
        return self.all()


class Draw(models.Model):
    """One draw: its seed, its population (filters, size, digest), the rates used and when."""

    name = models.CharField("抽查名称", max_length=100)
    seed = models.CharField("随机种子", max_length=64)
    # None: every subject drawn with the probability of its rate (Bernoulli sampling).
    size = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    # The filters as validated (`draws.Population.as_json`).
    population = models.JSONField("抽取范围", default=dict)
    population_count = models.PositiveIntegerField("主体总数")
    population_digest = models.CharField("主体清单摘要", max_length=64)
    # The grade schemes and adjustments used (`services.rates_table`).
    rates = models.JSONField("抽查比例", default=dict)
    selected_count = models.PositiveIntegerField("抽中数量", default=0)
    as_of = models.DateField("评级日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人",
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("抽取时间", auto_now_add=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = "双随机抽查"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def algorithm(self) -> str:
        return BERNOULLI if self.size is None else WEIGHTED

    @property
    def algorithm_label(self) -> str:
        return ALGORITHM_LABELS[self.algorithm]


class Selection(models.Model):
    """One subject drawn, in draw order (`rank` from 1), with its name, code, grade and rate
    as they were at the draw. Rows rather than JSON on the draw: a draw may hold up to
    10,000 (more in Bernoulli mode over a large population), the page shows them a page at
    a time, and a subject's draws can be found by the subject's index."""

    # Indexed by the unique (draw, rank) below.
    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="selections",
                             db_index=False)
    rank = models.PositiveIntegerField("抽取顺序")
    subject = models.ForeignKey("subjects.Subject", verbose_name="信用主体",
                                on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=200)
    code_masked = models.CharField("统一社会信用代码", max_length=18)
    grade = models.CharField("等级", max_length=1)
    rate = models.DecimalField("抽查比例", max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = "抽中主体"
        ordering = ["draw", "rank"]
        constraints = [models.UniqueConstraint(fields=["draw", "rank"],
                                               name="selection_rank_unique")]

    def __str__(self) -> str:
        return f"{self.draw_id} #{self.rank} {self.name}"

