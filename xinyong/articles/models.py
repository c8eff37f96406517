"""Articles (文章) the office publishes on the portal: typical cases (典型案例), news and
policy readings (政策解读)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from xinyong.records import publicity


class ArticleQuerySet(models.QuerySet):
    def public(self, day: dt.date) -> ArticleQuerySet:
        """What the public reads on `day`: published by then, not withdrawn, and for a case
        every linked record shown publicly that day (a repaired record takes its case down).
        A person's records are never public, so a case about one is never shown."""
        return self.filter(published_on__lte=day, withdrawn_at__isnull=True).exclude(
            Q(kind=Article.Kind.CASE) & Exists(hidden_records(day)))

    def taken_down(self, day: dt.date) -> ArticleQuerySet:
        """Published, not withdrawn cases that the rule above hides on `day`."""
        return self.filter(kind=Article.Kind.CASE, published_on__lte=day,
                           withdrawn_at__isnull=True).filter(Exists(hidden_records(day)))


def hidden_records(day: dt.date) -> models.QuerySet:
    """The links of the outer article to records not shown publicly on `day`."""
    from xinyong.subjects import access

    Link = Article.records.through
    shown = publicity.published_q(day, "record__") & access.profile_visible(None, "record__subject")
    return Link.objects.filter(article_id=OuterRef("pk")).exclude(shown)


class Article(models.Model):
    """文章: 典型案例 / 新闻 / 政策解读, written by the office and published on a date."""

    class Kind(models.TextChoices):
        CASE = "case", "典型案例"
        NEWS = "news", "新闻动态"
        POLICY_READING = "policy_reading", "政策解读"

    class Polarity(models.TextChoices):
        DISHONEST = "dishonest", "失信"
        GOOD = "good", "守信"

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    summary = models.CharField("摘要", max_length=500, blank=True)
    body = models.TextField("正文（Markdown）", blank=True)
    # For cases only: which kind of case it is.
    polarity = models.CharField("案例类型", max_length=16, choices=Polarity.choices, blank=True)
    records = models.ManyToManyField("records.Record", verbose_name="关联信用记录", blank=True,
                                     related_name="articles")
    # For policy readings: the pack (policies.PolicyPack.pack_id) the reading explains.
    pack_id = models.CharField("解读的政策", max_length=64, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)  # null: a draft
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作者", null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "文章"
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["kind", "-published_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk])

    def is_public(self, day: dt.date) -> bool:
        return Article.objects.public(day).filter(pk=self.pk).exists()

    def state(self, day: dt.date, taken_down: bool | None = None) -> tuple[str, str]:
        """The office's view of the article on `day`: (label, badge class). `taken_down`:
        already known from `ArticleQuerySet.taken_down` (a list page asks once)."""
        if self.withdrawn_at is not None:
            return "已撤回", "text-bg-secondary"
        if self.published_on is None:
            return "草稿", "text-bg-light"
        if self.published_on > day:
            return "定时发布", "text-bg-info"
        if taken_down is None:
            taken_down = self.kind == Article.Kind.CASE and not self.is_public(day)
        if taken_down:
            return "已撤下（关联记录已不再公示）", "text-bg-warning"
        return "已发布", "text-bg-success"

